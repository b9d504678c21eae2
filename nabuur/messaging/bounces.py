"""Bounces: read delivery status reports, mark deliveries bounced, retire dead addresses.

Every e-mail leaves with the envelope sender `bounces+<token>@<domain>` (VERP), so a report
names its delivery in the address it is sent to (`intake` reads it from the envelope). When a
relay rewrites that address, the token or the original Message-ID
(`nabuur.<message>.<random>@<domain>`) quoted in the report still does.

Only a delivery status report is a bounce (`is_delivery_report`): an RFC 3464 report
(multipart/report; report-type=delivery-status), or the plain-text report of a mail system
(from MAILER-DAEMON or postmaster, with a subject such as "Undelivered Mail Returned to
Sender"). Anything else, such as a member's reply that quotes "500 euro" and our Message-ID,
is never a bounce, whatever its text says.

Parsing: the RFC 3464 fields (Action, Status, Diagnostic-Code per recipient) first; otherwise
the text that Exim, Postfix, qmail and Exchange still send, read for an enhanced status code
(5.1.1) or an SMTP reply code (550).

A hard bounce (5.x.x) marks the delivery bounced. Once an address has NABUUR_BOUNCE_LIMIT
(default 3) bounced deliveries, the person's address is marked undeliverable
(`User.email_undeliverable_at`): messages skip them and the coordinators of their BINs are
told, so they can ask for a new address. A soft bounce (4.x.x, "delayed") is only recorded in
the delivery's last error.
"""

import email
import email.policy
import os
import re
from dataclasses import dataclass
from email.utils import parseaddr

from django.conf import settings

from nabuur.lib import clock
from nabuur.lib.mail import recipient_language, send_email
from nabuur.members.models import Membership
from nabuur.staff.models import COORDINATOR_ROLES, partners_of
from nabuur.zones.site import links_to

from .delivery import recount_deliveries
from .emails import BOUNCES
from .models import TOKEN_PATTERN, Delivery, DeliveryState

VERP = re.compile(rf"{BOUNCES}\+({TOKEN_PATTERN})@", re.IGNORECASE)
# bulk.py's Message-IDs: the row's place in its queue (since messaging migration 0010), then
# 16 random digits.
MESSAGE_ID = re.compile(r"nabuur\.\d+\.(?:[0-9a-f]{8})?[0-9a-f]{16}@[A-Za-z0-9.-]+")
ENHANCED = re.compile(r"\b([245])\.(\d{1,3})\.(\d{1,3})\b")
SMTP_REPLY = re.compile(r"(?<![\d.])([45]\d\d)[ -]")
# The senders and subjects of the plain-text reports of mail systems (Postfix, Exim, qmail,
# sendmail, Exchange, Gmail), in the languages Belgian mail servers answer in.
MAIL_SYSTEM_SENDER = re.compile(
    r"^(mailer[-_]?daemon|mail[-_]daemon|postmaster)(@|$)", re.IGNORECASE
)
REPORT_SUBJECT = re.compile(
    r"undeliver|delivery (status notification|failure|has failed|failed|report|delayed)|"
    r"mail delivery (failed|failure|system)|returned mail|returning message|failure notice|"
    r"could not send message|delayed mail|non[- ]?delivery|onbestelbaar|niet (afgeleverd|bezorgd)|"
    r"non remis|non distribu|[ée]chec de (la )?(remise|distribution)|unzustellbar|"
    r"nicht zustellbar|zustellung fehlgeschlagen",
    re.IGNORECASE,
)
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


def is_delivery_report(message):
    """Whether the parsed e-mail `message` is a delivery status report of a mail system."""
    if message.get_content_type() == "multipart/report":
        return (message.get_param("report-type") or "").lower() == "delivery-status"
    sender = parseaddr(str(message.get("From") or ""))[1]
    if not MAIL_SYSTEM_SENDER.match(sender):
        return False
    return bool(
        REPORT_SUBJECT.search(str(message.get("Subject") or ""))
        or message.get("X-Failed-Recipients")
        or "X-MS-Exchange-Message-Is-Ndr" in message
    )


def parse_bounce(data, *, token=None):
    """The Bounce in the raw e-mail `data`, or None when it is not a delivery report of ours.

    `token` is that of the bounces+ address the report was sent to, when the intake read one
    from the envelope; without it, the first bounces+ address the report names or quotes.
    """
    message = email.message_from_bytes(data, policy=email.policy.default)
    if not is_delivery_report(message):
        return None
    raw = data.decode("utf-8", errors="replace")
    if token is None:
        match = VERP.search(raw)
        token = match.group(1).lower() if match else None
    match = MESSAGE_ID.search(raw)
    message_id = match.group(0) if match else None
    if token is None and message_id is None:
        return None
    texts = [_text_of(part) for part in message.walk() if part.get_content_maintype() == "text"]
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
            zone = network.municipality.zone
            context = {
                "coordinator": coordinator,
                "member": user,
                "network": network,
                "zone": zone,
                "address": delivery.email,
                "reason": reason,
                "bounced": bounced,
            }
            language = recipient_language(coordinator, staff=True)
            # `process_bounces` reads the reports of every zone: any link leads to this one's.
            with links_to(zone):
                send_email("bounces/undeliverable", coordinator.email, language, context)
    return len(sent)
