"""The replies to a message, on a phone: an urgent reply and an out-of-office notice, read by
the BIN's coordinator, one marked handled; axe-clean, valid HTML, no wider than the phone."""

from email.message import EmailMessage

import pytest
from playwright.sync_api import expect

from nabuur.lib import clock
from nabuur.messaging import compose, replies
from nabuur.messaging.models import Delivery, MessageKind, Reply
from nabuur.messaging.services import queue_message
from nabuur.staff.models import Role
from tests import factories

from .helpers import PHONE_VIEWPORT, assert_accessible, assert_no_horizontal_scroll
from .test_resident_path import log_in_browser


@pytest.fixture
def replied(transactional_db, settings):
    """A prevention tip to BIN Centrum; one member replied urgently, another is out of office."""
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    zone = factories.ZoneFactory(slug="pz-test", name="Politiezone Test")
    municipality = factories.MunicipalityFactory(zone=zone, nis_code="11013", name_nl="Edegem")
    network = factories.NetworkFactory(municipality=municipality, name="BIN Centrum")
    members = [factories.MembershipFactory(network=network).user for _ in range(2)]
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=network).user
    message = compose.create_draft(
        coordinator,
        kind=MessageKind.PREVENTION,
        networks=[network],
        variants={"nl": ("Fietsdiefstallen aan het station", "Zet uw fiets op slot.")},
    )
    queue_message(message, now=clock.now())
    texts = [
        ("Er is nu iemand in onze tuin, een verdachte man met een koevoet!", {}),
        (
            "Ik ben afwezig tot 10 maart; https://voorbeeld-mail.test/" + "a" * 120,
            {"Auto-Submitted": "auto-replied"},
        ),
    ]
    for member, (text, headers) in zip(members, texts, strict=True):
        mail = EmailMessage()
        mail["From"] = member.email
        for name, value in headers.items():
            mail[name] = value
        mail.set_content(text)
        replies.take_reply(Delivery.objects.get(user=member), mail)
    return message, coordinator


def test_the_coordinator_reads_the_replies_and_marks_one_handled_on_a_phone(
    page, live_server, replied, assert_valid_html, tmp_path
):
    message, coordinator = replied
    log_in_browser(page.context, live_server, coordinator, second_factor=True)
    page.set_viewport_size(PHONE_VIEWPORT)

    page.goto(f"{live_server.url}/nl/staff/messages/{message.pk}/replies/")
    page.wait_for_load_state()

    expect(page.locator("article.reply")).to_have_count(2)
    assert_valid_html(page.content(), where=page.url)
    assert_accessible(page)
    assert_no_horizontal_scroll(page)
    page.screenshot(path=tmp_path / "replies-phone.png", full_page=True)

    urgent = Reply.objects.get(urgent=True)
    page.locator(f"#reply-{urgent.pk}-heading ~ form button").click()
    page.wait_for_load_state()
    urgent.refresh_from_db()
    assert urgent.handled_by == coordinator
    expect(page.locator(f"#reply-{urgent.pk}-heading ~ form")).to_have_count(0)
    assert_accessible(page)
