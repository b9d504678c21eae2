"""The intake of mail sent to Nabuur: sorted by the address it was sent to, then handled.

Every e-mail to members names addresses of ours, each `<kind>+<the delivery's token>@<the domain
of NABUUR_FROM_EMAIL>` (`emails.tagged_address`):
- `bounces+` is the envelope sender (VERP): delivery status reports come back there;
- `unsubscribe+` is the mailto: of List-Unsubscribe: a withdrawal of consent;
- `reply+` is the Reply-To: a member's reply, kept for the BIN and answered (`replies`).

The address the mail was *sent to* decides what it is, before anything reads its text: a
member's reply quotes our Message-ID and may say "500 euro", and a bounce quotes the original
e-mail's List-Unsubscribe. That address is the envelope recipient, which the mailbox records
in Delivered-To, X-Original-To or Envelope-To (or a provider's webhook gives). The To header
comes last: it names whom the sender addressed, and mail sent to us by Bcc is not there.

Only a delivery status report is ever a bounce (`bounces.is_delivery_report`). A report that
reaches the mailbox under another address (a relay rewrote ours) still counts through the
token or Message-ID it quotes.

`nabuur process_bounces --maildir PATH | --imap URL` and the provider's inbound webhook
(`webhooks.on_inbound`) both hand each e-mail to `take_in`.
"""

import contextlib
import email
import email.policy
import imaplib
import mailbox
import re
from collections import Counter
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import unquote, urlsplit

from django.db import transaction

from nabuur.staff.auditing import record
from nabuur.staff.permissions import Kind

from . import replies, services
from .bounces import is_delivery_report, parse_bounce, record_bounce
from .emails import BOUNCES, REPLY, UNSUBSCRIBE
from .models import TOKEN_PATTERN, Delivery

TAGGED = re.compile(
    rf"(?<![\w.+-])({BOUNCES}|{UNSUBSCRIBE}|{REPLY})\+({TOKEN_PATTERN})@[A-Za-z0-9.-]+",
    re.IGNORECASE,
)
# Where a mailbox records the envelope recipient, most trustworthy first; To comes last.
RECIPIENT_HEADERS = ("Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To", "To", "Cc")


# What became of one e-mail; only the handled ones leave the mailbox.
HANDLED_BOUNCE = "bounce"
HANDLED_UNSUBSCRIBE = "unsubscribe"
HANDLED_REPLY = "reply"
NOT_HANDLED = "not handled"


@dataclass(frozen=True)
class Recipient:
    kind: str
    token: str
    address: str


@dataclass(frozen=True)
class Outcome:
    """What became of one e-mail: `result` is one of the four above."""

    result: str
    # For the command's report: something a person should look at.
    note: str = ""

    @property
    def handled(self):
        return self.result in {HANDLED_BOUNCE, HANDLED_UNSUBSCRIBE, HANDLED_REPLY}


def tagged_recipient(value):
    """The Recipient one of our tagged addresses in `value` names, or None."""
    match = TAGGED.search(str(value or ""))
    if match is None:
        return None
    return Recipient(match.group(1).lower(), match.group(2).lower(), match.group(0).lower())


def envelope_recipient(message, recipient=None):
    """The tagged address of ours this e-mail was sent to, or None.

    `recipient` is the envelope recipient when the caller knows it (a provider's webhook); it
    comes first, then the headers of RECIPIENT_HEADERS, in that order. Never the body: a
    bounce or a reply quotes our other addresses.
    """
    values = [recipient] if recipient else []
    values += [value for header in RECIPIENT_HEADERS for value in message.get_all(header) or []]
    return next(filter(None, map(tagged_recipient, values)), None)


def take_in(data, *, recipient=None, now=None):
    """Sort one e-mail (raw bytes or a parsed EmailMessage) by its address and handle it."""
    if isinstance(data, EmailMessage):
        message, data = data, data.as_bytes()
    else:
        message = email.message_from_bytes(data, policy=email.policy.default)
    to = envelope_recipient(message, recipient)
    if to is not None and to.kind == UNSUBSCRIBE:
        return take_unsubscribe(to)
    if to is not None and to.kind == REPLY:
        # Parsed anew with the modern policy: a provider's message class may read parts otherwise.
        return take_reply(to, email.message_from_bytes(data, policy=email.policy.default), now=now)
    # Sent to the bounce address, or to none of ours (a relay rewrote it): a report or nothing.
    if not is_delivery_report(message):
        return Outcome(NOT_HANDLED)
    bounce = parse_bounce(data, token=to.token if to is not None else None)
    if bounce is None or record_bounce(bounce, now=now) is None:
        return Outcome(NOT_HANDLED)
    return Outcome(HANDLED_BOUNCE)


def take_reply(to, message, *, now=None):
    """Keep and answer a member's reply to the e-mail whose token the address names.

    A reply is never a bounce, whatever it quotes. An unknown token keeps nothing and is
    reported, for a person to read: it stays in the mailbox.
    """
    delivery = Delivery.objects.select_related("message", "user").filter(token=to.token).first()
    if delivery is None:
        return Outcome(
            NOT_HANDLED,
            f"{to.address} names no e-mail of ours; nothing kept. "
            "A person should read it: it stays in the mailbox.",
        )
    replies.take_reply(delivery, message, now=now)
    return Outcome(HANDLED_REPLY)


def take_unsubscribe(to):
    """The member leaves the BINs of the e-mail whose token the address names, as by its link.

    `services.unsubscribe` is what the one-click link runs: the member leaves, is told by
    e-mail in their language, and the coordinators are told. Taken in twice, the second time
    changes nothing. An unknown token changes nothing and is reported, for a person to read.
    """
    delivery = Delivery.objects.select_related("message", "user").filter(token=to.token).first()
    if delivery is None:
        return Outcome(
            NOT_HANDLED,
            f"{to.address} names no e-mail of ours; nothing changed. "
            "A person should read it: it stays in the mailbox.",
        )
    with transaction.atomic():
        ended = services.unsubscribe(delivery)
        if ended:
            # The member acts on their own behalf, whatever role they may also hold.
            record(
                delivery.user,
                "messaging.unsubscribe_by_email",
                role=Kind.MEMBER,
                target=delivery,
                subjects=[delivery.user],
                details={"memberships_ended": ended},
            )
    return Outcome(HANDLED_UNSUBSCRIBE)


# --- Mailboxes --------------------------------------------------------------------------------


class Tally:
    """What one run did, for the command's report."""

    def __init__(self):
        self.counts = Counter()
        self.notes = []

    def add(self, outcome):
        self.counts["read"] += 1
        self.counts[outcome.result] += 1
        if outcome.note:
            self.notes.append(outcome.note)

    def lines(self):
        counts = self.counts
        summary = (
            f"e-mails read: {counts['read']}, bounces recorded: {counts[HANDLED_BOUNCE]}, "
            f"unsubscriptions taken in: {counts[HANDLED_UNSUBSCRIBE]}, "
            f"replies taken in: {counts[HANDLED_REPLY]}, "
            f"not handled (left in the mailbox): {counts[NOT_HANDLED]}."
        )
        return [summary, *(f"Not handled: {note}" for note in self.notes)]


def process_maildir(path, *, keep=False):
    """Take in every e-mail of a Maildir; remove those handled (unless `keep`). Returns a Tally.

    Everything else stays where it is, untouched: whatever a person should read.
    """
    box = mailbox.Maildir(path, factory=None, create=False)
    tally = Tally()
    for key in list(box.iterkeys()):
        # Another run may have taken the e-mail in the meantime.
        try:
            with box.get_file(key) as handle:
                data = handle.read()
        except KeyError:
            continue
        outcome = take_in(data)
        tally.add(outcome)
        if outcome.handled and not keep:
            with contextlib.suppress(KeyError):
                box.remove(key)
    return tally


def open_imap(url):
    """An authenticated IMAP connection, folder selected, from imaps://user:pass@host/FOLDER."""
    parts = urlsplit(url)
    if parts.scheme not in {"imap", "imaps"}:
        raise ValueError(f"--imap must be imap:// or imaps://, not {url!r}.")
    host, port = parts.hostname or "localhost", parts.port
    if parts.scheme == "imaps":
        client = imaplib.IMAP4_SSL(host, port or 993)
    else:
        client = imaplib.IMAP4(host, port or 143)
    client.login(unquote(parts.username or ""), unquote(parts.password or ""))
    folder = unquote(parts.path.lstrip("/")) or "INBOX"
    client.select(folder)
    return client


def process_imap(url, *, keep=False):
    """Take in the unseen e-mails of an IMAP folder. Returns a Tally.

    Read without marking them seen (BODY.PEEK): handled e-mails are deleted (marked seen with
    `keep`); an unsubscription or reply no token matches stays unseen until a person reads
    it; anything else is marked seen, so the next run skips it.
    """
    client = open_imap(url)
    tally = Tally()
    deleted = False
    try:
        _, found = client.search(None, "UNSEEN")
        for number in (found[0] or b"").split():
            _, parts = client.fetch(number, "(BODY.PEEK[])")
            data = next((part[1] for part in parts if isinstance(part, tuple)), b"")
            outcome = take_in(data)
            tally.add(outcome)
            if outcome.handled and not keep:
                client.store(number, "+FLAGS", "(\\Deleted)")
                deleted = True
            elif outcome.handled or (outcome.result == NOT_HANDLED and not outcome.note):
                client.store(number, "+FLAGS", "(\\Seen)")
        if deleted:
            client.expunge()
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return tally
