"""The staff pages whose tables no other browser test walks, on a 360 px phone: the audit log,
the zone's staff, and a member's "who viewed or exported my data". Each table scrolls in its own
box (never the page), the box can be scrolled by keyboard, and axe and the Nu checker find
nothing."""

import pytest
from django.utils import translation
from django.utils.formats import date_format

from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_no_horizontal_scroll, check_page
from .test_resident_path import log_in_browser


@pytest.fixture
def zone_with_history(transactional_db, live_server):
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone, user__first_name="Ann").user
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR,
        network=network,
        user__first_name="Lotte",
        user__last_name="Vanderstraeten-Van Den Broeck",
        user__email="lotte.vanderstraeten-vandenbroeck@example.org",
    ).user
    member = factories.MembershipFactory(network=network, user__first_name="Jan").user
    for action in ("members.view_list", "members.view_member", "members.approve"):
        record(coordinator, action, role="coordinator", subjects=[member.pk], zone=zone.pk)
    return {"admin": admin, "member": member}


def test_the_staff_tables_scroll_in_their_own_box_on_a_phone(
    page, live_server, zone_with_history, assert_valid_html
):
    data = zone_with_history
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in_browser(page.context, live_server, data["admin"], second_factor=True)
    for path, heading in (
        ("/nl/staff/audit/", nl("Audit log")),
        ("/nl/staff/zone/pz-rand/people/", nl("Staff of %(zone)s", zone="Politiezone Rand")),
    ):
        page.goto(live_server.url + path)
        check_page(page, assert_valid_html, heading)
        assert_no_horizontal_scroll(page)
        box = page.locator("main .table-wrap").first
        # The box scrolls what does not fit, and takes the focus to scroll by keyboard.
        assert box.evaluate("element => element.scrollWidth > element.clientWidth"), path
        box.focus()
        page.keyboard.press("ArrowRight")
        # (Scrolling is smooth where the person does not ask for reduced motion: wait for it.)
        page.wait_for_function("box => box.scrollLeft > 0", arg=box.element_handle())


def test_who_viewed_my_data_fits_a_phone(page, live_server, zone_with_history, assert_valid_html):
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in_browser(page.context, live_server, zone_with_history["member"])
    page.goto(f"{live_server.url}/nl/me/")
    check_page(page, assert_valid_html, nl("My membership"))
    assert_no_horizontal_scroll(page)
    with translation.override("nl"):
        said = {"actor": nl("Your coordinator"), "date": date_format(clock.today(), "DATE_FORMAT")}
    assert page.locator(".audit-trail li").all_inner_texts() == [
        nl(sentence) % said
        for sentence in (
            "%(actor)s approved your membership on %(date)s.",
            "%(actor)s looked at your details on %(date)s.",
            "%(actor)s looked at the member list, with your details, on %(date)s.",
        )
    ]
