"""The staff dashboard's "To handle" queue in a browser, on a 360×640 phone and a 1280×800
desktop: valid HTML, axe finds nothing, the page is no wider than the viewport, and the queue
comes before the panels with its counts, ages, deadlines and an overdue marker in words."""

import datetime

import pytest
from django.test import TestCase
from django.utils import timezone

from nabuur.lib import clock
from nabuur.members.models import MembershipStatus
from nabuur.messaging import compose
from nabuur.messaging.models import MessageKind
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_no_horizontal_scroll, check_page
from .test_resident_path import log_in_browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 800}


@pytest.fixture
def waiting_work(transactional_db, live_server):
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(nis_code="11013", name_nl="Edegem", zone=zone)
    network = factories.NetworkFactory(
        municipality=edegem, name="BIN Centrum-Oost en Molenveld", slug="centrum"
    )
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=network, user__first_name="Lotte"
    ).user
    officer = factories.RoleFactory(role=Role.OFFICER, network=network).user
    admin = factories.RoleFactory(role=Role.ZONE_ADMIN, zone=zone).user
    factories.MembershipFactory(network=network)
    earlier = timezone.now() - datetime.timedelta(days=5)
    with clock.frozen_at(earlier), TestCase.captureOnCommitCallbacks(execute=True):
        draft = compose.create_draft(
            officer,
            kind=MessageKind.FEEDBACK,
            networks=[network],
            variants={"nl": ("Inbraken", "Sluit uw ramen en deuren.")},
        )
        compose.submit_message(draft, officer, now=earlier)
    factories.MembershipFactory(
        network=network, status=MembershipStatus.PENDING, confirmed_at=earlier, approved_at=None
    )
    return {"coordinator": coordinator, "admin": admin}


@pytest.mark.parametrize("viewport", [PHONE_VIEWPORT, DESKTOP_VIEWPORT], ids=["phone", "desktop"])
def test_the_coordinators_queue_fits_and_passes_axe(
    page, live_server, waiting_work, assert_valid_html, viewport
):
    page.set_viewport_size(viewport)
    log_in_browser(page.context, live_server, waiting_work["coordinator"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/")
    check_page(page, assert_valid_html, nl("Staff"))
    assert_no_horizontal_scroll(page)
    queue = page.locator("section.waiting-queue")
    assert queue.locator("h2").inner_text() == nl("To handle") + " (2)"
    assert queue.locator("li.queue-item").count() == 2
    # The police message is past its 48 hours: said in words.
    assert queue.get_by_text(nl("Overdue"), exact=True).count() == 1
    # The queue is the first section of the page's content.
    assert page.locator("main section").first.get_attribute("class") == "panel waiting-queue"


def test_the_zone_administrator_sees_the_neglected_bin_on_a_phone(
    page, live_server, waiting_work, assert_valid_html
):
    page.set_viewport_size(PHONE_VIEWPORT)
    log_in_browser(page.context, live_server, waiting_work["admin"], second_factor=True)
    page.goto(live_server.url + "/nl/staff/")
    check_page(page, assert_valid_html, nl("Staff"))
    assert_no_horizontal_scroll(page)
    neglected = page.locator("ul[aria-labelledby=queue-neglected] li")
    assert neglected.count() == 1
    assert "BIN Centrum-Oost en Molenveld" in neglected.inner_text()
