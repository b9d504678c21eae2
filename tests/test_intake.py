"""`nabuur process_bounces`: mail to our addresses is sorted by the address it was sent to.

`bounces+<token>@` takes delivery status reports, `unsubscribe+<token>@` withdrawals of
consent; `reply+<token>@` members' replies, kept for the BIN (tests/test_replies.py).
Mail that is not a delivery status report is never a bounce, whatever it quotes.
"""

import io
import mailbox
import socketserver
import threading
from email.message import EmailMessage

import pytest
from django.core import mail
from django.core.management import call_command

from nabuur.audit.models import AuditEntry
from nabuur.members.models import MembershipStatus
from nabuur.messaging.models import DeliveryState, Reply

from . import factories
from .smtp_sink import free_port

TOKEN = "5e1f0c3a9b7d42e8a6c1d0f9e8b7a6c5"
MESSAGE_ID = "nabuur.1.0a1b2c3d4e5f6789@nabuur.example"
REPLY = f"""\
From: Jan Peeters <jan.peeters@voorbeeld-mail.test>
To: {{to}}
Subject: Re: Preventietip: fietsdiefstal
Date: Mon, 1 Mar 2027 10:00:00 +0100
Message-ID: <reply-1@voorbeeld-mail.test>
In-Reply-To: <{MESSAGE_ID}>
References: <{MESSAGE_ID}>
Content-Type: text/plain; charset=utf-8

Dank u. Mijn fiets van 500 euro is vorige week ook gestolen.

Op 1 maart 2027 schreef BIN Centrum:
> Een fiets van 500 euro of meer laat u best registreren.
"""
# A Postfix report to the bounce address; it quotes the original e-mail's headers, which name
# the unsubscribe address too: the report is a bounce, never an unsubscription.
REPORT = f"""\
Return-Path: <>
Delivered-To: bounces+{TOKEN}@nabuur.example
From: MAILER-DAEMON@relay.nabuur.example (Mail Delivery System)
Subject: Undelivered Mail Returned to Sender
To: bounces+{TOKEN}@nabuur.example
MIME-Version: 1.0
Content-Type: multipart/report; report-type=delivery-status; boundary="b1"

--b1
Content-Type: text/plain; charset=us-ascii

Your message could not be delivered.

--b1
Content-Type: message/delivery-status

Reporting-MTA: dns; relay.nabuur.example

Final-Recipient: rfc822; an@example.org
Action: failed
Status: 5.1.1
Diagnostic-Code: smtp; 550 5.1.1 User unknown

--b1
Content-Type: text/rfc822-headers

Message-ID: <{MESSAGE_ID}>
List-Unsubscribe: <mailto:unsubscribe+{TOKEN}@nabuur.example>
Subject: Preventietip

--b1--
"""


def unsubscribe_mail(token=TOKEN, delivered_to=None):
    """What a mail client sends for the mailto: of List-Unsubscribe, as the mailbox stores it."""
    message = EmailMessage()
    message["Delivered-To"] = delivered_to or f"unsubscribe+{token}@nabuur.example"
    message["From"] = "an@example.org"
    message["To"] = f"unsubscribe+{token}@nabuur.example"
    message["Subject"] = "unsubscribe"
    message.set_content("Please unsubscribe me. (550 5.1.1 is not a bounce here either.)")
    return message.as_bytes()


@pytest.fixture
def delivery(bin_a, bin_b):
    """A message of BIN A sent to a member of A (also a member of B)."""
    membership = factories.MembershipFactory(network=bin_a, user__email="an@example.org")
    factories.MembershipFactory(network=bin_b, user=membership.user)
    return factories.DeliveryFactory(
        message=factories.MessageFactory(targets=[bin_a]),
        user=membership.user,
        email="an@example.org",
        token=TOKEN,
        message_id_header=MESSAGE_ID,
    )


@pytest.fixture
def box(tmp_path):
    return mailbox.Maildir(tmp_path / "Maildir", create=True)


def run(box):
    out = io.StringIO()
    call_command("process_bounces", maildir=box._path, stdout=out)
    return out.getvalue().splitlines()


def statuses(user):
    return sorted(
        (membership.network.slug, membership.status)
        for membership in user.memberships.select_related("network")
    )


# --- Replies are never bounces ----------------------------------------------------------------


@pytest.mark.django_db
def test_a_reply_quoting_500_euro_to_the_bounce_address_is_not_a_bounce(settings, box, delivery):
    # One bounce would be enough to retire the address: a misread reply would cost it.
    settings.BOUNCE_LIMIT = 1
    box.add(REPLY.format(to=f"bounces+{TOKEN}@nabuur.example").encode())

    assert run(box) == [
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 0, "
        "replies taken in: 0, not handled (left in the mailbox): 1."
    ]

    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")
    delivery.user.refresh_from_db()
    assert delivery.user.email_undeliverable_at is None
    assert len(box) == 1


@pytest.mark.django_db
def test_a_reply_to_the_reply_address_is_kept_and_leaves_the_mailbox(settings, box, delivery):
    settings.BOUNCE_LIMIT = 1
    box.add(REPLY.format(to=f"reply+{TOKEN}@nabuur.example").encode())

    assert run(box) == [
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 0, "
        "replies taken in: 1, not handled (left in the mailbox): 0."
    ]

    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")
    delivery.user.refresh_from_db()
    assert delivery.user.email_undeliverable_at is None
    reply = Reply.objects.get()
    assert (reply.delivery, reply.text) == (
        delivery,
        "Dank u. Mijn fiets van 500 euro is vorige week ook gestolen.",
    )
    # Sent from another address than the one the message went to: no answer (no backscatter).
    assert (reply.from_matches, reply.answered) == (False, False)
    assert len(box) == 0


@pytest.mark.django_db
def test_a_report_quoting_the_unsubscribe_address_is_a_bounce_not_an_unsubscription(box, delivery):
    box.add(REPORT.encode())

    assert run(box)[0].startswith(
        "e-mails read: 1, bounces recorded: 1, unsubscriptions taken in: 0,"
    )

    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.BOUNCED
    assert statuses(delivery.user) == [
        ("centrum", MembershipStatus.ACTIVE),
        ("elsdonk", MembershipStatus.ACTIVE),
    ]
    assert len(box) == 0


# --- Unsubscribing by e-mail ------------------------------------------------------------------


@pytest.mark.django_db
def test_an_unsubscribe_email_makes_the_member_leave_the_messages_bins(box, delivery):
    mail.outbox.clear()
    box.add(unsubscribe_mail())

    assert run(box) == [
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 1, "
        "replies taken in: 0, not handled (left in the mailbox): 0."
    ]

    user = delivery.user
    assert statuses(user) == [
        ("centrum", MembershipStatus.LEFT),
        ("elsdonk", MembershipStatus.ACTIVE),
    ]
    assert [(message.to, message.subject) for message in mail.outbox] == [
        (["an@example.org"], "U bent uitgeschreven bij BIN Centrum")
    ]
    entry = AuditEntry.objects.get(action="messaging.unsubscribe_by_email")
    assert (entry.actor_id, entry.actor_role, entry.subjects) == (user.pk, "member", [user.pk])
    assert (entry.object_type, entry.object_id) == ("messaging.delivery", str(delivery.pk))
    assert entry.details == {"memberships_ended": 1}
    # Not a bounce, whatever its text quotes.
    delivery.refresh_from_db()
    assert (delivery.state, delivery.last_error) == (DeliveryState.SENT, "")
    assert len(box) == 0


@pytest.mark.django_db
def test_the_same_unsubscribe_email_twice_is_harmless(box, delivery):
    box.add(unsubscribe_mail())
    run(box)
    mail.outbox.clear()
    box.add(unsubscribe_mail())

    assert run(box)[0].startswith(
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 1,"
    )

    assert statuses(delivery.user) == [
        ("centrum", MembershipStatus.LEFT),
        ("elsdonk", MembershipStatus.ACTIVE),
    ]
    assert mail.outbox == []
    assert AuditEntry.objects.filter(action="messaging.unsubscribe_by_email").count() == 1
    assert len(box) == 0


@pytest.mark.django_db
def test_an_unsubscribe_with_an_unknown_token_changes_nothing_and_is_reported(box, delivery):
    forged = "0" * 32
    key = box.add(unsubscribe_mail(token=forged))
    mail.outbox.clear()

    assert run(box) == [
        "e-mails read: 1, bounces recorded: 0, unsubscriptions taken in: 0, "
        "replies taken in: 0, not handled (left in the mailbox): 1.",
        f"Not handled: unsubscribe+{forged}@nabuur.example names no e-mail of ours; nothing "
        "changed. A person should read it: it stays in the mailbox.",
    ]

    assert statuses(delivery.user) == [
        ("centrum", MembershipStatus.ACTIVE),
        ("elsdonk", MembershipStatus.ACTIVE),
    ]
    assert mail.outbox == []
    assert not AuditEntry.objects.filter(action="messaging.unsubscribe_by_email").exists()
    assert list(box.keys()) == [key]


@pytest.mark.django_db
def test_the_envelope_recipient_decides_over_the_to_header(box, delivery):
    # Sent by Bcc to the unsubscribe address: only the mailbox's Delivered-To names it.
    message = EmailMessage()
    message["Delivered-To"] = f"unsubscribe+{TOKEN}@nabuur.example"
    message["From"] = "an@example.org"
    message["To"] = "an@example.org"
    message["Subject"] = "Stop"
    message.set_content("Stop.")
    box.add(message.as_bytes())

    run(box)

    assert statuses(delivery.user)[0] == ("centrum", MembershipStatus.LEFT)


# --- IMAP -------------------------------------------------------------------------------------


class ImapFolder(socketserver.StreamRequestHandler):
    """Just enough of an IMAP4rev1 server for imaplib: one folder, these commands."""

    def reply(self, line):
        self.wfile.write(line.encode() + b"\r\n")

    def handle(self):
        state = self.server.folder
        self.reply("* OK IMAP4rev1 test server ready")
        for raw in self.rfile:
            tag, command, *args = raw.decode().rstrip("\r\n").split(" ")
            command = command.upper()
            if command == "CAPABILITY":
                self.reply("* CAPABILITY IMAP4rev1")
            elif command == "SELECT":
                self.reply(f"* {len(state)} EXISTS")
            elif command == "SEARCH":
                unseen = [str(n) for n, m in enumerate(state, 1) if "\\Seen" not in m["flags"]]
                self.reply("* SEARCH " + " ".join(unseen))
            elif command == "FETCH":
                number = int(args[0])
                message = state[number - 1]
                if "PEEK" not in args[1].upper():
                    message["flags"].add("\\Seen")
                data = message["data"]
                self.wfile.write(f"* {number} FETCH (BODY[] {{{len(data)}}}\r\n".encode())
                self.wfile.write(data + b")\r\n")
            elif command == "STORE":
                state[int(args[0]) - 1]["flags"].add(args[2].strip("()"))
            elif command == "EXPUNGE":
                state[:] = [m for m in state if "\\Deleted" not in m["flags"]]
            elif command == "LOGOUT":
                self.reply("* BYE")
                self.reply(f"{tag} OK LOGOUT completed")
                return
            self.reply(f"{tag} OK {command} completed")


@pytest.fixture
def imap_folder():
    folder = []
    server = socketserver.ThreadingTCPServer(("127.0.0.1", free_port()), ImapFolder)
    server.folder = folder
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield folder, f"imap://nabuur:secret@127.0.0.1:{server.server_address[1]}/INBOX"
    server.shutdown()
    server.server_close()


@pytest.mark.django_db
def test_process_bounces_sorts_an_imap_folder(imap_folder, delivery):
    folder, url = imap_folder
    unsubscribe, reply, not_a_bounce = (
        data.replace(b"\n", b"\r\n")
        for data in (
            unsubscribe_mail(),
            REPLY.format(to=f"reply+{TOKEN}@nabuur.example").encode(),
            REPLY.format(to=f"bounces+{TOKEN}@nabuur.example").encode(),
        )
    )
    folder.extend({"data": data, "flags": set()} for data in (unsubscribe, reply, not_a_bounce))
    out = io.StringIO()

    call_command("process_bounces", imap=url, stdout=out)

    assert out.getvalue().splitlines() == [
        "e-mails read: 3, bounces recorded: 0, unsubscriptions taken in: 1, "
        "replies taken in: 1, not handled (left in the mailbox): 1."
    ]
    assert statuses(delivery.user)[0] == ("centrum", MembershipStatus.LEFT)
    delivery.refresh_from_db()
    assert delivery.state == DeliveryState.SENT
    # The unsubscription and the reply (kept as a Reply) are gone; the mail that is no bounce
    # stays, marked seen so that the next run does not read it again.
    assert folder == [{"data": not_a_bounce, "flags": {"\\Seen"}}]
    assert Reply.objects.count() == 1
