"""The page of a sent message whose e-mails partly wait, on a phone and a desktop, in Dutch and
French: every outcome counted, nothing wider than the screen, axe-clean, valid HTML."""

import datetime

import pytest
from django.utils import timezone, translation
from playwright.sync_api import expect

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import MembershipStatus
from nabuur.messaging import compose
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import MessageKind, MessageState
from nabuur.messaging.services import queue_message
from nabuur.messaging.staff_views import progress_summary
from nabuur.staff.models import Role
from tests import factories
from tests.i18n import nl

from .helpers import PHONE_VIEWPORT, assert_accessible, assert_no_horizontal_scroll
from .test_resident_path import log_in_browser

DESKTOP_VIEWPORT = {"width": 1280, "height": 900}
TEXT = {
    "nl": ("Fietsdiefstallen aan het station", "Zet uw fiets op slot."),
    "fr": ("Vols de vélos à la gare", "Cadenassez votre vélo."),
}


@pytest.fixture
def sent_message(transactional_db):
    """A prevention tip to BIN Koekelberg (Dutch and French): 3 members reached, 2 whose pause
    ends in a week, 1 in quiet hours now, 1 paused without an end, 1 suspended, 1 by letter."""
    zone = factories.ZoneFactory(slug="pz-west", name="Politiezone Brussel-West")
    koekelberg = factories.MunicipalityFactory(
        nis_code="21011",
        name_nl="Koekelberg",
        name_fr="Koekelberg",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    network = factories.NetworkFactory(
        municipality=koekelberg, name="BIN Koekelberg / RIQ Koekelberg", slug="koekelberg"
    )
    for _ in range(3):
        factories.MembershipFactory(network=network)
    pause_ends = clock.today() + datetime.timedelta(days=7)
    for _ in range(2):
        factories.MembershipFactory(
            network=network, status=MembershipStatus.PAUSED, paused_until=pause_ends
        )
    now = timezone.localtime(clock.now())
    factories.MembershipFactory(
        network=network,
        quiet_from=(now - datetime.timedelta(hours=1)).time(),
        quiet_to=(now + datetime.timedelta(hours=1)).time(),
    )
    factories.MembershipFactory(network=network, status=MembershipStatus.PAUSED)
    factories.MembershipFactory(network=network, status=MembershipStatus.SUSPENDED)
    factories.MembershipFactory(network=network, user=factories.UserFactory(email=None))
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=network).user
    message = compose.create_draft(
        coordinator, kind=MessageKind.PREVENTION, networks=[network], variants=TEXT
    )
    queue_message(message, now=clock.now())
    assert deliver_due() == 3
    message.refresh_from_db()
    assert message.state == MessageState.SENT
    return message, coordinator


@pytest.mark.parametrize("language", ["nl", "fr"])
def test_the_page_of_a_sent_message_says_what_waits(
    page, live_server, sent_message, assert_valid_html, language, tmp_path
):
    message, coordinator = sent_message
    log_in_browser(page.context, live_server, coordinator, second_factor=True)
    for name, viewport in (("phone", PHONE_VIEWPORT), ("desktop", DESKTOP_VIEWPORT)):
        page.set_viewport_size(viewport)
        page.goto(f"{live_server.url}/{language}/staff/messages/{message.pk}/")
        page.wait_for_load_state()
        counts = dict(
            zip(
                page.locator(".progress dd[data-count]").evaluate_all(
                    "cells => cells.map(cell => cell.dataset.count)"
                ),
                page.locator(".progress dd[data-count]").all_inner_texts(),
                strict=True,
            )
        )
        assert counts == {"sent": "3", "waiting_quiet_hours": "1", "waiting_pause": "2"}
        # Two skip reasons and the letter follow the e-mails' outcomes.
        assert page.locator(".progress dd").count() == 6
        assert_valid_html(page.content(), where=page.url)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)
        page.screenshot(path=tmp_path / f"message-{language}-{name}.png", full_page=True)

        # The log counts the same: 3 sent, 3 waiting, none lost.
        page.goto(f"{live_server.url}/{language}/staff/messages/")
        page.wait_for_load_state()
        cells = page.locator(".messages-log tbody tr").first.locator("td").all_inner_texts()
        assert cells[-3:] == ["3", "3", "0"]
        assert_valid_html(page.content(), where=page.url)
        assert_accessible(page)
        # The log's table scrolls in its own box (.table-wrap): the page stays phone-wide.
        assert_no_horizontal_scroll(page)
        page.screenshot(path=tmp_path / f"log-{language}-{name}.png", full_page=True)


def test_the_page_of_a_message_being_sent_follows_it_until_it_is_sent(
    page, live_server, sent_message
):
    message, coordinator = sent_message
    # Sent again from the start: its e-mails to send now go back in the queue.
    message.deliveries.filter(state="sent").update(state="queued", sent_at=None)
    message.state = MessageState.SENDING
    message.delivery_totals = None
    message.save(update_fields=["state", "delivery_totals"])
    log_in_browser(page.context, live_server, coordinator, second_factor=True)
    page.goto(f"{live_server.url}/nl/staff/messages/{message.pk}/")
    assert page.locator('[data-count="queued"]').inner_text() == "3"

    assert deliver_due() == 3
    # The page polls every three seconds and stops once the message is sent.
    expect(page.locator('[data-count="sent"]')).to_have_text("3", timeout=10_000)
    assert page.locator('[data-count="queued"]').inner_text() == "0"
    assert page.locator('[data-count="waiting_pause"]').inner_text() == "2"
    assert page.locator("#message-state").inner_text() == nl("sent").capitalize()
    with translation.override("nl"):
        summary = progress_summary({"sent": 3, "waiting_quiet_hours": 1, "waiting_pause": 2})
    assert page.locator("#progress-summary").inner_text() == summary
