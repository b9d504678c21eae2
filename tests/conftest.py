"""Personas used across the suite. Each comment says what that person may see.

Two BINs in one Dutch-speaking municipality of one zone: A (Kerkstraat area) and B.
"""

import pytest

from nabuur.staff.models import Role

from . import factories


@pytest.fixture(autouse=True)
def _erasure_register(settings, tmp_path):
    """Each test writes its erasures to a register of its own, never to var/erasures.jsonl."""
    settings.ERASURE_REGISTER = str(tmp_path / "erasures.jsonl")


@pytest.fixture
def zone(db):
    return factories.ZoneFactory(slug="pz-test", name="Politiezone Test")


@pytest.fixture
def municipality(zone):
    return factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )


@pytest.fixture
def bin_a(municipality):
    return factories.NetworkFactory(municipality=municipality, name="BIN Centrum", slug="centrum")


@pytest.fixture
def bin_b(municipality):
    return factories.NetworkFactory(municipality=municipality, name="BIN Elsdonk", slug="elsdonk")


@pytest.fixture
def member_a(bin_a):
    """A member of BIN A: sees only their own data and messages."""
    return factories.MembershipFactory(network=bin_a).user


@pytest.fixture
def coordinator_a(bin_a):
    """The (screened) coordinator of BIN A: sees A's member list, nothing of B."""
    return factories.RoleFactory(role=Role.COORDINATOR, network=bin_a).user


@pytest.fixture
def coordinator_b(bin_b):
    """The coordinator of BIN B: the outsider for everything about A."""
    return factories.RoleFactory(role=Role.COORDINATOR, network=bin_b).user


@pytest.fixture
def officer_a(bin_a):
    """The mandated officer of BIN A."""
    return factories.RoleFactory(role=Role.OFFICER, network=bin_a).user


@pytest.fixture
def municipality_contact(municipality):
    """The municipality's contact: figures and BINs of the municipality, no member lists."""
    return factories.RoleFactory(role=Role.MUNICIPALITY_CONTACT, municipality=municipality).user


@pytest.fixture
def zone_admin(zone):
    """A zone administrator: everything in the zone."""
    return factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user


# Every test's client.force_login is a full staff login (password and second factor).
from .sessions import force_login_is_a_full_login  # noqa: E402, F401
