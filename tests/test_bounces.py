import io
import mailbox
import shutil
from pathlib import Path

import pytest
from django.core import mail
from django.core.management import call_command

from nabuur.lib import clock
from nabuur.messaging.bounces import parse_bounce
from nabuur.messaging.delivery import finish_messages
from nabuur.messaging.intake import take_in
from nabuur.messaging.models import Delivery, DeliveryState, Message, MessageState
from nabuur.messaging.services import queue_message
from nabuur.staff.models import Role

from . import factories
from .test_delivery import NOW, add_variant
from .test_outbox import make_message

SAMPLES = Path(__file__).parent / "data" / "dsn"
TOKEN = "5e1f0c3a9b7d42e8a6c1d0f9e8b7a6c5"
MESSAGE_ID = "nabuur.1.0a1b2c3d4e5f6789@nabuur.example"


def sample(name):
    return (SAMPLES / name).read_bytes()


@pytest.mark.parametrize(
    ("name", "status", "token", "words"),
    [
        ("postfix-rfc3464-user-unknown.eml", "5.1.1", TOKEN, "User unknown"),
        ("rfc3464-delayed-mailbox-full.eml", "4.2.2", TOKEN, "Mailbox full"),
        ("exim-text-bounce.eml", "5.0.0", TOKEN, "550 No such user"),
        ("qmail-text-bounce.eml", "5.7.1", TOKEN, "Mailbox disabled"),
        ("exchange-ndr-message-id-only.eml", "5.1.10", None, "RecipientNotFound"),
    ],
)
def test_parse_bounce_reads_real_world_formats(name, status, token, words):
    bounce = parse_bounce(sample(name))
    assert (bounce.status, bounce.token, bounce.message_id) == (status, token, MESSAGE_ID)
    assert words in bounce.diagnostic
    assert bounce.hard == status.startswith("5")


# The same samples with the token and Message-ID queued since messaging migration 0010: the
# message's number and the row's place before the random digits.
ORDERED_TOKEN = "0000002a00000007" + TOKEN
ORDERED_MESSAGE_ID = "nabuur.42.000000070a1b2c3d4e5f6789@nabuur.example"


@pytest.mark.parametrize(
    ("name", "token"),
    [
        ("postfix-rfc3464-user-unknown.eml", ORDERED_TOKEN),
        ("exim-text-bounce.eml", ORDERED_TOKEN),
        ("exchange-ndr-message-id-only.eml", None),
    ],
)
def test_parse_bounce_reads_ordered_tokens_and_message_ids(name, token):
    data = sample(name)
    ordered = data.replace(TOKEN.encode(), ORDERED_TOKEN.encode()).replace(
        MESSAGE_ID.encode(), ORDERED_MESSAGE_ID.encode()
    )
    assert ordered.count(ORDERED_MESSAGE_ID.encode()) == data.count(MESSAGE_ID.encode()) > 0

    bounce = parse_bounce(ordered)

    assert (bounce.token, bounce.message_id) == (token, ORDERED_MESSAGE_ID)


def test_a_reply_to_the_bounce_address_is_not_a_bounce():
    assert parse_bounce(sample("not-a-bounce.eml")) is None


def test_a_reply_quoting_a_code_and_our_message_id_is_not_a_bounce():
    reply = (
        sample("not-a-bounce.eml")
        .replace(
            b"Subject: Re: Preventietip",
            f"Subject: Re: Preventietip\nIn-Reply-To: <{MESSAGE_ID}>".encode(),
        )
        .replace(b"Bedankt voor de tip!", b"> Wie 500 euro meer betaalt: 550 5.1.1 user unknown")
    )
    assert parse_bounce(reply) is None
    assert parse_bounce(reply, token=TOKEN) is None


@pytest.mark.parametrize(
    ("sender", "subject"),
    [
        # A person may write to a mail system's address, or use its words: still not a report.
        ("MAILER-DAEMON@relay.test", "Re: Preventietip"),
        ("jan.peeters@voorbeeld-mail.test", "Undelivered Mail Returned to Sender"),
    ],
)
def test_a_text_report_needs_a_mail_systems_sender_and_subject(sender, subject):
    text = sample("qmail-text-bounce.eml")
    text = text.replace(b"From: MAILER-DAEMON@mail.oudprovider.test", f"From: {sender}".encode())
    text = text.replace(b"Subject: failure notice", f"Subject: {subject}".encode())
    assert parse_bounce(text) is None


@pytest.fixture
def sent(bin_a):
    """One message sent to a member of BIN A, whose delivery has the samples' token."""
    member = factories.MembershipFactory(network=bin_a).user
    message = make_message(bin_a)
    add_variant(message)
    queue_message(message, now=NOW)
    Delivery.objects.update(
        state=DeliveryState.SENT, token=TOKEN, message_id_header=MESSAGE_ID, sent_at=NOW
    )
    return member


@pytest.mark.django_db
def test_a_hard_bounce_marks_the_delivery_bounced(sent):
    assert take_in(sample("postfix-rfc3464-user-unknown.eml")).handled
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.BOUNCED
    assert delivery.last_error.startswith("5.1.1 550 5.1.1")
    sent.refresh_from_db()
    assert sent.email_undeliverable_at is None  # one bounce is below the limit


@pytest.mark.django_db
def test_a_hard_bounce_after_sending_moves_the_stored_totals(sent):
    message = Message.objects.get()
    finish_messages([message.pk], NOW)
    message.refresh_from_db()
    assert (message.state, message.delivery_totals) == (MessageState.SENT, {"sent": 1})

    take_in(sample("postfix-rfc3464-user-unknown.eml"))

    message.refresh_from_db()
    assert message.delivery_totals == {"bounced": 1}


@pytest.mark.django_db
def test_a_bounce_while_the_message_is_being_sent_is_counted_when_it_ends(sent):
    take_in(sample("postfix-rfc3464-user-unknown.eml"))
    message = Message.objects.get()
    assert message.delivery_totals is None
    finish_messages([message.pk], NOW)
    message.refresh_from_db()
    assert message.delivery_totals == {"bounced": 1}


@pytest.mark.django_db
def test_a_bounce_found_by_message_id_alone(sent):
    # Sent to an address of ours without a token: the report quotes the Message-ID.
    assert take_in(sample("exchange-ndr-message-id-only.eml")).handled
    assert Delivery.objects.get().state == DeliveryState.BOUNCED


@pytest.mark.django_db
def test_a_soft_bounce_is_only_recorded(sent):
    take_in(sample("rfc3464-delayed-mailbox-full.eml"))
    delivery = Delivery.objects.get()
    assert delivery.state == DeliveryState.SENT
    assert delivery.last_error.startswith("soft bounce 4.2.2")


@pytest.mark.django_db
def test_hard_bounces_past_the_limit_retire_the_address_and_tell_the_coordinator(
    settings, bin_a, sent
):
    settings.BOUNCE_LIMIT = 2
    coordinator = factories.RoleFactory(role=Role.COORDINATOR, network=bin_a).user
    other_bin = factories.NetworkFactory(municipality=bin_a.municipality, slug="elders")
    outsider = factories.RoleFactory(role=Role.COORDINATOR, network=other_bin).user
    # An earlier message to the same address bounced already.
    earlier = make_message(bin_a)
    Delivery.objects.create(
        message=earlier,
        user=sent,
        email=sent.email,
        languages="nl",
        state=DeliveryState.BOUNCED,
        next_attempt_at=NOW,
        message_id_header="nabuur.0.earlier@nabuur.example",
        token="e" * 32,
    )
    mail.outbox.clear()

    with clock.frozen_at(NOW):
        take_in(sample("qmail-text-bounce.eml"))

    sent.refresh_from_db()
    assert sent.email_undeliverable_at == NOW
    assert [message.to for message in mail.outbox] == [[coordinator.email]]
    assert outsider.email not in mail.outbox[0].to
    assert sent.email in mail.outbox[0].body
    assert "5.7.1" in mail.outbox[0].body
    # Processing the same bounce again changes nothing and tells nobody twice.
    take_in(sample("qmail-text-bounce.eml"))
    assert len(mail.outbox) == 1

    # The next message skips the undeliverable address.
    again = make_message(bin_a)
    add_variant(again)
    assert queue_message(again, now=NOW) == 0


@pytest.mark.django_db
def test_process_bounces_reads_a_maildir_and_removes_what_it_recorded(tmp_path, sent):
    box = mailbox.Maildir(tmp_path / "Maildir", create=True)
    for name in ("postfix-rfc3464-user-unknown.eml", "not-a-bounce.eml"):
        box.add(sample(name))
    shutil.copy(SAMPLES / "exim-text-bounce.eml", tmp_path / "Maildir" / "cur" / "1:2,S")

    out = io.StringIO()
    call_command("process_bounces", maildir=str(tmp_path / "Maildir"), stdout=out)

    assert out.getvalue().splitlines() == [
        "e-mails read: 3, bounces recorded: 2, unsubscriptions taken in: 0, "
        "replies taken in: 0, not handled (left in the mailbox): 1."
    ]
    assert Delivery.objects.get().state == DeliveryState.BOUNCED
    remaining = [message["Subject"] for message in box]
    assert remaining == ["Re: Preventietip"]
