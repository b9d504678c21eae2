"""Bounces: read delivery status notifications, mark deliveries bounced, retire dead addresses.

Every e-mail leaves with the envelope sender `bounces+<token>@<domain>` (VERP), so a bounce
names its delivery in the address it is sent to. When a relay rewrites that address, the
original Message-ID (`nabuur.<message>.<random>@<domain>`) quoted in the bounce still does.

Parsing: RFC 3464 reports (multipart/report with a message/delivery-status part: Action,
Status, Diagnostic-Code per recipient) first; otherwise the plain-text bounces that Exim,
Postfix, qmail and Exchange still send, read for an enhanced status code (5.1.1) or an SMTP
reply code (550).

A hard bounce (5.x.x) marks the delivery bounced. Once an address has NABUUR_BOUNCE_LIMIT
(default 3) bounced deliveries, the person's address is marked undeliverable
(`User.email_undeliverable_at`): messages skip them and the coordinators of their BINs are
told, so they can ask for a new address. A soft bounce (4.x.x, "delayed") is only recorded in
the delivery's last error.
"""

import contextlib
import email
import email.policy
import imaplib
import mailbox
import os
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit

from django.conf import settings

from nabuur.lib import clock
from nabuur.lib.mail import recipient_language, send_email
from nabuur.members.models import Membership
from nabuur.staff.models import COORDINATOR_ROLES, partners_of

from .delivery import recount_deliveries
from .models import Delivery, DeliveryState

VERP = re.compile(r"bounces\+([0-9a-f]{32})@", re.IGNORECASE)
MESSAGE_ID = re.compile(r"nabuur\.\d+\.[0-9a-f]{16}@[A-Za-z0-9.-]+")
ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"(?<![\d.])([45]\d\d)[ -]")
ADDRESS_HEADERS = ("To", "Delivered-To", "X-Original-To", "Envelope-To", "X-Envelope-To")
# Words of a text bounce that mean the relay gave up for good when it quotes no code.
PERMANENT_WORDS = re.compile(
    r"permanent(ly)? (error|failure)|could not be delivered|couldn't deliver|"
    r"undeliverable|does not exist|unknown user|no such user|user unknown",
    re.IGNORECASE,
)
TEMPORARY_WORDS = re.compile(r"delayed|will (continue|retry)|temporar", re.IGNORECASE)


@dataclass
class Bounce:
    token: str | None
    message_id: str | None
    status: str
    diagnostic: str

    @property
    def hard(self):
        return self.status.startswith("5")


def bounce_limit():
    return int(getattr(settings, "BOUNCE_LIMIT", None) or os.environ.get("NABUUR_BOUNCE_LIMIT", 3))


def _text_of(part):
    try:
        return part.get_content()
    except (KeyError, LookupError, AssertionError):
        payload = part.get_payload(decode=True) or b""
        return payload.decode("utf-8", errors="replace")


def _delivery_status(message):
    """(status, diagnostic) from the first failed recipient of an RFC 3464 report, or None."""
    for part in message.walk():
        if part.get_content_type() != "message/delivery-status":
            continue
        # The email package reads each block of fields (per message, per recipient) as a part.
        blocks = part.get_payload()
        if isinstance(blocks, str):
            blocks = [
                email.message_from_string(b, policy=email.policy.default)
                for b in blocks.split("\n\n")
            ]
        found = None
        for block in blocks:
            status = (block.get("Status") or "").strip()
            if not status:
                continue
            action = (block.get("Action") or "").strip().lower()
            diagnostic = " ".join(str(block.get("Diagnostic-Code") or "").split())
            diagnostic = diagnostic.split(";", 1)[-1].strip() if ";" in diagnostic else diagnostic
            match = ENHANCED.search(status)
            code = match.group(0) if match else status
            if action == "delayed" and code.startswith("5"):
                code = "4" + code[1:]
            found = (code, diagnostic)
            if action == "failed":
                return found
        if found:
            return found
    return None


def _text_status(text):
    """(status, diagnostic) read from a human-readable bounce, or None."""
    match = ENHANCED.search(text)
    if match and match.group(1) in "45":
        line = next((line for line in text.splitlines() if match.group(0) in line), "")
        return match.group(0), " ".join(line.split())
    match = SMTP_REPLY.search(text)
    if match:
        code = match.group(1)
        line = next((line for line in text.splitlines() if code in line), "")
        return f"{code[0]}.0.0", " ".join(line.split())
    if TEMPORARY_WORDS.search(text):
        return "4.0.0", ""
    if PERMANENT_WORDS.search(text):
        return "5.0.0", ""
    return None


def parse_bounce(data):
    """The Bounce in the raw e-mail `data`, or None when it is not a bounce of ours."""
    message = email.message_from_bytes(data, policy=email.policy.default)
    token = None
    for header in ADDRESS_HEADERS:
        for value in message.get_all(header) or []:
            match = VERP.search(str(value))
            if match:
                token = match.group(1).lower()
                break
        if token:
            break
    texts = [_text_of(part) for part in message.walk() if part.get_content_maintype() == "text"]
    raw = data.decode("utf-8", errors="replace")
    if token is None:
        match = VERP.search(raw)
        token = match.group(1).lower() if match else None
    match = MESSAGE_ID.search(raw)
    message_id = match.group(0) if match else None
    if token is None and message_id is None:
        return None
    status = _delivery_status(message) or _text_status("\n".join(texts) or raw)
    if status is None:
        return None
    return Bounce(token, message_id, status[0], status[1][:1000])


def find_delivery(bounce):
    if bounce.token:
        delivery = Delivery.objects.filter(token=bounce.token).first()
        if delivery is not None:
            return delivery
    if bounce.message_id:
        return Delivery.objects.filter(message_id_header=bounce.message_id).first()
    return None


def record_bounce(bounce, *, now=None):
    """Write `bounce` on its delivery; retire the address past the limit. Returns the delivery."""
    now = now or clock.now()
    delivery = find_delivery(bounce)
    if delivery is None:
        return None
    text = f"{bounce.status} {bounce.diagnostic}".strip()[:2000]
    if not bounce.hard:
        Delivery.objects.filter(pk=delivery.pk).update(last_error=f"soft bounce {text}")
        return delivery
    Delivery.objects.filter(pk=delivery.pk).update(
        state=DeliveryState.BOUNCED, last_error=text, claimed_by=""
    )
    recount_deliveries(delivery.message_id)
    bounced = Delivery.objects.filter(
        email__iexact=delivery.email, state=DeliveryState.BOUNCED
    ).count()
    user = delivery.user
    if (
        bounced >= bounce_limit()
        and user is not None
        and user.email_undeliverable_at is None
        and (user.email or "").lower() == delivery.email.lower()
    ):
        user.email_undeliverable_at = now
        user.save(update_fields=["email_undeliverable_at"])
        send_undeliverable(user, delivery, text, bounced)
    return delivery


def process_raw(data, *, now=None):
    """Parse and record one raw e-mail; return the Delivery it bounced, or None."""
    bounce = parse_bounce(data)
    if bounce is None:
        return None
    return record_bounce(bounce, now=now)


# --- Telling the coordinators ---------------------------------------------------------------


def send_undeliverable(user, delivery, reason, bounced):
    """E-mail each coordinator of the person's BINs that their address no longer works."""
    today = clock.today()
    theirs = Membership.objects.filter(user=user).values("network_id")
    networks = delivery.message.targets.filter(pk__in=theirs).select_related("municipality__zone")
    sent = set()
    for network in networks.order_by("pk"):
        for coordinator in partners_of(network, COORDINATOR_ROLES, today):
            if coordinator.email in sent:
                continue
            sent.add(coordinator.email)
            context = {
                "coordinator": coordinator,
                "member": user,
                "network": network,
                "zone": network.municipality.zone,
                "address": delivery.email,
                "reason": reason,
                "bounced": bounced,
            }
            language = recipient_language(coordinator, staff=True)
            send_email("bounces/undeliverable", coordinator.email, language, context)
    return len(sent)


# --- Mailboxes --------------------------------------------------------------------------------


def process_maildir(path, *, keep=False):
    """Process every e-mail of a Maildir; remove the bounces recorded. Returns (seen, matched)."""
    box = mailbox.Maildir(path, factory=None, create=False)
    seen = matched = 0
    for key in list(box.iterkeys()):
        seen += 1
        with box.get_file(key) as handle:
            data = handle.read()
        if process_raw(data) is not None:
            matched += 1
            if not keep:
                box.remove(key)
    return seen, matched


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
    """Process the unseen e-mails of an IMAP folder; delete the bounces recorded."""
    client = open_imap(url)
    seen = matched = 0
    try:
        _, found = client.search(None, "UNSEEN")
        for number in (found[0] or b"").split():
            _, parts = client.fetch(number, "(RFC822)")
            data = next((part[1] for part in parts if isinstance(part, tuple)), b"")
            seen += 1
            if process_raw(data) is not None:
                matched += 1
                if not keep:
                    client.store(number, "+FLAGS", "\\Deleted")
        if matched and not keep:
            client.expunge()
    finally:
        with contextlib.suppress(imaplib.IMAP4.error, OSError):
            client.logout()
    return seen, matched
