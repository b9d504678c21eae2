"""When a role is held (staff.models.held_on) and in what capacity a person acts
(staff.permissions.capacity), at their boundaries; and that the audit log records the capacity."""

import datetime

import pytest
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.networks import services as network_services
from nabuur.networks.models import MeasureKind, NetworkStatus
from nabuur.staff import services
from nabuur.staff.models import (
    COORDINATOR_ROLES,
    OFFICER_ROLES,
    Role,
    RoleAssignment,
    partners_of,
)
from nabuur.staff.permissions import Capability, Kind, can, capacity, forget_scopes

from . import factories
from .sessions import reauthenticated

pytestmark = pytest.mark.django_db

# Late in the evening: a role that ends "now" must not wait for midnight.
EVENING = datetime.datetime(2026, 5, 3, 21, 30, tzinfo=datetime.UTC)
TODAY = datetime.date(2026, 5, 3)


def staff(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return reauthenticated(client, user)


def roles_of(user):
    """The person's roles as a fresh request sees them (scopes are cached per request)."""
    forget_scopes(user)
    return user


@pytest.fixture
def evening():
    with clock.frozen_at(EVENING):
        yield


# --- Held on a day ---------------------------------------------------------------------------


def test_a_role_is_held_through_its_last_day_and_not_the_day_after(bin_a, coordinator_a):
    RoleAssignment.objects.filter(user=coordinator_a).update(ended_on=TODAY)
    with clock.frozen_at(EVENING):
        assert can(roles_of(coordinator_a), Capability.VIEW_MEMBERS, bin_a)
        assert RoleAssignment.objects.held_on(clock.today()).filter(user=coordinator_a).exists()
    with clock.frozen_at(EVENING + datetime.timedelta(hours=3)):  # past midnight in Brussels
        assert not can(roles_of(coordinator_a), Capability.VIEW_MEMBERS, bin_a)
        assert capacity(coordinator_a, bin_a, Capability.VIEW_MEMBERS) is None
        assert not RoleAssignment.objects.held_on(clock.today()).filter(user=coordinator_a)


def test_a_role_is_held_from_its_first_day(bin_a):
    role = factories.RoleFactory(role=Role.OFFICER, network=bin_a, started_on=TODAY)
    with clock.frozen_at(EVENING - datetime.timedelta(days=1)):
        assert not can(roles_of(role.user), Capability.VIEW_MEMBERS, bin_a)
        assert not role.is_held_on(clock.today())
    with clock.frozen_at(EVENING):
        assert can(roles_of(role.user), Capability.VIEW_MEMBERS, bin_a)
        assert role.is_held_on(clock.today())


def test_ending_a_role_now_gives_yesterday_as_its_last_day(evening, zone_admin, coordinator_a):
    role = RoleAssignment.objects.get(user=coordinator_a)
    services.end_role(zone_admin, role)
    assert RoleAssignment.objects.get(pk=role.pk).ended_on == datetime.date(2026, 5, 2)
    entry = AuditEntry.objects.get(action="staff.role_end")
    assert entry.details == {"role": "coordinator", "ended_on": "2026-05-02"}


def test_a_role_ended_now_shuts_its_pages_at_once(
    evening, client, django_user_model, zone_admin, bin_a, coordinator_a
):
    role = RoleAssignment.objects.get(user=coordinator_a)
    admin = staff(client, zone_admin)
    coordinator = staff(client.__class__(), coordinator_a)
    assert coordinator.get("/nl/staff/members/centrum/").status_code == 200

    response = admin.post(f"/nl/staff/bins/centrum/roles/{role.pk}/end/", {"ended_on": ""})
    assert response.status_code == 302
    # The very next request, the same evening.
    assert coordinator.get("/nl/staff/members/centrum/").status_code == 404
    assert coordinator.get("/nl/staff/").status_code == 403
    assert RoleAssignment.objects.get(pk=role.pk).ended_on == datetime.date(2026, 5, 2)


def test_a_chosen_last_day_keeps_the_role_until_that_day(evening, client, zone_admin, bin_a):
    role = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a)
    response = staff(client, zone_admin).post(
        f"/nl/staff/bins/centrum/roles/{role.pk}/end/", {"ended_on": "2026-05-31"}
    )
    assert response.status_code == 302
    assert RoleAssignment.objects.get(pk=role.pk).ended_on == datetime.date(2026, 5, 31)
    assert can(roles_of(role.user), Capability.VIEW_MEMBERS, bin_a)
    # Still held today: the roles page still offers to end it earlier.
    page = client.get("/nl/staff/bins/centrum/roles/")
    shown = next(a for a in page.context["assignments"] if a.pk == role.pk)
    assert shown.is_open is True


def test_a_zone_admin_ended_now_loses_the_zone_pages_at_once(evening, client, zone, zone_admin):
    other = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone)
    page = staff(client, other.user)
    assert page.get("/nl/staff/zone/pz-test/people/").status_code == 200
    services.end_role(zone_admin, other)
    assert page.get("/nl/staff/zone/pz-test/people/").status_code == 404


def test_a_removal_takes_effect_on_the_day_of_the_decision(evening, zone_admin, bin_a):
    role = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a)
    network_services.record_measure(
        zone_admin,
        role,
        MeasureKind.TEMPORARY_REMOVAL,
        decided_on=TODAY,
        decided_by="De korpschef",
        until=TODAY + datetime.timedelta(days=10),
    )
    assert RoleAssignment.objects.get(pk=role.pk).ended_on == datetime.date(2026, 5, 2)
    assert not can(roles_of(role.user), Capability.VIEW_MEMBERS, bin_a)


def test_stopping_a_bin_ends_its_roles_now(evening, zone_admin, bin_a, coordinator_a):
    network_services.stop_network(zone_admin, bin_a)
    assert RoleAssignment.objects.get(user=coordinator_a).ended_on == datetime.date(2026, 5, 2)
    assert capacity(roles_of(coordinator_a), bin_a) == Kind.MEMBER


# --- In what capacity --------------------------------------------------------------------------


@pytest.fixture
def officer_a_coordinator_b(bin_a, bin_b):
    """The officer of BIN A who also coordinates BIN B."""
    officer = factories.RoleFactory(role=Role.OFFICER, network=bin_a).user
    factories.RoleFactory(role=Role.COORDINATOR, network=bin_b, user=officer)
    return officer


def test_the_capacity_follows_the_place(officer_a_coordinator_b, bin_a, bin_b, municipality):
    person = officer_a_coordinator_b
    assert capacity(person, bin_a) == Kind.OFFICER
    assert capacity(person, bin_b) == Kind.COORDINATOR
    assert capacity(person, bin_a, Capability.MEMBER_MEASURES) == Kind.OFFICER
    assert capacity(person, bin_b, Capability.MEMBER_MEASURES) == Kind.COORDINATOR
    # Only an officer approves messages, and only for their own BIN.
    assert capacity(person, bin_a, Capability.APPROVE_MESSAGES) == Kind.OFFICER
    assert capacity(person, bin_b, Capability.APPROVE_MESSAGES) is None
    # Without a place: the widest role.
    assert capacity(person) == Kind.OFFICER
    # A BIN of the same municipality where neither role reaches.
    elsewhere = factories.NetworkFactory(municipality=municipality)
    assert capacity(person, elsewhere) == Kind.MEMBER
    assert capacity(person, elsewhere, Capability.MEMBER_MEASURES) is None


def test_a_membership_is_judged_by_its_bin(officer_a_coordinator_b, bin_b):
    membership = factories.MembershipFactory(network=bin_b)
    assert capacity(officer_a_coordinator_b, membership) == Kind.COORDINATOR


def test_an_unscreened_coordinator_acts_in_no_staff_capacity(bin_a):
    role = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a, screening_result="pending")
    assert capacity(role.user, bin_a, Capability.VIEW_MEMBERS) is None
    assert capacity(role.user, bin_a, Capability.MEMBER_MEASURES) is None
    assert capacity(role.user, bin_a) == Kind.MEMBER


# --- The audit log records the capacity ------------------------------------------------------


def roles_in_log():
    return [(entry.action, entry.actor_role) for entry in AuditEntry.objects.order_by("seq")]


def test_staff_services_record_the_inviters_capacity(officer_a, zone_admin, bin_a):
    assignment, _ = services.invite(officer_a, "nieuw@example.org", Role.COORDINATOR, network=bin_a)
    services.record_screening(officer_a, assignment, "positive")
    services.end_role(zone_admin, assignment)
    services.invite(None, "admin@example.org", Role.ZONE_ADMIN, zone=bin_a.municipality.zone)
    assert roles_in_log() == [
        ("staff.invite", "officer"),
        ("staff.screening", "officer"),
        ("staff.role_end", "zone_admin"),
        ("staff.invite", "system"),
    ]


def test_a_coordinator_confirms_being_adult_as_coordinator(bin_a):
    role = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a, adult_confirmed_at=None)
    assert services.confirm_adult(role.user) == 1
    assert roles_in_log() == [("staff.adult_confirmed", "coordinator")]


def test_an_officer_who_administers_the_zone_acts_as_each_action_needs(zone, bin_a, municipality):
    person = factories.RoleFactory(role=Role.OFFICER, network=bin_a).user
    factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone, user=person)
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a)

    # At BIN A the officer comes first, where the officer's role grants the action.
    services.invite(person, "nieuw@example.org", Role.COORDINATOR, network=bin_a)
    # Managing BINs and measures against coordinators are the zone administrator's.
    network = factories.NetworkFactory.build(
        municipality=municipality,
        slug="nieuw",
        bin_type=bin_a.bin_type,
        status=NetworkStatus.PREPARATION,
    )
    network_services.create_network(person, network)
    network_services.record_measure(
        person,
        coordinator,
        MeasureKind.CONVERSATION,
        decided_on=TODAY,
        decided_by="De korpschef",
    )
    network_services.stop_network(person, network)
    assert roles_in_log() == [
        ("staff.invite", "officer"),
        ("networks.create", "zone_admin"),
        ("networks.coordinator_measure", "zone_admin"),
        ("networks.stop", "zone_admin"),
    ]


def test_the_roles_page_records_the_viewers_capacity(client, officer_a, bin_a):
    assert staff(client, officer_a).get("/nl/staff/bins/centrum/roles/").status_code == 200
    assert roles_in_log() == [("networks.roles_view", "officer")]


# --- Who a BIN's partners are ----------------------------------------------------------------


def test_partners_of_names_the_coordinators_who_may_act_today(
    bin_a, bin_b, municipality, coordinator_a, coordinator_b, officer_a
):
    general = factories.RoleFactory(
        role=Role.GENERAL_COORDINATOR, municipality=municipality, started_on=TODAY
    ).user
    unscreened = factories.RoleFactory(
        role=Role.CO_COORDINATOR, network=bin_a, screening_result="pending"
    ).user
    last_day = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a, ended_on=TODAY).user
    factories.RoleFactory(
        role=Role.CO_COORDINATOR, network=bin_a, ended_on=TODAY - datetime.timedelta(days=1)
    )
    no_address = factories.RoleFactory(role=Role.CO_COORDINATOR, network=bin_a).user
    no_address.email = ""
    no_address.save(update_fields=["email"])

    assert partners_of(bin_a, COORDINATOR_ROLES, TODAY) == [coordinator_a, general, last_day]
    assert partners_of(bin_a, OFFICER_ROLES, TODAY) == [officer_a]
    assert partners_of(bin_a, COORDINATOR_ROLES, TODAY + datetime.timedelta(days=1)) == [
        coordinator_a,
        general,
    ]
    assert unscreened not in partners_of(bin_a, COORDINATOR_ROLES, TODAY)
