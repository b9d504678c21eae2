"""Screening, the coordinator's 18-or-older confirmation, and the zone's staff page."""

import datetime
import re

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core import mail
from django.utils.html import escape

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.staff import services
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult
from nabuur.staff.permissions import Capability, can

from . import factories
from .i18n import nl
from .queries import AUDIT_QUERIES
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    # Role changes ask for a recent login: as if the person had just logged in.
    return reauthenticated(client, user)


def actions():
    return [entry.action for entry in AuditEntry.objects.order_by("seq")]


@pytest.fixture
def new_coordinator_a(bin_a):
    """A coordinator of A just appointed: screening pending, 18+ not yet confirmed."""
    return factories.RoleFactory(
        role=Role.COORDINATOR,
        network=bin_a,
        screening_result=ScreeningResult.PENDING,
        screened_on=None,
        adult_confirmed_at=None,
        user__first_name="Lotte",
    )


# --- Services --------------------------------------------------------------------------------


def test_a_coordinator_needs_both_a_positive_screening_and_the_confirmation(
    officer_a, new_coordinator_a, bin_a
):
    coordinator = new_coordinator_a.user
    assert can(coordinator, Capability.VIEW_MEMBERS, bin_a) is False

    services.record_screening(
        officer_a, new_coordinator_a, ScreeningResult.POSITIVE, datetime.date(2026, 3, 2)
    )
    assert can(coordinator, Capability.VIEW_MEMBERS, bin_a) is False

    assert services.confirm_adult(coordinator) == 1
    assert can(coordinator, Capability.VIEW_MEMBERS, bin_a) is True
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.screened_on == datetime.date(2026, 3, 2)
    assert new_coordinator_a.screened_by == officer_a
    assert actions() == ["staff.screening", "staff.adult_confirmed"]
    entry = AuditEntry.objects.get(action="staff.screening")
    assert entry.subjects == [coordinator.pk]
    assert entry.details == {"result": "positive"}
    assert entry.actor_role == "officer"


def test_a_positive_screening_tells_the_coordinator_once(
    officer_a, new_coordinator_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_screening(officer_a, new_coordinator_a, ScreeningResult.POSITIVE)
    with django_capture_on_commit_callbacks(execute=True):
        services.record_screening(officer_a, new_coordinator_a, ScreeningResult.POSITIVE)

    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == [new_coordinator_a.user.email]
    assert message.subject == nl("Your police screening is complete")
    assert nl("Hello %(name)s,", name="Lotte") in message.body
    assert "101" in message.body


def test_a_negative_screening_is_recorded_but_not_e_mailed(
    officer_a, new_coordinator_a, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.record_screening(officer_a, new_coordinator_a, ScreeningResult.NEGATIVE)
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.screening_result == ScreeningResult.NEGATIVE
    assert new_coordinator_a.screened_on == clock.today()
    assert mail.outbox == []


def test_back_to_pending_forgets_the_date_and_the_screener(officer_a, coordinator_a, bin_a):
    assignment = coordinator_a.roles.get()
    services.record_screening(officer_a, assignment, ScreeningResult.PENDING)
    assignment.refresh_from_db()
    assert (assignment.screened_on, assignment.screened_by) == (None, None)
    assert can(coordinator_a, Capability.VIEW_MEMBERS, bin_a) is False


def test_officers_are_not_screened(zone_admin, officer_a):
    with pytest.raises(ValueError, match="Only coordinators"):
        services.record_screening(zone_admin, officer_a.roles.get(), ScreeningResult.POSITIVE)


def test_confirming_twice_confirms_nothing_the_second_time(new_coordinator_a):
    assert services.confirm_adult(new_coordinator_a.user) == 1
    assert services.confirm_adult(new_coordinator_a.user) == 0
    assert actions() == ["staff.adult_confirmed"]


# --- The coordinator's confirmation page -----------------------------------------------------


def test_the_dashboard_asks_a_new_coordinator_to_confirm(client, new_coordinator_a):
    response = staff(client, new_coordinator_a.user).get("/nl/staff/")
    assert escape(nl("Before you can act as a coordinator, confirm that you are 18 or older.")) in (
        response.text
    )
    assert 'href="/nl/staff/confirm/"' in response.text


def test_the_confirmation_needs_the_box_ticked(client, new_coordinator_a):
    response = staff(client, new_coordinator_a.user).post("/nl/staff/confirm/", {})
    assert response.status_code == 200
    assert escape(nl("Tick the box to confirm that you are 18 or older.")) in response.text
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.adult_confirmed_at is None


def test_the_confirmation_is_recorded(client, new_coordinator_a):
    moment = datetime.datetime(2026, 3, 4, 10, 30, tzinfo=datetime.UTC)
    staff(client, new_coordinator_a.user)
    with clock.frozen_at(moment):
        response = client.post("/nl/staff/confirm/", {"adult": "on"})
    assert response.status_code == 302
    assert response["Location"] == "/nl/staff/"
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.adult_confirmed_at == moment
    assert actions() == ["staff.adult_confirmed"]


def test_with_nothing_to_confirm_the_page_says_so(client, officer_a):
    response = staff(client, officer_a).post("/nl/staff/confirm/", {"adult": "on"})
    assert response.status_code == 200
    assert escape(nl("There is nothing left for you to confirm.")) in response.text
    assert actions() == []


def test_an_invited_coordinator_confirms_while_choosing_a_password(client, zone_admin, bin_a):
    _, link = services.invite(zone_admin, "lotte@example.org", Role.COORDINATOR, network=bin_a)
    path = re.sub(r"^https?://[^/]+", "", link)
    page = client.get(path)
    assert 'name="adult"' in page.text

    password = {"password1": "a long pass phrase 42", "password2": "a long pass phrase 42"}
    refused = client.post(path, password)
    assert refused.status_code == 200
    assert escape(nl("Tick the box to confirm that you are 18 or older.")) in refused.text

    accepted = client.post(
        path,
        {**password, "adult": "on"},
    )
    assert accepted.status_code == 302
    assignment = RoleAssignment.objects.get(user__email="lotte@example.org")
    assert assignment.adult_confirmed_at is not None
    assert "staff.adult_confirmed" in actions()


def test_an_invited_officer_is_not_asked_about_age(client, zone_admin, bin_a):
    _, link = services.invite(zone_admin, "jan@example.org", Role.OFFICER, network=bin_a)
    page = client.get(re.sub(r"^https?://[^/]+", "", link))
    assert page.status_code == 200
    assert 'name="adult"' not in page.text


# --- Screening pages -------------------------------------------------------------------------


def test_an_officer_records_the_screening_on_the_bins_roles_page(
    client, officer_a, bin_a, new_coordinator_a
):
    url = f"/nl/staff/bins/centrum/roles/{new_coordinator_a.pk}/screening/"
    staff(client, officer_a)
    assert client.get(url).status_code == 200
    roles_page = client.get("/nl/staff/bins/centrum/roles/")
    assert f'href="{url}"' in roles_page.text

    response = client.post(url, {"screening_result": "positive", "screened_on": "2026-03-02"})
    assert response.status_code == 302
    assert response["Location"] == "/nl/staff/bins/centrum/roles/"
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.screening_result == ScreeningResult.POSITIVE
    assert new_coordinator_a.screened_by == officer_a


def test_a_screening_in_the_future_is_refused(client, officer_a, new_coordinator_a):
    tomorrow = clock.today() + datetime.timedelta(days=1)
    response = staff(client, officer_a).post(
        f"/nl/staff/bins/centrum/roles/{new_coordinator_a.pk}/screening/",
        {"screening_result": "positive", "screened_on": tomorrow.isoformat()},
    )
    assert response.status_code == 200
    assert escape(nl("The screening cannot be in the future.")) in response.text
    new_coordinator_a.refresh_from_db()
    assert new_coordinator_a.screening_result == ScreeningResult.PENDING


def test_an_officers_role_has_no_screening_page(client, zone_admin, officer_a, bin_a):
    role = officer_a.roles.get()
    response = staff(client, zone_admin).get(f"/nl/staff/bins/centrum/roles/{role.pk}/screening/")
    assert response.status_code == 403


# --- The zone's staff page -------------------------------------------------------------------


def test_a_zone_admin_invites_a_municipality_contact(
    client, zone_admin, municipality, django_capture_on_commit_callbacks
):
    staff(client, zone_admin)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/nl/staff/zone/pz-test/people/",
            {
                "role": "municipality_contact",
                "municipality": municipality.pk,
                "email": "Schepen@Edegem.example",
                "first_name": "An",
                "last_name": "Peeters",
                "screening_result": "pending",
            },
        )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__email="schepen@edegem.example")
    assert (assignment.role, assignment.municipality, assignment.zone) == (
        Role.MUNICIPALITY_CONTACT,
        municipality,
        None,
    )
    assert [message.to for message in mail.outbox] == [["schepen@edegem.example"]]
    assert "101" in mail.outbox[0].body


def test_a_zone_admin_invites_another_zone_admin(client, zone, zone_admin):
    response = staff(client, zone_admin).post(
        "/nl/staff/zone/pz-test/people/",
        {"role": "zone_admin", "email": "tweede@pz-test.example", "screening_result": "pending"},
    )
    assert response.status_code == 302
    assignment = RoleAssignment.objects.get(user__email="tweede@pz-test.example")
    assert (assignment.role, assignment.zone) == (Role.ZONE_ADMIN, zone)


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        (
            {"role": "municipality_contact"},
            "municipality",
            "Choose the municipality of this role.",
        ),
        (
            {"role": "zone_admin", "municipality": "MUNICIPALITY"},
            "municipality",
            "A zone administrator works for the whole zone.",
        ),
    ],
)
def test_the_invitation_form_explains_a_wrong_scope(
    client, zone_admin, municipality, data, field, error
):
    data = {k: municipality.pk if v == "MUNICIPALITY" else v for k, v in data.items()}
    response = staff(client, zone_admin).post(
        "/nl/staff/zone/pz-test/people/",
        {**data, "email": "x@example.org", "screening_result": "pending"},
    )
    assert response.status_code == 200
    assert response.context["form"].errors[field] == [nl(error)]
    assert not RoleAssignment.objects.filter(user__email="x@example.org").exists()


def test_inviting_someone_into_a_role_they_hold_is_refused(
    client, zone_admin, municipality_contact, municipality
):
    response = staff(client, zone_admin).post(
        "/nl/staff/zone/pz-test/people/",
        {
            "role": "municipality_contact",
            "municipality": municipality.pk,
            "email": municipality_contact.email,
            "screening_result": "pending",
        },
    )
    assert response.status_code == 200
    assert response.context["form"].errors["email"] == [nl("This person already holds this role.")]


def test_the_page_lists_zone_and_municipality_roles_and_records_the_view(
    client, zone_admin, municipality_contact, coordinator_a
):
    response = staff(client, zone_admin).get("/nl/staff/zone/pz-test/people/")
    shown = {a.user_id for a in response.context["assignments"]}
    # BIN roles (coordinator_a) are listed on the BIN's own page.
    assert shown == {zone_admin.pk, municipality_contact.pk}
    entry = AuditEntry.objects.get(action="staff.zone_staff_view")
    assert entry.subjects == sorted(shown)


@pytest.mark.parametrize("extra", [0, 2])
def test_the_page_takes_the_same_queries_for_one_and_three_people(
    client, zone_admin, municipality, django_assert_num_queries, extra
):
    for _ in range(extra):
        factories.RoleFactory(role=Role.MUNICIPALITY_CONTACT, municipality=municipality)
    staff(client, zone_admin)
    client.get("/nl/staff/zone/pz-test/people/")
    # Session, user, roles (with the zone of the zone administrator's role), the zone, the
    # site's zone, the municipalities of the form, the roles, the audit entry. The session
    # remembers the second factor; staff pages speak every language of the interface, so the
    # zone's languages are not looked up.
    with django_assert_num_queries(8 + AUDIT_QUERIES):
        response = client.get("/nl/staff/zone/pz-test/people/")
    assert len(response.context["assignments"]) == 1 + extra


def test_a_zone_admin_ends_a_municipality_role(client, zone_admin, municipality_contact):
    role = municipality_contact.roles.get()
    response = staff(client, zone_admin).post(
        f"/nl/staff/zone/pz-test/people/{role.pk}/end/", {"ended_on": clock.today().isoformat()}
    )
    assert response.status_code == 302
    role.refresh_from_db()
    assert role.ended_on == clock.today()
    assert actions() == ["staff.role_end"]


def test_a_zone_admin_cannot_end_their_own_role(client, zone_admin):
    role = zone_admin.roles.get()
    response = staff(client, zone_admin).post(
        f"/nl/staff/zone/pz-test/people/{role.pk}/end/", {"ended_on": clock.today().isoformat()}
    )
    assert response.status_code == 200
    assert escape(nl("You cannot end your own role. Ask another administrator.")) in response.text
    role.refresh_from_db()
    assert role.ended_on is None


def test_a_general_coordinator_is_screened_on_the_zone_page(client, zone_admin, municipality):
    general = factories.RoleFactory(
        role=Role.GENERAL_COORDINATOR,
        municipality=municipality,
        screening_result=ScreeningResult.PENDING,
        screened_on=None,
    )
    response = staff(client, zone_admin).post(
        f"/nl/staff/zone/pz-test/people/{general.pk}/screening/",
        {"screening_result": "positive", "screened_on": ""},
    )
    assert response.status_code == 302
    general.refresh_from_db()
    assert (general.screening_result, general.screened_on) == ("positive", clock.today())


def test_the_zone_panel_links_the_zone_pages(client, zone_admin):
    response = staff(client, zone_admin).get("/nl/staff/")
    assert 'href="/nl/staff/zone/pz-test/people/"' in response.text
    assert 'href="/nl/staff/audit/"' in response.text
    assert 'href="/nl/staff/bins/"' in response.text


def test_a_coordinator_gets_no_zone_panel(client, coordinator_a):
    response = staff(client, coordinator_a).get("/nl/staff/")
    assert "/staff/zone/" not in response.text
    assert "/staff/audit/" not in response.text


# --- A fresh login before role changes -------------------------------------------------------


def test_appointing_asks_for_the_password_again_after_a_while(client, zone_admin, bin_a):
    TOTP.activate(zone_admin, generate_totp_secret())
    client.force_login(zone_admin)  # a login without allauth's note: not recent
    assert client.get("/nl/staff/bins/centrum/roles/").status_code == 200
    response = client.post(
        "/nl/staff/bins/centrum/roles/",
        {"role": "coordinator", "email": "nieuw@example.org", "screening_result": "pending"},
    )
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/reauthenticate/")
    assert not RoleAssignment.objects.filter(user__email="nieuw@example.org").exists()


def test_an_outsider_gets_404_before_any_password_prompt(client, coordinator_b, bin_a):
    TOTP.activate(coordinator_b, generate_totp_secret())
    client.force_login(coordinator_b)
    response = client.post("/nl/staff/zone/pz-test/people/", {"role": "zone_admin"})
    assert response.status_code == 404
