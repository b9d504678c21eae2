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
from nabuur.staff import auditing
from nabuur.staff.auditing import record_view
from nabuur.staff.models import Role

from . import factories
from .audit_tamper import tamper
from .i18n import nl
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _default_language_afterwards():
    yield
    translation.activate(settings.LANGUAGE_CODE)


def log_in(client, user):
    """Log in as `user`, with the second factor staff must have."""
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)


@pytest.fixture
def admin_client(client, zone_admin):
    log_in(client, zone_admin)
    return client


def entries(zone, count):
    """`count` entries of a system job in `zone`."""
    return [record(None, "test.action", subjects=[1000 + n], zone=zone) for n in range(count)]


def shown(response):
    return [entry.seq for entry in response.context["page_obj"]]


def test_zone_admin_sees_the_log_newest_first_with_an_intact_chain(admin_client, zone_admin, zone):
    entries(zone, 3)
    response = admin_client.get("/nl/staff/audit/")
    assert response.status_code == 200
    assert shown(response) == [3, 2, 1]  # the viewing is recorded after the page
    assert response.context["chain_break"] is None
    assert nl("The chain is intact: no entry was changed or removed.") in response.text
    assert response.context["head"]["seq"] == 3
    assert response.context["head"]["hash"] in response.text
    # Looking is itself logged.
    viewed = AuditEntry.objects.order_by("-seq").first()
    assert (viewed.action, viewed.actor_id, viewed.actor_role, viewed.zone_id) == (
        "audit.viewed",
        zone_admin.pk,
        "zone_admin",
        zone.pk,
    )


def test_the_viewer_filters_by_actor_action_person_and_dates(
    admin_client, zone_admin, officer_a, zone
):
    with clock.frozen_at(datetime.datetime(2026, 3, 1, 10, tzinfo=datetime.UTC)):
        record(officer_a, "staff.invite", subjects=[7, 71], zone=zone)
    with clock.frozen_at(datetime.datetime(2026, 3, 5, 10, tzinfo=datetime.UTC)):
        record(zone_admin, "members.list_viewed", subjects=[17], zone=zone)
        record(None, "staff.invite", subjects=[7], zone=zone)
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


def test_the_viewer_is_paginated_and_keeps_the_filters(admin_client, zone):
    entries(zone, 60)
    response = admin_client.get("/nl/staff/audit/", {"action": "test.action"})
    assert len(shown(response)) == 50
    assert "?action=test.action&amp;page=2" in response.text
    response = admin_client.get("/nl/staff/audit/", {"action": "test.action", "page": 2})
    assert shown(response) == list(range(10, 0, -1))


def test_the_viewer_reports_a_broken_chain(admin_client, zone):
    entries(zone, 3)
    tamper("UPDATE audit_auditentry SET details = '{\"x\": 1}' WHERE seq = 2")
    response = admin_client.get("/nl/staff/audit/")
    assert response.context["chain_break"].seq == 2
    assert 'role="alert"' in response.text


def queries_for(client):
    with CaptureQueriesContext(connection) as context:
        assert client.get("/nl/staff/audit/").status_code == 200
    return len(context.captured_queries)


def test_the_query_count_does_not_grow_with_the_entries(admin_client, zone):
    entries(zone, 1)
    admin_client.get("/nl/staff/audit/")  # the first staff page of a session writes more
    one = queries_for(admin_client)
    entries(zone, 2)
    assert queries_for(admin_client) == one


@pytest.mark.parametrize("persona", ["coordinator_a", "officer_a", "municipality_contact"])
def test_other_staff_may_not_see_the_log(client, request, persona):
    user = request.getfixturevalue(persona)
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    assert client.get("/nl/staff/audit/").status_code == 403
    assert client.get("/nl/staff/audit/head.json").status_code == 403


def test_exporting_the_head_asks_for_a_fresh_login_first(admin_client, zone):
    entries(zone, 2)
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


# Scope: each zone's administrators read their own zone's entries.


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-ander", name="Politiezone Ander")


@pytest.fixture
def bin_in_zone_b(zone_b):
    return factories.NetworkFactory(municipality__zone=zone_b, name="BIN Ander", slug="ander")


@pytest.fixture
def zone_b_admin(zone_b):
    """The administrator of a second zone: nothing of zone A."""
    return factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone_b).user


def test_a_second_zones_administrator_does_not_read_zone_a_entries(
    client, zone_admin, zone_b_admin, bin_a, bin_in_zone_b, member_a
):
    in_a = auditing.record(zone_admin, "networks.edit", target=bin_a, subjects=[member_a])
    in_b = auditing.record(zone_b_admin, "networks.create", target=bin_in_zone_b)
    log_in(client, zone_b_admin)

    response = client.get("/nl/staff/audit/")

    assert shown(response) == [in_b.seq]
    assert f"?person={member_a.pk}" not in response.text
    # Nor through the filters, nor in the list of actions to filter on.
    assert shown(client.get("/nl/staff/audit/", {"actor": zone_admin.pk})) == []
    assert shown(client.get("/nl/staff/audit/", {"person": member_a.pk})) == []
    actions = [value for value, _label in response.context["form"].fields["action"].choices]
    assert actions == ["", "networks.create"]
    # An action of zone A's is no choice here: the filter is refused and zone B's list shown.
    response = client.get("/nl/staff/audit/", {"action": "networks.edit"})
    assert "action" in response.context["form"].errors
    assert {entry.action for entry in response.context["page_obj"]} == {
        "networks.create",
        "audit.viewed",
    }
    # Zone A's administrator still reads zone A's entry, and not zone B's.
    log_in(client, zone_admin)
    assert shown(client.get("/nl/staff/audit/", {"action": "networks.edit"})) == [in_a.seq]
    assert in_b.seq not in shown(client.get("/nl/staff/audit/"))


def test_entries_without_a_zone_are_shown_to_superusers_only(
    client, zone_admin, zone_b_admin, zone, zone_b
):
    # An entry written before entries carried a zone, or by a job outside every zone.
    (without_zone,) = entries(None, 1)
    (in_a,) = entries(zone, 1)
    (in_b,) = entries(zone_b, 1)

    log_in(client, zone_admin)
    response = client.get("/nl/staff/audit/")
    assert shown(response) == [in_a.seq]
    assert response.context["show_zones"] is False
    # The installation's own administrator reads every entry, of every zone and of none, and
    # sees whose each one is.
    zone_admin.is_superuser = True
    zone_admin.save(update_fields=["is_superuser"])
    response = client.get("/nl/staff/audit/")
    assert shown(response)[-3:] == [in_b.seq, in_a.seq, without_zone.seq]
    assert [entry.zone_name for entry in response.context["page_obj"]][-3:] == [
        "Politiezone Ander",
        "Politiezone Test",
        "",
    ]
    assert "<td>Politiezone Ander</td>" in response.text
    assert f"<td>{nl('none (the whole installation)')}</td>" in response.text


def test_a_superuser_without_a_role_does_not_reach_the_viewer(client, django_user_model):
    root = django_user_model.objects.create_superuser("root@example.org", "x" * 20)
    log_in(client, root)
    assert client.get("/nl/staff/audit/").status_code == 403


def test_looking_is_logged_in_each_zone_the_page_showed(client, zone_admin, zone, zone_b):
    factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone_b, user=zone_admin)
    (in_a,) = entries(zone, 1)
    (in_b,) = entries(zone_b, 1)
    log_in(client, zone_admin)

    response = client.get("/nl/staff/audit/")
    assert shown(response) == [in_b.seq, in_a.seq]
    assert [entry.zone_name for entry in response.context["page_obj"]] == [
        "Politiezone Ander",
        "Politiezone Test",
    ]

    viewed = AuditEntry.objects.filter(action="audit.viewed").order_by("seq")
    assert [(entry.zone_id, entry.actor_id) for entry in viewed] == [
        (zone.pk, zone_admin.pk),
        (zone_b.pk, zone_admin.pk),
    ]


def test_the_exported_head_is_logged_in_the_administrators_zone(client, zone_admin, zone):
    log_in(client, zone_admin)
    reauthenticated(client, zone_admin)

    response = client.get("/nl/staff/audit/head.json")

    assert response.status_code == 200
    exported = AuditEntry.objects.get(action="audit.head_exported")
    assert (exported.zone_id, exported.actor_role) == (zone.pk, "zone_admin")
    assert exported.details == {"seq": json.loads(response.content)["seq"]}
