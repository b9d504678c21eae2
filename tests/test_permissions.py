import datetime

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabuur.staff.access import get_municipality_for, get_network_for, get_zone_for
from nabuur.staff.models import Role, ScreeningResult
from nabuur.staff.permissions import (
    MATRIX,
    Capability,
    Kind,
    Reach,
    can,
    forget_scopes,
    networks_where,
    scopes_for,
)
from nabuur.zones.models import ControllerKind

from . import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def unscreened_coordinator_a(bin_a):
    """A coordinator of A whose police screening is still pending: sees no member data."""
    return factories.RoleFactory(
        role=Role.COORDINATOR, network=bin_a, screening_result=ScreeningResult.PENDING
    ).user


# persona → (column of the table, what each reach covers among bin_a, bin_b, municipality, zone)
PERSONAS = {
    "member_a": (Kind.MEMBER, {}),
    "coordinator_a": (Kind.COORDINATOR, {Reach.OWN_BINS: {"bin_a"}}),
    "coordinator_b": (Kind.COORDINATOR, {Reach.OWN_BINS: {"bin_b"}}),
    "unscreened_coordinator_a": (None, {}),
    "officer_a": (Kind.OFFICER, {Reach.OWN_BINS: {"bin_a"}}),
    "municipality_contact": (
        Kind.MUNICIPALITY_CONTACT,
        {
            Reach.MUNICIPALITY: {"bin_a", "bin_b", "municipality"},
            # The test zone keeps the police zone as sole controller.
            Reach.MUNICIPALITY_IF_CONTROLLER: set(),
        },
    ),
    "zone_admin": (Kind.ZONE_ADMIN, {Reach.ZONE: {"bin_a", "bin_b", "municipality", "zone"}}),
}
PLACES = ["bin_a", "bin_b", "municipality", "zone"]


def expected_places(persona, capability):
    kind, reaches = PERSONAS[persona]
    reach = MATRIX[capability].get(kind)
    return reaches.get(reach, set())


@pytest.mark.parametrize("persona", PERSONAS)
@pytest.mark.parametrize("capability", [c for c in Capability if c != Capability.OWN_DATA])
def test_every_persona_holds_exactly_what_the_table_says(request, persona, capability):
    user = request.getfixturevalue(persona)
    places = {name: request.getfixturevalue(name) for name in PLACES}
    allowed = {name for name, place in places.items() if can(user, capability, place)}
    assert allowed == expected_places(persona, capability)


def test_the_table_names_every_capability():
    assert set(MATRIX) == set(Capability)


def test_member_lists_as_the_issue_spells_them_out(
    member_a, coordinator_a, coordinator_b, unscreened_coordinator_a, officer_a,
    municipality_contact, zone_admin, bin_a, bin_b,
):  # fmt: skip
    view = Capability.VIEW_MEMBERS
    assert [can(u, view, bin_a) for u in (coordinator_a, officer_a, zone_admin)] == [True] * 3
    assert [can(u, view, bin_a) for u in (member_a, coordinator_b)] == [False, False]
    assert can(unscreened_coordinator_a, view, bin_a) is False
    assert can(municipality_contact, view, bin_a) is False
    assert can(coordinator_b, view, bin_b) is True


@pytest.mark.parametrize("kind", [ControllerKind.MUNICIPALITY, ControllerKind.JOINT])
def test_municipality_contact_sees_members_where_the_municipality_is_controller(
    kind, zone, municipality_contact, bin_a
):
    zone.controller_kind = kind
    zone.save(update_fields=["controller_kind"])
    assert can(municipality_contact, Capability.VIEW_MEMBERS, bin_a) is True
    assert can(municipality_contact, Capability.MANAGE_MEMBERS, bin_a) is False


def test_general_coordinator_coordinates_every_bin_of_the_municipality(municipality, bin_a, bin_b):
    other_municipality = factories.MunicipalityFactory(zone=municipality.zone)
    bin_elsewhere = factories.NetworkFactory(municipality=other_municipality)
    user = factories.RoleFactory(role=Role.GENERAL_COORDINATOR, municipality=municipality).user
    assert list(networks_where(user, Capability.VIEW_MEMBERS).order_by("slug")) == [bin_a, bin_b]
    assert can(user, Capability.VIEW_MEMBERS, bin_elsewhere) is False
    assert can(user, Capability.VIEW_FIGURES, municipality) is False


def test_own_data_is_ones_own(member_a, coordinator_a):
    membership = member_a.memberships.get()
    assert can(member_a, Capability.OWN_DATA, member_a) is True
    assert can(member_a, Capability.OWN_DATA, membership) is True
    assert can(coordinator_a, Capability.OWN_DATA, member_a) is False
    assert can(coordinator_a, Capability.OWN_DATA, membership) is False
    assert can(AnonymousUser(), Capability.OWN_DATA) is False


def test_a_membership_is_judged_by_its_bin(member_a, coordinator_a, coordinator_b):
    membership = member_a.memberships.get()
    assert can(coordinator_a, Capability.MANAGE_MEMBERS, membership) is True
    assert can(coordinator_b, Capability.MANAGE_MEMBERS, membership) is False


def test_an_ended_role_grants_nothing(bin_a):
    user = factories.RoleFactory(
        role=Role.OFFICER, network=bin_a, ended_on=datetime.date(2025, 1, 1)
    ).user
    assert can(user, Capability.VIEW_MEMBERS, bin_a) is False
    assert scopes_for(user).is_staff is False
    with pytest.raises(Http404):
        get_network_for(user, Capability.VIEW_MEMBERS, "centrum")


def test_scopes_are_computed_once_per_user_object(coordinator_a, bin_a, bin_b,
                                                  django_assert_num_queries):  # fmt: skip
    with django_assert_num_queries(1):
        can(coordinator_a, Capability.VIEW_MEMBERS, bin_a)
        can(coordinator_a, Capability.COMPOSE_MESSAGES, bin_b)
        can(coordinator_a, Capability.VIEW_AUDIT_LOG)
    forget_scopes(coordinator_a)
    with django_assert_num_queries(1):
        can(coordinator_a, Capability.VIEW_MEMBERS, bin_a)


def test_get_network_for_returns_the_bin_in_scope_with_the_capability(officer_a, bin_a):
    assert get_network_for(officer_a, Capability.APPROVE_MESSAGES, "centrum") == bin_a


def test_get_network_for_answers_404_outside_the_scope(coordinator_b, bin_a):
    with pytest.raises(Http404):
        get_network_for(coordinator_b, Capability.VIEW_MEMBERS, "centrum")
    with pytest.raises(Http404):
        get_network_for(coordinator_b, Capability.VIEW_MEMBERS, "no-such-bin")


def test_get_network_for_answers_403_inside_the_scope_without_the_capability(
    coordinator_a, unscreened_coordinator_a, municipality_contact, bin_a
):
    with pytest.raises(PermissionDenied):
        get_network_for(coordinator_a, Capability.APPROVE_MESSAGES, "centrum")
    with pytest.raises(PermissionDenied):
        get_network_for(unscreened_coordinator_a, Capability.VIEW_MEMBERS, "centrum")
    with pytest.raises(PermissionDenied):
        get_network_for(municipality_contact, Capability.VIEW_MEMBERS, "centrum")
    assert get_network_for(municipality_contact, Capability.VIEW_NETWORKS, "centrum") == bin_a


def test_municipality_and_zone_access(municipality_contact, zone_admin, coordinator_a,
                                      municipality, zone):  # fmt: skip
    assert get_municipality_for(municipality_contact, Capability.VIEW_FIGURES, "11013") == (
        municipality
    )
    with pytest.raises(Http404):
        get_municipality_for(coordinator_a, Capability.VIEW_FIGURES, "11013")
    with pytest.raises(Http404):
        get_zone_for(municipality_contact, Capability.VIEW_AUDIT_LOG, "pz-test")
    assert get_zone_for(zone_admin, Capability.VIEW_AUDIT_LOG, "pz-test") == zone
    with pytest.raises(PermissionDenied):
        get_zone_for(zone_admin, Capability.MEMBER_MEASURES, "pz-test")


def test_another_zones_admin_sees_nothing_here(bin_a):
    other_zone = factories.ZoneFactory(slug="pz-elders")
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=other_zone).user
    with pytest.raises(Http404):
        get_network_for(admin, Capability.VIEW_MEMBERS, "centrum")
    assert list(networks_where(admin, Capability.VIEW_MEMBERS)) == []
