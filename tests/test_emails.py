"""Every e-mail Nabuur sends: one way to send it, in the recipient's language, with the notice.

Each template triplet under templates/emails/ (and templates/account/email/) is rendered through
the function that sends it in production, in Dutch, French and German, to a recipient in a BIN
whose language regime allows that language. django-allauth's own e-mails (password reset,
second-factor notices, "unknown account") extend templates/account/email/base_message.txt and
carry the notice too.
"""

import datetime
import email
import email.policy
import re
from pathlib import Path
from types import SimpleNamespace

import allauth
import pytest
from django.contrib.auth.models import AnonymousUser
from django.contrib.sessions.backends.db import SessionStore
from django.core import mail
from django.template.loader import render_to_string
from django.test import RequestFactory
from django.test.signals import template_rendered
from django.utils import translation
from django.utils.translation import gettext

from nabuur.accounts import emails as account_emails
from nabuur.accounts.services import create_invitation, send_invitation
from nabuur.evaluation import emails as evaluation_emails
from nabuur.evaluation.models import CharterVersion, Evaluation
from nabuur.lib.languages import LanguageRegime
from nabuur.lib.mail import recipient_language
from nabuur.members import emails as member_emails
from nabuur.members.models import AddressRequest, Measure, MeasureKind
from nabuur.members.services import measures as measure_services
from nabuur.messaging import replies
from nabuur.messaging.bounces import send_undeliverable
from nabuur.messaging.emails import render_message, send_urgent_feedback
from nabuur.messaging.escalation import FORWARD
from nabuur.messaging.models import Feedback, Message, MessageState, MessageVariant, Reply
from nabuur.messaging.notifications import notify_state
from nabuur.networks import emails as network_emails
from nabuur.staff import emails as staff_emails
from nabuur.staff import waiting
from nabuur.staff.models import Role

from . import factories

ROOT = Path(__file__).resolve().parent.parent
LANGUAGES = ("nl", "fr", "de")
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)
# The notice of templates/emails/_notice.*, as {% blocktranslate trimmed %} sends it to gettext.
NOTICE = (
    "Contact the police directly: call %(police)s (or %(emergency)s in an emergency) or use the "
    "112 BE app. Never report anything by replying to this e-mail or through it: nobody reads "
    "the replies around the clock."
)
NUMBERS = {"police": "101", "emergency": "112"}
# A BIN in a municipality whose regime allows exactly this language.
REGIME = {"nl": LanguageRegime.DUTCH, "fr": LanguageRegime.FRENCH, "de": LanguageRegime.GERMAN}


def triplets():
    """Every e-mail template triplet, by name: `emails/members/welcome`, …"""
    names = []
    for folder in ("emails", "account/email"):
        for subject in sorted((ROOT / "templates" / folder).rglob("*.subject.txt")):
            names.append(str(subject.relative_to(ROOT / "templates")).removesuffix(".subject.txt"))
    return names


def notice(language, **numbers):
    with translation.override(language):
        return gettext(NOTICE) % (numbers or NUMBERS)


# --- A BIN in one language, and the people its e-mails go to --------------------------------


def world(language):
    zone = factories.ZoneFactory()
    municipality = factories.MunicipalityFactory(zone=zone, language_regime=REGIME[language])
    network = factories.NetworkFactory(municipality=municipality, name="BIN Centrum")
    membership = factories.MembershipFactory(
        network=network, user__language=language, user__first_name="Noor"
    )
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR, network=network, user__language=language
    )
    officer = factories.RoleFactory(role=Role.OFFICER, network=network, user__language=language)
    message = Message.objects.create(
        kind="prevention", state=MessageState.SENT, author=coordinator.user
    )
    message.targets.set([network])
    MessageVariant.objects.create(
        message=message,
        language=language,
        subject="Inbraakpreventie",
        body_markdown="Sluit uw ramen.",
        body_html="<p>Sluit uw ramen.</p>",
        body_text="Sluit uw ramen.",
    )
    delivery = factories.DeliveryFactory(message=message, user=membership.user, languages=language)
    return SimpleNamespace(
        language=language,
        zone=zone,
        network=network,
        membership=membership,
        member=membership.user,
        assignment=coordinator,
        coordinator=coordinator.user,
        officer=officer.user,
        message=message,
        delivery=delivery,
    )


def address_request(w):
    return AddressRequest.objects.create(
        zone=w.zone,
        first_name="Noor",
        last_name="Janssens",
        email="noor@example.org",
        street_name="Kerkstraat",
        house_number="3",
        postcode="2630",
        language=w.language,
    )


def measure(w):
    return Measure.objects.create(
        membership=w.membership,
        kind=MeasureKind.TEMPORARY_SUSPENSION,
        reason="Berichten doorgestuurd naar derden.",
        until=datetime.date(2027, 6, 1),
        proposed_by=w.coordinator,
    )


def evaluation(w):
    return Evaluation.objects.create(
        network=w.network,
        year=2026,
        period_start=datetime.date(2026, 1, 1),
        period_end=datetime.date(2026, 12, 31),
    )


def invitation(w):
    send_invitation(*create_invitation(w.coordinator))


def state_changed(w):
    w.message.state = MessageState.AWAITING_APPROVAL
    w.message.save(update_fields=["state"])
    notify_state(w.message, MessageState.AWAITING_APPROVAL, w.officer, "Graag vandaag nog.")


def urgent_feedback(w):
    feedback = Feedback.objects.create(
        delivery=w.delivery, useful=False, comment="Er staat nu iemand aan mijn deur.", urgent=True
    )
    send_urgent_feedback(w.officer, feedback, w.network, w.membership)


def reply(w, text="Bedankt voor de tip.", urgent=False):
    return Reply.objects.create(
        delivery=w.delivery, network=w.network, received_at=NOW, text=text, urgent=urgent
    )


# Each triplet and how production sends it. A new triplet without a line here fails the test.
SENDERS = {
    "emails/accounts/email_changed": lambda w: account_emails.send_email_changed(
        w.member,
        w.member.email,
        "https://bin.example/nl/account/email/undo/token/",
        7,
        language=recipient_language(w.member, w.network),
        zone=w.zone,
    ),
    "emails/accounts/invitation": invitation,
    "emails/bounces/undeliverable": lambda w: send_undeliverable(
        w.member, w.delivery, "5.1.1 user unknown", 3
    ),
    "emails/evaluation/charter_changed": lambda w: evaluation_emails.send_charter_changed(
        w.officer,
        CharterVersion.objects.create(network=w.network, version=2, plan_version=1),
    ),
    "emails/evaluation/evaluation_opened": lambda w: evaluation_emails.send_evaluation_opened(
        w.coordinator, evaluation(w)
    ),
    "emails/staff/waiting_reminder": lambda w: waiting.send_reminder(
        w.coordinator,
        FORWARD,
        w.network,
        since=NOW,
        period=datetime.timedelta(hours=48),
        url_name="messaging_staff:detail",
        url_args=[w.message.pk],
    ),
    "emails/staff/waiting_handed_over": lambda w: waiting.send_handed_over(
        w.officer,
        FORWARD,
        w.network,
        since=NOW,
        period=datetime.timedelta(hours=48),
        url_name="messaging_staff:detail",
        url_args=[w.message.pk],
        officer_may_send=True,
    ),
    "emails/evaluation/survey_invitation": lambda w: evaluation_emails.send_survey_invitation(
        w.membership, evaluation(w), "survey-token"
    ),
    "emails/members/measure_proposed": lambda w: measure_services.send_measure_proposed(
        w.officer, measure(w), w.coordinator
    ),
    "emails/members/address_request_closed": lambda w: member_emails.send_address_request_closed(
        address_request(w), "Uw straat ligt buiten."
    ),
    "emails/members/address_request_expired": lambda w: member_emails.send_address_request_expired(
        address_request(w), 30
    ),
    "emails/members/address_request_received": lambda w: (
        member_emails.send_address_request_received(address_request(w))
    ),
    "emails/members/awaiting_approval": lambda w: member_emails.send_awaiting_approval(
        w.membership
    ),
    "emails/members/confirm_request": lambda w: member_emails.send_confirm_request(
        w.membership, "confirm-token"
    ),
    "emails/members/declined": lambda w: member_emails.send_declined(
        w.membership, "Uw adres ligt buiten de BIN."
    ),
    "emails/members/details_changed": lambda w: member_emails.send_details_changed(w.member),
    "emails/members/erased": lambda w: member_emails.send_erased(
        w.member.email, w.member.first_name, recipient_language(w.member)
    ),
    "emails/members/erased_zone": lambda w: member_emails.send_erased_in_zone(
        w.member.email, w.member.first_name, recipient_language(w.member), "PZ Demo"
    ),
    "emails/members/join_again": lambda w: member_emails.send_join_again(
        w.membership, "confirm-token"
    ),
    "emails/members/left": lambda w: member_emails.send_left(w.membership),
    "emails/members/login_link": lambda w: member_emails.send_login_link(w.member, "login-token"),
    "emails/members/measure": lambda w: member_emails.send_measure(measure(w)),
    "emails/members/member_left": lambda w: member_emails.send_member_left(
        w.coordinator, w.membership
    ),
    "emails/members/membership_changed": lambda w: member_emails.send_membership_changed(
        w.membership
    ),
    "emails/members/new_member_to_approve": lambda w: member_emails.send_new_member_to_approve(
        w.coordinator, w.membership
    ),
    "emails/members/welcome": lambda w: member_emails.send_welcome(w.membership),
    "emails/messaging/state_changed": state_changed,
    "emails/messaging/urgent_feedback": urgent_feedback,
    "emails/messaging/reply_received": lambda w: replies.send_reply_received(reply(w)),
    "emails/messaging/reply_urgent": lambda w: replies.send_reply_urgent(
        w.officer, reply(w, "Er staat nu iemand aan mijn deur.", urgent=True)
    ),
    "emails/networks/merged": lambda w: network_emails.send_network_merged(
        w.membership, factories.NetworkFactory(municipality=w.network.municipality)
    ),
    "emails/networks/stopped": lambda w: network_emails.send_network_stopped(
        w.membership, w.network, "Te weinig leden."
    ),
    "emails/staff/screening_positive": lambda w: staff_emails.send_screening_positive(w.assignment),
}


def sent_email(name, w):
    """(subject, text, html) of the e-mail `name` as production sends it in the world `w`."""
    if name == "emails/message":
        # A message to members is rendered once per language and personalised per recipient.
        raw = render_message(w.message, [w.language], now=NOW).raw
        parsed = email.message_from_bytes(raw, policy=email.policy.SMTP)
        text = parsed.get_body(("plain",)).get_content()
        html = parsed.get_body(("html",)).get_content()
        return str(parsed["Subject"]), text, html
    mail.outbox.clear()
    SENDERS[name](w)
    assert len(mail.outbox) == 1
    sent = mail.outbox[0]
    assert sent.alternatives[0].mimetype == "text/html"
    return sent.subject, sent.body, sent.alternatives[0].content


@pytest.fixture
def rendered():
    """The names of the templates rendered while the test runs."""
    names = []

    def collect(sender, template, context, **kwargs):
        names.append(template.name)

    template_rendered.connect(collect)
    yield names
    template_rendered.disconnect(collect)


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("name", triplets())
def test_every_email_is_in_the_recipients_language_with_the_notice(name, language, rendered):
    w = world(language)
    subject, text, html = sent_email(name, w)

    assert {f"{name}.subject.txt", f"{name}.txt", f"{name}.html"} <= set(rendered)
    # One line without runs of spaces; a no-break space (French "\xa0:") stays.
    assert subject and subject == re.sub(r"[ \t\r\n\f\v]+", " ", subject).strip()
    assert f'<html lang="{language}">' in html
    for body in (text, html):
        assert "101" in body and "112" in body and "112 BE" in body
        # {% blocktranslate %} escapes only its variables, not the translated sentence.
        assert notice(language) in body


@pytest.mark.parametrize("language", LANGUAGES)
def test_the_notice_is_translated(language):
    # Fails until the catalogue has the notice: an English notice on a Dutch e-mail is a bug.
    assert notice(language) != NOTICE % NUMBERS


@pytest.mark.django_db
def test_the_notice_gives_the_zones_own_numbers():
    w = world("nl")
    w.zone.non_emergency_number = "03 123 45 67"
    w.zone.emergency_number = "112"
    w.zone.save(update_fields=["non_emergency_number", "emergency_number"])
    _, text, html = sent_email("emails/members/welcome", w)
    assert notice("nl", police="03 123 45 67", emergency="112") in text
    assert notice("nl", police="03 123 45 67", emergency="112") in html


# --- django-allauth's own e-mails ---------------------------------------------------------


def allauth_messages():
    """Every e-mail body template django-allauth ships (account and second factor)."""
    templates = Path(allauth.__file__).resolve().parent / "templates"
    return sorted(
        str(path.relative_to(templates)) for path in templates.glob("*/email/*_message.txt")
    )


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("template", allauth_messages())
def test_every_allauth_email_carries_the_notice(template, language):
    request = RequestFactory().get(f"/{language}/account/password/reset/")
    request.user = AnonymousUser()
    request.session = SessionStore()
    with translation.override(language):
        text = render_to_string(template, {}, request=request)
    assert notice(language) in text


@pytest.mark.django_db
@pytest.mark.parametrize("language", LANGUAGES)
def test_a_password_reset_carries_the_notice_in_the_pages_language(client, language):
    staff = factories.UserFactory(language=language)
    client.post(f"/{language}/account/password/reset/", {"email": staff.email})
    client.post(f"/{language}/account/password/reset/", {"email": "nobody@example.org"})
    assert len(mail.outbox) == 2
    for sent in mail.outbox:
        assert notice(language) in sent.body


# --- Which language -------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_flemish_bin_writes_dutch_to_a_member_who_chose_french():
    network = factories.NetworkFactory(municipality__language_regime=LanguageRegime.DUTCH)
    membership = factories.MembershipFactory(network=network, user__language="fr")
    assert recipient_language(membership.user, network) == "nl"

    mail.outbox.clear()
    member_emails.send_welcome(membership)
    assert '<html lang="nl">' in mail.outbox[0].alternatives[0].content


@pytest.mark.django_db
def test_a_brussels_bin_writes_french_to_a_member_who_chose_french():
    network = factories.NetworkFactory(municipality__language_regime=LanguageRegime.BRUSSELS)
    membership = factories.MembershipFactory(network=network, user__language="fr")
    assert recipient_language(membership.user, network) == "fr"

    mail.outbox.clear()
    member_emails.send_welcome(membership)
    assert '<html lang="fr">' in mail.outbox[0].alternatives[0].content


@pytest.mark.django_db
def test_staff_may_read_english_members_may_not():
    network = factories.NetworkFactory(municipality__language_regime=LanguageRegime.DUTCH)
    assignment = factories.RoleFactory(network=network, user__language="en")
    assert recipient_language(assignment.user, staff=True) == "en"
    assert recipient_language(assignment.user) == "nl"
    assert recipient_language(assignment.user, network) == "nl"

    mail.outbox.clear()
    staff_emails.send_screening_positive(assignment)
    assert '<html lang="en">' in mail.outbox[0].alternatives[0].content
    assert "Your police screening is complete" in mail.outbox[0].subject


def test_an_address_request_is_written_to_in_its_own_language():
    assert recipient_language(SimpleNamespace(language="de")) == "de"
    assert recipient_language(SimpleNamespace(language="")) == "nl"


# --- One sender -----------------------------------------------------------------------------

RENDERS_AN_EMAIL = re.compile(r"render_to_string\(\s*f?[\"']emails/")


def test_only_lib_mail_sends_a_templated_email():
    """One function renders and sends e-mail templates; messaging renders its bulk message."""
    senders, renderers = [], []
    for path in sorted((ROOT / "nabuur").rglob("*.py")):
        name = str(path.relative_to(ROOT))
        source = path.read_text()
        if "EmailMultiAlternatives" in source:
            senders.append(name)
        if RENDERS_AN_EMAIL.search(source):
            renderers.append(name)
    assert senders == ["nabuur/lib/mail.py"]
    # The bulk message is rendered once per language into bytes, then personalised.
    assert renderers == ["nabuur/lib/mail.py", "nabuur/messaging/emails.py"]


@pytest.mark.django_db
def test_a_french_officer_of_a_brussels_bin_reads_the_french_subject_with_its_spacing():
    from nabuur.messaging.models import MessageState, MessageVariant
    from nabuur.messaging.notifications import notify_state

    network = factories.NetworkFactory(municipality__language_regime=LanguageRegime.BRUSSELS)
    officer = factories.RoleFactory(network=network, role="officer", user__language="fr").user
    message = factories.MessageFactory(targets=[network], state=MessageState.AWAITING_FORWARD)
    for language, subject in (
        ("nl", "Inbraken in de wijk"),
        ("fr", "Cambriolages dans le quartier"),
    ):
        MessageVariant.objects.create(
            message=message, language=language, subject=subject, body_markdown="…"
        )
    mail.outbox.clear()
    notify_state(message, MessageState.AWAITING_FORWARD, officer, "")
    with translation.override("fr"):
        state = str(MessageState.AWAITING_FORWARD.label)
    # The French colon keeps its no-break space: one line, but not split on every space.
    assert mail.outbox[0].subject == f"Message « Cambriolages dans le quartier »\xa0: {state}"
