"""A member chooses which classes of messages they receive: on their membership's page after
logging in (on a phone) and on the page behind an e-mail's link (on a desktop). Both pages pass
axe, the Nu HTML checker and fit a 360 px phone."""

import pytest
from django.utils.text import capfirst

from nabuur.members.models import Membership
from tests import factories
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_accessible, assert_no_horizontal_scroll
from .test_resident_path import log_in_browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}
SHOTS = "/tmp/nabuur-shots"


@pytest.fixture
def membership(transactional_db):
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    municipality = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    network = factories.NetworkFactory(municipality=municipality, name="BIN Centrum")
    return factories.MembershipFactory(network=network, user__language="nl")


def untick_and_save(page, label):
    page.get_by_label(label, exact=True).uncheck()
    with page.expect_navigation():
        page.get_by_role("button", name=nl("Save my choice")).click()


def check_page(page, assert_valid_html, name):
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=f"{SHOTS}/optout-{name}.png", full_page=True)


def test_a_member_unticks_a_class_on_their_membership_page_on_a_phone(
    page, live_server, membership, assert_valid_html
):
    log_in_browser(page.context, live_server, membership.user)
    page.set_viewport_size(PHONE_VIEWPORT)
    page.goto(f"{live_server.url}/nl/me/bin/{membership.pk}/")
    group = page.get_by_role(
        "group", name=nl("Which messages do you want to receive from this BIN?")
    )
    assert group.get_by_role("checkbox").count() == 4
    check_page(page, assert_valid_html, "membership-phone")

    untick_and_save(page, capfirst(nl("prevention tips")))

    assert page.get_by_text(nl("Your choice of messages is saved.")).is_visible()
    assert not page.get_by_label(capfirst(nl("prevention tips")), exact=True).is_checked()
    assert page.get_by_label(capfirst(nl("newsletters")), exact=True).is_checked()
    assert Membership.objects.get(pk=membership.pk).receives_prevention is False
    check_page(page, assert_valid_html, "membership-phone-saved")


def test_a_member_unticks_a_class_behind_the_link_in_an_email_on_a_desktop(
    page, live_server, membership, assert_valid_html
):
    delivery = factories.DeliveryFactory(
        message=factories.MessageFactory(targets=[membership.network]), user=membership.user
    )
    page.set_viewport_size(DESKTOP_VIEWPORT)
    page.goto(f"{live_server.url}/nl/u/{delivery.token}/")
    check_page(page, assert_valid_html, "token-desktop")

    untick_and_save(page, capfirst(nl("newsletters")))

    assert page.get_by_text(nl("Your choice of messages is saved.")).is_visible()
    assert Membership.objects.get(pk=membership.pk).receives_newsletter is False
    check_page(page, assert_valid_html, "token-desktop-saved")
