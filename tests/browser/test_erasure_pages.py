"""A zone administrator erases what the zone holds about a member, on a phone and on a desktop:
the member's page offers it, the confirmation page passes axe and the Nu checker and is no
wider than the phone, and the member's other zone keeps them."""

from pathlib import Path

import pytest

from nabuur.members.models import Membership
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import assert_no_horizontal_scroll, check_page
from .test_resident_path import log_in_browser

VIEWPORTS = {"phone": {"width": 360, "height": 640}, "desktop": {"width": 1280, "height": 800}}
SHOTS = Path("/tmp/shots/erasure")


@pytest.fixture
def people(transactional_db, settings, tmp_path):
    settings.ERASURE_REGISTER = str(tmp_path / "erasures.jsonl")
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    network = factories.NetworkFactory(
        municipality=factories.MunicipalityFactory(nis_code="11013", zone=zone),
        name="BIN Centrum",
        slug="centrum",
    )
    other = factories.NetworkFactory(
        municipality=factories.MunicipalityFactory(
            nis_code="12002", zone=factories.ZoneFactory(slug="pz-ander")
        ),
        slug="berlaar",
    )
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user
    noor = factories.UserFactory(email="noor@example.org", first_name="Noor", last_name="Aerts")
    membership = factories.MembershipFactory(user=noor, network=network)
    factories.MembershipFactory(user=noor, network=other)
    return admin, noor, membership


@pytest.mark.parametrize("screen", VIEWPORTS)
def test_the_zone_administrator_erases_a_member_s_data(
    page, context, live_server, people, assert_valid_html, screen
):
    admin, noor, membership = people
    page.set_viewport_size(VIEWPORTS[screen])
    log_in_browser(context, live_server, admin, second_factor=True)
    page.goto(f"{live_server.url}/nl/staff/members/centrum/{membership.pk}/")
    page.get_by_role("link", name=nl("Erase this person's data on their request")).click()
    check_page(
        page,
        assert_valid_html,
        nl(
            "Erase the data that %(zone)s holds about %(name)s",
            zone="Politiezone Rand",
            name="Noor Aerts",
        ),
    )
    assert_no_horizontal_scroll(page)
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"confirm-{screen}.png"), full_page=True)

    page.get_by_role("button", name=nl("Erase the data now")).click()
    page.wait_for_load_state()
    assert page.url.endswith("/nl/staff/members/centrum/")
    assert (
        nl(
            "The personal data that %(zone)s held about %(name)s are erased.",
            zone="Politiezone Rand",
            name="Noor Aerts",
        )
        in page.content()
    )
    assert [m.network.slug for m in Membership.objects.filter(user=noor)] == ["berlaar"]
