"""The header every page shares: the demo mailbox link and the demo second-factor banner.

Plain Django client tests; they sit with the browser tests because base.html is checked there.
"""

import pytest
from django.apps import apps
from django.db import connection
from django.test.utils import CaptureQueriesContext

from nabuur.accounts.services import allow_demo_persona_without_mfa
from tests.i18n import nl

MAILBOX = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
SMTP = {"default": {"BACKEND": "django.core.mail.backends.smtp.EmailBackend"}}
MAILBOX_LINK = '<a href="/nl/mailbox/">'


def home_queries(client):
    with CaptureQueriesContext(connection) as queries:
        response = client.get("/nl/")
    assert response.status_code == 200
    return response, len(queries)


@pytest.mark.django_db
def test_anonymous_visitors_see_no_mailbox_link_and_cost_no_extra_query(client, settings, zone):
    settings.MAILERS = SMTP
    _response, without_mailbox = home_queries(client)
    settings.MAILERS = MAILBOX

    response, with_mailbox = home_queries(client)

    assert MAILBOX_LINK not in response.text
    assert with_mailbox == without_mailbox


@pytest.mark.django_db
def test_a_zone_admin_finds_the_demo_mailbox_in_the_header(client, settings, zone_admin):
    settings.MAILERS = MAILBOX
    client.force_login(zone_admin)

    response = client.get("/nl/")

    assert f"{MAILBOX_LINK}{nl('Demo mailbox')}</a>" in response.text


@pytest.mark.django_db
def test_without_the_demo_mailbox_no_one_sees_the_link(client, settings, zone_admin):
    settings.MAILERS = SMTP
    client.force_login(zone_admin)

    assert MAILBOX_LINK not in client.get("/nl/").text


@pytest.mark.django_db
def test_members_and_coordinators_see_no_mailbox_link(client, settings, member_a, coordinator_a):
    settings.MAILERS = MAILBOX
    for person in (member_a, coordinator_a):
        client.force_login(person)
        assert MAILBOX_LINK not in client.get("/nl/").text, person


@pytest.mark.django_db
def test_a_demo_persona_without_a_second_factor_sees_the_banner_on_staff_pages(
    client, settings, coordinator_a
):
    if not apps.is_installed("allauth.mfa"):
        pytest.skip("the second factor is not installed")
    settings.NABUUR_ENV = "demo"
    allow_demo_persona_without_mfa(coordinator_a.email)
    client.force_login(coordinator_a)

    response = client.get("/nl/staff/")

    assert response.status_code == 200
    banner = nl(
        "Demo persona: this account may skip the second factor. "
        "A real staff account always needs one."
    )
    assert banner in response.text
