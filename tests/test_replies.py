"""Members' replies (issue 16, points 3–5): the Reply-To names the delivery; `process_bounces`
keeps each reply for the people the plan names and answers the member once, at the address the
message went to, with `Auto-Submitted`; robots are never answered; an urgent-looking reply goes
to the officer; replies are deleted after the zone's retention and follow export and erasure.

The e-mails travel through real SMTP servers: the message to the member through a sink, the
member's reply through a mail server that stores it in a Maildir (as a zone's Postfix does).
"""

import datetime
import io
import smtplib
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
from django.core.management import call_command
from django.forms.models import model_to_dict

from nabuur.audit.models import AuditEntry
from nabuur.lib import clock
from nabuur.lib.mail import recipient_language
from nabuur.messaging import replies
from nabuur.messaging.models import Delivery, DeliveryState, Reply
from nabuur.messaging.services import queue_message
from nabuur.operations.jobs import registered_jobs
from nabuur.privacy.registry import erase_person, export_person
from nabuur.staff.forms import ZoneSettingsForm
from nabuur.staff.models import Role

from . import factories
from .i18n import nl
from .smtp_sink import SmtpSink, free_port
from .test_delivery import add_variant
from .test_outbox import make_message
from .test_smtp_unsubscribe import NOW, MaildirDelivery, deliver_one

LATER = NOW + datetime.timedelta(hours=2)


@pytest.fixture
def mail_server(tmp_path):
    """The zone's mail server for our reply addresses: stores what it accepts in a Maildir."""
    handler = MaildirDelivery(tmp_path / "Maildir")
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    yield handler.box, controller.port
    controller.stop()


@pytest.fixture
def delivered(settings, bin_a, bin_b):
    """(received e-mail, delivery, membership, sink): one message delivered to a member of A.

    The sink stays the site's mailer: the automatic answer travels through it too.
    """
    received, delivery, membership, _other, sink = deliver_one(settings, bin_a, bin_b)
    yield received, delivery, membership, sink
    sink.stop()


def reply_mail(received, *, sender, text="Dank u voor de tip.", headers=None, subject=None):
    """The member's mail program answers `received`: to its Reply-To, quoting it."""
    original = received.message
    reply = EmailMessage()
    reply["From"] = sender
    reply["To"] = original["Reply-To"]
    reply["Subject"] = subject or f"Re: {original['Subject']}"
    reply["Message-ID"] = f"<reply-{abs(hash((sender, text, subject)))}@voorbeeld-mail.test>"
    reply["In-Reply-To"] = original["Message-ID"]
    for name, value in (headers or {}).items():
        reply[name] = value
    quoted = "\n".join(f"> {line}" for line in "Sluit uw ramen.\nBIN Centrum".splitlines())
    reply.set_content(f"{text}\n\nOp 1 maart 2027 schreef BIN Centrum:\n{quoted}\n")
    return reply


def send_reply(mail_server, reply):
    _box, port = mail_server
    with smtplib.SMTP("127.0.0.1", port, timeout=5) as client:
        client.send_message(reply)


def process(mail_server):
    box, _port = mail_server
    out = io.StringIO()
    with clock.frozen_at(LATER):
        call_command("process_bounces", maildir=box._path, stdout=out)
    return out.getvalue().splitlines()


def summary(replies_taken=1, not_handled=0):
    return (
        f"e-mails read: {replies_taken + not_handled}, bounces recorded: 0, "
        f"unsubscriptions taken in: 0, replies taken in: {replies_taken}, "
        f"not handled (left in the mailbox): {not_handled}."
    )


def answers(sink):
    """What the site sent after the message itself: the automatic answers and alerts."""
    return sink.envelopes[1:]


# --- The Reply-To and the intake -------------------------------------------------------------


@pytest.mark.django_db
def test_each_email_names_the_deliverys_reply_address(delivered):
    received, delivery, _membership, _sink = delivered
    assert received.message["Reply-To"] == f"reply+{delivery.token}@localhost"


@pytest.mark.django_db
def test_a_reply_is_kept_and_answered_once_at_the_address_the_message_went_to(
    delivered, mail_server
):
    received, delivery, membership, sink = delivered
    member = membership.user
    send_reply(mail_server, reply_mail(received, sender=f"An Peeters <{member.email.upper()}>"))

    assert process(mail_server) == [summary()]

    reply = Reply.objects.get()
    assert (reply.delivery, reply.network.slug, reply.received_at) == (delivery, "centrum", LATER)
    # The quoted message and the line that introduces it are trimmed.
    assert reply.text == "Dank u voor de tip."
    assert (reply.from_matches, reply.automatic, reply.urgent, reply.answered) == (
        True,
        False,
        False,
        True,
    )
    [answer] = answers(sink)
    assert answer.rcpt_tos == [member.email]
    parsed = answer.message
    assert parsed["To"] == member.email
    assert parsed["Auto-Submitted"] == "auto-replied"
    assert parsed["In-Reply-To"] == f"<{reply.message_id_header}>"
    text = parsed.get_body(("plain",)).get_content()
    assert "112 BE" in text and "101" in text
    watched = nl(
        "This mailbox is not watched around the clock. For anything suspicious or urgent, call "
        "%(police)s, or %(emergency)s in an emergency, or use the 112 BE app.",
        police="101",
        emergency="112",
    )
    # Its first sentence holds no number, whatever the zone's numbers are.
    assert watched.split(". ")[0] in text
    assert '<html lang="nl">' in parsed.get_body(("html",)).get_content()
    entry = AuditEntry.objects.get(action="messaging.reply_received")
    assert (entry.actor_id, entry.actor_role, entry.subjects) == (None, "system", [member.pk])
    assert entry.details["answered"] is True
    box, _port = mail_server
    assert len(box) == 0

    # A second reply is kept, but the delivery has had its one automatic answer.
    send_reply(mail_server, reply_mail(received, sender=member.email, text="Nog iets."))
    assert process(mail_server) == [summary()]
    assert Reply.objects.count() == 2
    assert len(answers(sink)) == 1


@pytest.mark.django_db
def test_the_same_reply_taken_in_twice_is_kept_once(delivered, mail_server):
    received, _delivery, membership, sink = delivered
    reply = reply_mail(received, sender=membership.user.email)
    send_reply(mail_server, reply)
    send_reply(mail_server, reply)

    assert process(mail_server) == [summary(2)]

    assert Reply.objects.count() == 1
    assert len(answers(sink)) == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("headers", "subject"),
    [
        ({"Auto-Submitted": "auto-replied"}, None),
        ({"Auto-Submitted": "auto-generated"}, None),
        ({"X-Autoreply": "yes"}, None),
        ({"Precedence": "bulk"}, None),
        ({"Precedence": "auto_reply"}, None),
        ({}, "Afwezig: Re: Preventietip"),
        ({}, "Out of Office: Preventietip"),
        ({}, "Réponse automatique : Preventietip"),
    ],
)
def test_an_automatic_reply_is_kept_and_never_answered(delivered, mail_server, headers, subject):
    received, _delivery, membership, sink = delivered
    text = "Ik ben afwezig tot 10 maart. Voor dringende zaken: bel 101."
    send_reply(
        mail_server,
        reply_mail(
            received, sender=membership.user.email, text=text, headers=headers, subject=subject
        ),
    )

    assert process(mail_server) == [summary()]

    reply = Reply.objects.get()
    assert (reply.automatic, reply.answered, reply.urgent) == (True, False, False)
    assert reply.text == text
    assert answers(sink) == []


@pytest.mark.django_db
def test_auto_submitted_no_is_a_person_writing(delivered, mail_server):
    received, _delivery, membership, sink = delivered
    send_reply(
        mail_server,
        reply_mail(received, sender=membership.user.email, headers={"Auto-Submitted": "no"}),
    )
    process(mail_server)
    assert Reply.objects.get().answered is True
    assert len(answers(sink)) == 1


@pytest.mark.django_db
def test_a_reply_from_another_address_is_kept_and_gets_no_answer(delivered, mail_server):
    received, _delivery, _membership, sink = delivered
    send_reply(mail_server, reply_mail(received, sender="iemand.anders@voorbeeld-mail.test"))

    assert process(mail_server) == [summary()]

    reply = Reply.objects.get()
    assert (reply.from_matches, reply.answered) == (False, False)
    # No backscatter: nothing goes to the other From, nor to the member.
    assert answers(sink) == []


@pytest.mark.django_db
def test_a_reply_quoting_500_euro_is_a_reply_never_a_bounce(settings, delivered, mail_server):
    settings.BOUNCE_LIMIT = 1
    received, delivery, membership, _sink = delivered
    text = "Mijn fiets van 500 euro is ook gestolen. 550 5.1.1 user unknown? Nee hoor."
    send_reply(mail_server, reply_mail(received, sender=membership.user.email, text=text))

    assert process(mail_server) == [summary()]

    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")
    membership.user.refresh_from_db()
    assert membership.user.email_undeliverable_at is None
    assert Reply.objects.get().text == text


@pytest.mark.django_db
def test_a_reply_to_an_unknown_token_stays_in_the_mailbox(delivered, mail_server):
    received, _delivery, membership, sink = delivered
    reply = reply_mail(received, sender=membership.user.email)
    del reply["To"]
    reply["To"] = f"reply+{'0' * 32}@localhost"
    send_reply(mail_server, reply)

    assert process(mail_server) == [
        summary(0, 1),
        f"Not handled: reply+{'0' * 32}@localhost names no e-mail of ours; nothing kept. "
        "A person should read it: it stays in the mailbox.",
    ]
    assert Reply.objects.count() == 0
    assert answers(sink) == []
    box, _port = mail_server
    assert len(box) == 1


@pytest.mark.django_db
def test_a_long_reply_is_cut_and_an_html_only_reply_is_read_as_text(delivered):
    _received, delivery, membership, _sink = delivered
    long = EmailMessage()
    long["From"] = membership.user.email
    long["Message-ID"] = "<long@voorbeeld-mail.test>"
    long.set_content("x" * 20_000)
    html = EmailMessage()
    html["From"] = membership.user.email
    html["Message-ID"] = "<html@voorbeeld-mail.test>"
    html.set_content("<p>Bedankt <b>voor</b> de tip.</p>", subtype="html")

    first = replies.take_reply(delivery, long, now=LATER)
    second = replies.take_reply(delivery, html, now=LATER)

    assert len(first.text) == Reply.TEXT_MAX_LENGTH == 5000
    assert second.text == "Bedankt voor de tip."


# --- Urgent replies ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_an_urgent_reply_is_emailed_to_the_officer_with_a_link_and_no_address(
    settings, delivered, mail_server, officer_a, coordinator_a
):
    received, _delivery, membership, sink = delivered
    member = membership.user
    text = "Er is nu iemand in onze tuin, een verdachte man met een koevoet!"
    send_reply(mail_server, reply_mail(received, sender=member.email, text=text))

    assert process(mail_server) == [summary()]

    reply = Reply.objects.get()
    assert reply.urgent is True
    to_member, to_officer = answers(sink)
    assert to_member.rcpt_tos == [member.email]
    assert to_officer.rcpt_tos == [officer_a.email]
    body = to_officer.message.get_body(("plain",)).get_content()
    assert text in body
    language = recipient_language(officer_a, staff=True)
    url = f"https://bin.example.be/{language}/staff/messages/{reply.delivery.message_id}/replies/"
    assert url in body
    # What the officer needs and no more: not the member's name, not their address.
    assert member.email not in to_officer.data.decode()
    assert member.last_name not in body
    assert AuditEntry.objects.get(action="messaging.reply_sent_to_officers").details == {
        "officers": [officer_a.pk]
    }


# --- Who reads replies ------------------------------------------------------------------------


def staff_client(client, user):
    TOTP.activate(user, generate_totp_secret())
    client.force_login(user)
    return client


@pytest.fixture
def reply_of_a(delivered):
    _received, delivery, membership, _sink = delivered
    message = EmailMessage()
    message["From"] = membership.user.email
    message["Message-ID"] = "<a@voorbeeld-mail.test>"
    message.set_content("Wanneer is de volgende vergadering?")
    return replies.take_reply(delivery, message, now=LATER)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", ["author", "coordinator_a", "officer_a"])
def test_the_people_the_plan_names_read_the_reply_and_are_noted(
    client, request, reply_of_a, persona
):
    message = reply_of_a.delivery.message
    if persona == "author":
        user = factories.RoleFactory(role=Role.OFFICER, network=reply_of_a.network).user
        message.author = user
        message.save(update_fields=["author"])
    else:
        user = request.getfixturevalue(persona)
    staff_client(client, user)

    with clock.frozen_at(LATER):
        response = client.get(f"/nl/staff/messages/{message.pk}/replies/")

    assert response.status_code == 200
    assert "Wanneer is de volgende vergadering?" in response.text
    reply_of_a.refresh_from_db()
    assert (reply_of_a.read_by, reply_of_a.read_at) == (user, LATER)
    entry = AuditEntry.objects.get(action="messaging.replies_viewed")
    assert (entry.actor_id, entry.subjects) == (user.pk, [reply_of_a.delivery.user_id])
    assert entry.details["replies"] == [reply_of_a.pk]

    response = client.post(f"/nl/staff/messages/{message.pk}/replies/{reply_of_a.pk}/handled/")
    assert response.status_code == 302
    reply_of_a.refresh_from_db()
    assert reply_of_a.handled_by == user
    assert AuditEntry.objects.get(action="messaging.reply_handled").actor_id == user.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("persona", "status"),
    [("coordinator_b", 404), ("member_a", 404), ("zone_admin", 403), ("municipality_contact", 403)],
)
def test_nobody_else_reads_replies(client, request, reply_of_a, persona, status):
    user = request.getfixturevalue(persona)
    if persona == "member_a":
        client.force_login(user)
    else:
        staff_client(client, user)
    message = reply_of_a.delivery.message

    assert client.get(f"/nl/staff/messages/{message.pk}/replies/").status_code == status
    response = client.post(f"/nl/staff/messages/{message.pk}/replies/{reply_of_a.pk}/handled/")
    assert response.status_code == status
    reply_of_a.refresh_from_db()
    assert (reply_of_a.read_at, reply_of_a.handled_at) == (None, None)
    assert not AuditEntry.objects.filter(action="messaging.replies_viewed").exists()


@pytest.mark.django_db
def test_a_coordinator_of_b_reads_only_the_replies_of_bs_members(
    client, settings, bin_a, bin_b, coordinator_b
):
    sink = SmtpSink().start()
    settings.MAILERS = sink.mailers()
    try:
        member_a = factories.MembershipFactory(network=bin_a).user
        member_b = factories.MembershipFactory(network=bin_b).user
        message = make_message(bin_a, bin_b)
        add_variant(message)
        queue_message(message, now=NOW)
        for user, words in ((member_a, "Antwoord uit Centrum"), (member_b, "Antwoord uit Elsdonk")):
            mail = EmailMessage()
            mail["From"] = user.email
            mail.set_content(words)
            replies.take_reply(Delivery.objects.get(user=user), mail, now=LATER)
    finally:
        sink.stop()
    staff_client(client, coordinator_b)

    response = client.get(f"/nl/staff/messages/{message.pk}/replies/")

    assert response.status_code == 200
    assert "Antwoord uit Elsdonk" in response.text
    assert "Antwoord uit Centrum" not in response.text
    a_reply = Reply.objects.get(delivery__user=member_a)
    assert (
        client.post(f"/nl/staff/messages/{message.pk}/replies/{a_reply.pk}/handled/").status_code
        == 404
    )


# --- Retention, export, erasure ---------------------------------------------------------------


@pytest.mark.django_db
def test_replies_older_than_the_zones_retention_are_deleted(reply_of_a, zone):
    kept = Reply.objects.create(
        delivery=reply_of_a.delivery,
        network=reply_of_a.network,
        received_at=LATER + datetime.timedelta(days=2),
        text="later",
    )
    assert zone.retention_replies_days == 30

    assert replies.delete_old_replies(LATER + datetime.timedelta(days=30, seconds=1)) == 1

    assert list(Reply.objects.all()) == [kept]
    entry = AuditEntry.objects.get(action="messaging.replies_deleted_after_retention")
    assert (entry.zone_id, entry.details) == (zone.pk, {"replies": 1, "days": 30})

    zone.retention_replies_days = 1
    zone.save(update_fields=["retention_replies_days"])
    assert replies.delete_old_replies(LATER + datetime.timedelta(days=3, seconds=1)) == 1
    assert Reply.objects.count() == 0


@pytest.mark.django_db
def test_the_worker_job_deletes_old_replies(reply_of_a):
    job = next(job for job in registered_jobs() if job.name == "messaging.delete_old_replies")
    assert job.every == datetime.timedelta(hours=6)
    assert job.func(LATER + datetime.timedelta(days=31)) == 1
    assert Reply.objects.count() == 0


@pytest.mark.django_db
def test_a_members_replies_are_in_their_export_and_gone_after_erasure(reply_of_a):
    member = reply_of_a.delivery.user

    exported = export_person(member)["messaging.Reply"]

    assert exported == [
        {
            "message": reply_of_a.delivery.message_id,
            "received": LATER.isoformat(),
            "subject": "",
            "text": "Wanneer is de volgende vergadering?",
            "automatic": False,
            "urgent": False,
            "answered": True,
            "handled": None,
        }
    ]
    erase_person(member)
    assert Reply.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize(("days", "valid"), [(0, False), (1, True), (30, True), (91, False)])
def test_the_zone_settings_form_keeps_replies_1_to_90_days(zone, days, valid):
    form = ZoneSettingsForm({**model_to_dict(zone), "retention_replies_days": days}, instance=zone)

    assert form.is_valid() is valid, form.errors
