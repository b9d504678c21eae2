import datetime
import json
import time

import pytest
from allauth.mfa.totp.internal.auth import (
    TOTP,
    format_hotp_value,
    generate_totp_secret,
    hotp_value,
)
from django.conf import settings
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.staff.auditing import record_view

from .audit_tamper import tamper
from .i18n import nl

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture
def admin_client(client, zone_admin):
    TOTP.activate(zone_admin, generate_totp_secret())
    client.force_login(zone_admin)
    return client


def entries(count, **kwargs):
    return [record(None, "test.action", subjects=[1000 + n], **kwargs) for n in range(count)]


def shown(response):
    return [entry.seq for entry in response.context["page_obj"]]


def test_zone_admin_sees_the_log_newest_first_with_an_intact_chain(admin_client, zone_admin):
    entries(3)
    response = admin_client.get("/nl/staff/audit/")
    assert response.status_code == 200
    assert shown(response) == [3, 2, 1]  # the viewing is recorded after the page
    assert response.context["chain_break"] is None
    assert nl("The chain is intact: no entry was changed or removed.") in response.text
    assert response.context["head"]["seq"] == 3
    assert response.context["head"]["hash"] in response.text
    # Looking is itself logged.
    viewed = AuditEntry.objects.order_by("-seq").first()
    assert (viewed.action, viewed.actor_id, viewed.actor_role) == (
        "audit.viewed",
        zone_admin.pk,
        "zone_admin",
    )


def test_the_viewer_filters_by_actor_action_person_and_dates(admin_client, zone_admin, officer_a):
    with clock.frozen_at(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)):
        record(officer_a, "staff.invite", subjects=[7, 71])
    with clock.frozen_at(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)):
        record(zone_admin, "members.list_viewed", subjects=[17])
        record(None, "staff.invite", subjects=[7])
    assert shown(admin_client.get("/nl/staff/audit/", {"actor": officer_a.pk})) == [1]
    assert shown(admin_client.get("/nl/staff/audit/", {"action": "staff.invite"})) == [3, 1]
    # Person 7, not 17 or 71.
    assert shown(admin_client.get("/nl/staff/audit/", {"person": 7})) == [3, 1]
    response = admin_client.get("/nl/staff/audit/", {"since": "2026-03-02", "until": "2026-03-05"})
    assert shown(response) == [3, 2]
    assert shown(admin_client.get("/nl/staff/audit/", {"until": "2026-03-01"})) == [1]
    # A search for a person is logged as concerning that person.
    last = AuditEntry.objects.order_by("-seq").first()
    assert last.action == "audit.viewed"


def test_the_person_search_is_recorded_with_the_person(admin_client):
    admin_client.get("/nl/staff/audit/", {"person": 42})
    assert AuditEntry.objects.get(action="audit.viewed").subjects == [42]


def test_the_viewer_is_paginated_and_keeps_the_filters(admin_client):
    entries(60)
    response = admin_client.get("/nl/staff/audit/", {"action": "test.action"})
    assert len(shown(response)) == 50
    assert "?action=test.action&amp;page=2" in response.text
    response = admin_client.get("/nl/staff/audit/", {"action": "test.action", "page": 2})
    assert shown(response) == list(range(10, 0, -1))


def test_the_viewer_reports_a_broken_chain(admin_client):
    entries(3)
    tamper("UPDATE audit_auditentry SET details = '{\"x\": 1}' WHERE seq = 2")
    response = admin_client.get("/nl/staff/audit/")
    assert response.context["chain_break"].seq == 2
    assert 'role="alert"' in response.text


def queries_for(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get("/nl/staff/audit/").status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_the_entries(admin_client):
    entries(1)
    admin_client.get("/nl/staff/audit/")  # the first staff page of a session writes more
    one = queries_for(admin_client)
    entries(2)
    assert queries_for(admin_client) == one


@pytest.mark.parametrize("persona", ["coordinator_a", "officer_a", "municipality_contact"])
def test_other_staff_may_not_see_the_log(client, request, persona):
    user = request.getfixturevalue(persona)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get("/nl/staff/audit/").status_code == 403
    assert client.get("/nl/staff/audit/head.json").status_code == 403


def test_exporting_the_head_asks_for_a_fresh_login_first(admin_client):
    entries(2)
    response = admin_client.get("/nl/staff/audit/head.json")
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/reauthenticate/")


def totp_code(secret):
    counter = int(time.time()) // 30
    return format_hotp_value(hotp_value(secret, counter))


def test_the_head_downloads_after_a_fresh_login(client, zone_admin):
    secret = generate_totp_secret()
    TOTP.activate(zone_admin, secret)
    response = client.post(
        "/nl/account/login/",
        {"login": zone_admin.email, "password": "correct horse battery staple"},
    )
    assert response["Location"] == "/nl/account/2fa/authenticate/"
    response = client.post("/nl/account/2fa/authenticate/", {"code": totp_code(secret)})
    assert response.status_code == 302
    # A login is not yet a confirmation: the export asks for the password again.
    response = client.get("/nl/staff/audit/head.json")
    assert (
        response["Location"] == "/nl/account/reauthenticate/?next=%2Fnl%2Fstaff%2Faudit%2Fhead.json"
    )
    response = client.post(response["Location"], {"password": "correct horse battery staple"})
    assert response.status_code == 302
    response = client.get("/nl/staff/audit/head.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json; charset=utf-8"
    head = json.loads(response.content)
    assert set(head) == {"seq", "hash", "time"}
    assert AuditEntry.objects.get(seq=head["seq"] + 1).action == "audit.head_exported"


def test_record_view_records_the_viewer_the_people_and_the_path(rf, coordinator_a):
    request = rf.get("/nl/staff/members/?q=Peeters")
    request.user = coordinator_a
    entry = record_view(request, "members.list_viewed", [5, 3, coordinator_a])
    assert (entry.actor_id, entry.actor_role) == (coordinator_a.pk, "coordinator")
    assert entry.subjects == sorted([3, 5, coordinator_a.pk])
    assert entry.details == {"path": "/nl/staff/members/"}
