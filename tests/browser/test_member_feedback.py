"""A member answers "Was this useful?" from a delivered e-mail, with the keyboard only.

The message goes through the outbox and the worker into the demo mailbox; the member opens the
e-mail's link, votes, then writes a comment that reads like a report and sees at once that they
must call the police. Every page passes axe (WCAG 2.1 AA), the Nu HTML checker and the reflow
check, in Dutch (a Flemish BIN) and in French (a Brussels BIN).
"""

import datetime
import email
import email.policy
import re

import pytest
from django.utils import translation
from django.utils.translation import gettext, pgettext

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.mailbox.models import MailboxMessage
from nabuur.messaging.delivery import deliver_due
from nabuur.messaging.models import Delivery, Feedback
from nabuur.messaging.services import queue_message
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_privacy_notice
from tests import factories
from tests.test_delivery import add_variant
from tests.test_outbox import make_message

from .helpers import assert_accessible, assert_no_horizontal_scroll, tab_to

MAILBOX = {"default": {"BACKEND": "nabuur.mailbox.backend.MailboxBackend"}}
ANSWER = "answer to: was this useful?"


@pytest.fixture
def feedback_data(transactional_db, settings):
    """Politiezone Rand: BIN Centrum in Edegem (Dutch only) and BIN Stokkel in
    Sint-Pieters-Woluwe (Dutch or French), each with a member and an officer."""
    settings.MAILERS = MAILBOX
    zone = factories.ZoneFactory(slug="pz-rand", name="Politiezone Rand")
    edegem = factories.MunicipalityFactory(
        nis_code="11013", name_nl="Edegem", name_fr="Edegem", zone=zone
    )
    woluwe = factories.MunicipalityFactory(
        nis_code="21019",
        name_nl="Sint-Pieters-Woluwe",
        name_fr="Woluwe-Saint-Pierre",
        zone=zone,
        language_regime=LanguageRegime.BRUSSELS,
    )
    centrum = factories.NetworkFactory(municipality=edegem, name="BIN Centrum", slug="centrum")
    stokkel = factories.NetworkFactory(
        municipality=woluwe, name="BIN Stokkel / RIQ Stockel", slug="stokkel"
    )
    publish_privacy_notice(zone)
    return {
        "centrum": centrum,
        "stokkel": stokkel,
        "member_nl": factories.MembershipFactory(network=centrum, user__language="nl").user,
        # Language unknown: a Brussels member gets Dutch and French.
        "member_bxl": factories.MembershipFactory(network=stokkel, user__language="").user,
        "officer_nl": factories.RoleFactory(role=Role.OFFICER, network=centrum).user,
        "officer_bxl": factories.RoleFactory(
            role=Role.OFFICER, network=stokkel, user__language="fr"
        ).user,
    }


def in_language(language, msgid, context=None):
    with translation.override(language):
        return pgettext(context, msgid) if context else gettext(msgid)


def send_through_the_outbox(network, variants):
    message = make_message(network)
    for language, subject, text in variants:
        add_variant(message, language, subject, text)
    now = datetime.datetime.now(datetime.UTC)
    queue_message(message, now=now)
    with clock.frozen_at(now):
        assert deliver_due() == 1
    return message


def link_in_email(user, language, answer):
    """The path of the e-mail's "Was this useful?" link, read from the demo mailbox."""
    row = MailboxMessage.objects.get(recipients=user.email)
    parsed = email.message_from_bytes(bytes(row.raw), policy=email.policy.default)
    text = parsed.get_body(("plain",)).get_content()
    match = re.search(rf"https?://\S+?(/{language}/u/[0-9a-f]{{48}}/useful\?answer={answer})", text)
    assert match, f"no {language} useful link in the e-mail:\n{text}"
    return match.group(1)


class Pages:
    """Keeps the HTML the server sent for the last document (also the answer to a POST), so the
    Nu checker sees the source, and runs every page check."""

    def __init__(self, page, assert_valid_html):
        self.page = page
        self.assert_valid_html = assert_valid_html
        self.document = None
        page.on("response", self._remember)

    def _remember(self, response):
        if response.request.resource_type == "document" and response.frame == self.page.main_frame:
            self.document = response

    def check(self, language, h1):
        page = self.page
        page.wait_for_load_state()
        assert self.document is not None and self.document.status == 200, page.url
        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == h1
        self.assert_valid_html(self.document.text(), where=page.url)
        assert_accessible(page)
        assert_no_horizontal_scroll(page)


def press(page, text):
    """Tab to the button or link with this text and press Enter: the keyboard only."""
    element = tab_to(page, lambda focused: focused.text == text)
    assert element.visible, f"focus is not visible on {element}"
    page.keyboard.press("Enter")


def answer_by_keyboard(page, pages, language, yes_or_no, comment, urgent_heading):
    """Vote from the page the e-mail's link opened, then send an urgent-looking comment."""
    h1 = in_language(language, "Was this useful?")
    pages.check(language, h1)
    button = in_language(language, yes_or_no, ANSWER)

    press(page, button)
    page.get_by_text(in_language(language, "Thank you: your answer is saved.")).wait_for()
    pages.check(language, h1)
    assert page.locator("[role=alert]").count() == 0

    tab_to(page, lambda focused: focused.name == "comment")
    page.keyboard.type(comment)
    press(page, button)
    notice = page.get_by_role("alert")
    notice.wait_for()
    pages.check(language, h1)
    assert notice.get_by_role("heading").inner_text() == urgent_heading
    text = notice.inner_text()
    assert "101" in text and "112" in text and "112 BE" in text

    # On to the preferences, where the member could pause or leave.
    press(page, in_language(language, "Your preferences"))
    page.wait_for_url(re.compile(rf"/{language}/u/[0-9a-f]{{48}}/$"))
    pages.check(language, in_language(language, "Your preferences"))


def test_a_member_answers_from_the_email_and_is_sent_to_the_police(
    page, live_server, feedback_data, assert_valid_html
):
    pages = Pages(page, assert_valid_html)
    member = feedback_data["member_nl"]
    send_through_the_outbox(feedback_data["centrum"], [("nl", "Preventietip", "Sluit uw ramen.")])
    path = link_in_email(member, "nl", "yes")

    page.goto(live_server.url + path)
    answer_by_keyboard(
        page,
        pages,
        "nl",
        "Yes",
        "Help! Er loopt nu een verdachte man rond in onze tuin",
        in_language("nl", "Is something happening now? Call the police."),
    )

    feedback = Feedback.objects.get(delivery__user=member)
    assert (feedback.useful, feedback.urgent) == (True, True)
    assert feedback.comment == "Help! Er loopt nu een verdachte man rond in onze tuin"
    assert MailboxMessage.objects.filter(recipients=feedback_data["officer_nl"].email).count() == 1


def test_a_brussels_member_answers_in_french(page, live_server, feedback_data, assert_valid_html):
    pages = Pages(page, assert_valid_html)
    member = feedback_data["member_bxl"]
    send_through_the_outbox(
        feedback_data["stokkel"],
        [
            ("nl", "Inbraakpreventie", "Sluit uw ramen."),
            ("fr", "Prévention des cambriolages", "Fermez vos fenêtres."),
        ],
    )
    assert Delivery.objects.get(user=member).languages == "nl+fr"
    path = link_in_email(member, "fr", "no")

    page.goto(live_server.url + path)
    assert "Prévention des cambriolages" in page.locator("main").inner_text()
    answer_by_keyboard(
        page,
        pages,
        "fr",
        "No",
        "Au secours, il y a un homme suspect devant ma maison maintenant",
        in_language("fr", "Is something happening now? Call the police."),
    )

    feedback = Feedback.objects.get(delivery__user=member)
    assert (feedback.useful, feedback.urgent) == (False, True)
    assert MailboxMessage.objects.filter(recipients=feedback_data["officer_bxl"].email).count() == 1
