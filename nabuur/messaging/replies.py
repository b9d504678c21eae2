"""Members' replies: taken in, answered once, kept for the people the plan names, then deleted.

Every message's Reply-To is `reply+<the delivery's token>@<our domain>` (emails.render_message);
nabuur.messaging.intake hands each e-mail sent there to `take_reply`, which

- keeps the reply (`Reply`) for the member's BIN among the message's: the plain text, quoted
  history trimmed, at most Reply.TEXT_MAX_LENGTH characters;
- answers the member at once, in the language of the e-mail they answer, that nobody watches
  this mailbox around the clock (call 101, 112 or use the 112 BE app), with
  `Auto-Submitted: auto-replied` (RFC 3834). Only to the address the message went to, and only
  when the reply comes from it: an answer to another From would be backscatter. Never to an
  automatic reply (an out-of-office notice, RFC 3834), so two robots never loop, and at most
  once per delivery (a constraint on Reply);
- e-mails the BIN's officers a reply that reads like an urgent report (feedback.looks_urgent),
  with a link to the replies page and no more about the member than the reply's text.

Who reads replies (the message's author, the BIN's coordinators and its officers) is decided by
`reply_networks_for`; the pages are in reply_views.py. `delete_old_replies` is the periodic job's
verb (jobs.py): each zone keeps replies `retention_replies_days`.
"""

import datetime
import logging
import re
import smtplib
from email.utils import getaddresses

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.html import strip_tags

from nabuur.lib import clock
from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of
from nabuur.staff.permissions import Capability, can
from nabuur.zones.models import Zone
from nabuur.zones.site import links_to

from .feedback import looks_urgent, member_networks, officers_of
from .models import Reply

logger = logging.getLogger(__name__)

# RFC 3834 and the headers the big mail programs set on their automatic answers.
AUTOMATIC_PRECEDENCE = {"bulk", "auto_reply", "list", "junk"}
AUTOMATIC_HEADERS = ("X-Autoreply", "X-Autorespond", "X-Autoresponder")
# An out-of-office notice that sets none of those headers still says so in its subject.
AUTOMATIC_SUBJECT = re.compile(
    r"^\s*(?:out of (?:the )?office|automatic reply|auto(?:matic)?[ -]?(?:reply|response)|"
    r"afwezig|automatisch antwoord|niet aanwezig|absent|absence|r[ée]ponse automatique|"
    r"abwesen|automatische antwort|nicht im b[üu]ro)",
    re.IGNORECASE,
)
# Where the member's mail program starts quoting the message they answer.
QUOTE_START = re.compile(
    r"^(?:-{2,}\s*(?:original message|oorspronkelijk bericht|origineel bericht|"
    r"message d'origine|urspr[üu]ngliche nachricht)\s*-{2,}"
    r"|(?:on|op|le|am)\s.{0,200}\b(?:wrote|schreef|a [ée]crit|schrieb)\b.{0,100}:"
    r"|(?:from|van|de|von)\s*:\s.+@.+)\s*$",
    re.IGNORECASE,
)
SIGNATURE = "-- "
# The officer's e-mail carries the start of the reply; the page has all of it.
URGENT_TEXT_MAX_LENGTH = 1000


def is_automatic(message):
    """True for an e-mail a program sent by itself (RFC 3834 and common practice)."""
    submitted = str(message.get("Auto-Submitted", "") or "").strip().lower()
    if submitted and submitted.split(";")[0].strip() != "no":
        return True
    if any(message.get(header) is not None for header in AUTOMATIC_HEADERS):
        return True
    if str(message.get("Precedence", "") or "").strip().lower() in AUTOMATIC_PRECEDENCE:
        return True
    return bool(AUTOMATIC_SUBJECT.match(str(message.get("Subject", "") or "")))


def null_sender(message):
    """True when the envelope sender is empty (`Return-Path: <>`): a report, never answered."""
    return str(message.get("Return-Path", "") or "").strip() == "<>"


def sender_address(message):
    """The From address, lower case, or "" when there is not exactly one."""
    found = [address for _name, address in getaddresses(message.get_all("From") or []) if address]
    return found[0].strip().lower() if len(found) == 1 else ""


def plain_text(message):
    """The reply's own words: its text part (or its HTML, stripped), without what it quotes."""
    try:
        part = message.get_body(("plain", "html"))
        content = part.get_content() if part is not None else ""
    except (LookupError, KeyError, ValueError):
        content = ""
    if part is not None and part.get_content_type() == "text/html":
        content = strip_tags(content)
    lines = []
    for line in str(content).replace("\r\n", "\n").split("\n"):
        if line.rstrip() == SIGNATURE.rstrip() or QUOTE_START.match(line.strip()):
            break
        if line.lstrip().startswith(">"):
            continue
        lines.append(line.rstrip())
    return "\n".join(lines).strip()[: Reply.TEXT_MAX_LENGTH]


def take_reply(delivery, message, *, now=None):
    """Keep `message` (a parsed e-mail sent to the reply address of `delivery`) and answer it.

    Returns the Reply, or the one kept before when the same e-mail (same Message-ID) comes again.
    The answer and the officers' e-mail go out after the reply is committed; a mail failure is
    logged and loses nothing (the answer's slot is freed for a later reply).
    """
    now = now or clock.now()
    message_id = str(message.get("Message-ID", "") or "").strip().strip("<>")[:200]
    if message_id:
        known = Reply.objects.filter(delivery=delivery, message_id_header=message_id).first()
        if known is not None:
            return known
    text = plain_text(message)
    automatic = is_automatic(message)
    from_matches = bool(delivery.email) and sender_address(message) == delivery.email.lower()
    network = member_networks(delivery)[0]
    reply = Reply(
        delivery=delivery,
        network=network,
        received_at=now,
        message_id_header=message_id,
        subject=" ".join(str(message.get("Subject", "") or "").split())[:200],
        text=text,
        from_matches=from_matches,
        automatic=automatic,
        # An out-of-office notice says "urgent matters: call …" without being a report.
        urgent=not automatic and looks_urgent(text),
    )
    may_answer = (
        from_matches and not automatic and not null_sender(message) and delivery.user_id is not None
    )
    with transaction.atomic():
        reply.answered = may_answer and not delivery.replies.filter(answered=True).exists()
        try:
            with transaction.atomic():
                reply.save(force_insert=True)
        except IntegrityError:
            # Another run took the same e-mail in, or answered this delivery, at the same time.
            if (
                message_id
                and Reply.objects.filter(delivery=delivery, message_id_header=message_id).exists()
            ):
                return Reply.objects.get(delivery=delivery, message_id_header=message_id)
            reply.answered = False
            reply.save(force_insert=True)
        record(
            None,
            "messaging.reply_received",
            role="system",
            place=network,
            target=reply,
            subjects=[delivery.user_id] if delivery.user_id else [],
            details={
                "message": delivery.message_id,
                "from_matches": from_matches,
                "automatic": automatic,
                "urgent": reply.urgent,
                "answered": reply.answered,
            },
        )
    if reply.answered:
        _answer(reply)
    if reply.urgent:
        _tell_officers(reply)
    return reply


def send_reply_received(reply):
    """The automatic answer to `reply`: to the address its message went to, in that e-mail's
    language, marked `Auto-Submitted: auto-replied` (RFC 3834)."""
    delivery = reply.delivery
    zone = reply.network.municipality.zone
    context = {"zone": zone, "network": reply.network}
    # Exchange and Outlook answer nothing to an e-mail that asks them not to.
    headers = {"Auto-Submitted": "auto-replied", "X-Auto-Response-Suppress": "All"}
    if reply.message_id_header:
        headers["In-Reply-To"] = headers["References"] = f"<{reply.message_id_header}>"
    language = delivery.language_list[0]
    # `process_bounces` takes in the replies of every zone: the member's zone's site.
    with links_to(zone):
        send_email("messaging/reply_received", delivery.email, language, context, headers=headers)


def send_reply_urgent(officer, reply):
    """Tell one of the BIN's officers of an urgent-looking reply: its text and a link to the
    replies page (behind the officer's login), not who wrote it nor their address."""
    message = reply.delivery.message
    variants = {variant.language: variant for variant in message.variants.all()}
    variant = next(
        (variants[code] for code in reply.delivery.language_list if code in variants),
        next(iter(variants.values()), None),
    )
    language = recipient_language(officer, staff=True)
    zone = reply.network.municipality.zone
    with links_to(zone):
        context = {
            "officer": officer,
            "network": reply.network,
            "zone": zone,
            "text": reply.text[:URGENT_TEXT_MAX_LENGTH],
            "subject_line": variant.subject if variant else "",
            "replies_url": absolute_url(language, "messaging_staff:replies", message.pk),
        }
        send_email("messaging/reply_urgent", officer.email, language, context)


def _answer(reply):
    try:
        send_reply_received(reply)
    except (OSError, smtplib.SMTPException):
        logger.exception("reply %s not answered", reply.pk)
        # The slot is free again: a later reply from the member may still be answered.
        reply.answered = False
        reply.save(update_fields=["answered"])


def _tell_officers(reply):
    told = []
    for officer in officers_of(reply.network):
        try:
            send_reply_urgent(officer, reply)
        except (OSError, smtplib.SMTPException):
            logger.exception("officer %s not told of reply %s", officer.pk, reply.pk)
            continue
        told.append(officer.pk)
    if told:
        record(
            None,
            "messaging.reply_sent_to_officers",
            role="system",
            place=reply.network,
            target=reply,
            subjects=[reply.delivery.user_id] if reply.delivery.user_id else [],
            details={"officers": told},
        )


# --- Who reads replies ------------------------------------------------------------------------


def reply_networks_for(user, message):
    """The message's BINs whose replies `user` reads: all of them for its author; else those
    where the person is, today, a (screened) coordinator or an officer of the BIN.

    Nobody else reads replies, whatever else they may see of the message: the zone's
    administrators and municipality contacts neither, and no member ever.
    """
    targets = list(message.targets.all())
    if message.author_id is not None and message.author_id == user.pk:
        return targets
    today = clock.today()
    return [
        network
        for network in targets
        if can(user, Capability.VIEW_MEMBERS, network)
        and user in partners_of(network, COORDINATOR_ROLES + OFFICER_ROLES, today)
    ]


def replies_for(message, networks):
    """The replies to `message` from members of `networks`, newest first."""
    return (
        Reply.objects.filter(delivery__message=message, network__in=networks)
        .select_related("network", "read_by", "handled_by", "delivery__user")
        .order_by("-received_at", "-pk")
    )


def mark_read(replies, user, *, now=None):
    """Note `user` as the first reader of those of `replies` nobody has read yet."""
    pks = [reply.pk for reply in replies if reply.read_at is None]
    if pks:
        Reply.objects.filter(pk__in=pks, read_at__isnull=True).update(
            read_by=user, read_at=now or clock.now()
        )
    return pks


def mark_handled(reply, user, *, now=None):
    """Note that `user` handled `reply` (read it first if nobody had); audited. Handling it
    again changes nothing."""
    if reply.handled_at is not None:
        return reply
    now = now or clock.now()
    with transaction.atomic():
        reply.handled_by, reply.handled_at = user, now
        changed = ["handled_by", "handled_at"]
        if reply.read_at is None:
            reply.read_by, reply.read_at = user, now
            changed += ["read_by", "read_at"]
        reply.save(update_fields=changed)
        record(
            user,
            "messaging.reply_handled",
            place=reply.network,
            target=reply,
            subjects=[reply.delivery.user_id] if reply.delivery.user_id else [],
            details={"message": reply.delivery.message_id},
        )
    return reply


# --- Retention --------------------------------------------------------------------------------


def delete_old_replies(now=None):
    """Delete the replies older than their zone's `retention_replies_days`; returns how many."""
    now = now or clock.now()
    deleted = 0
    for zone in Zone.objects.all():
        cutoff = now - datetime.timedelta(days=zone.retention_replies_days)
        old = Reply.objects.filter(
            Q(network__municipality__zone=zone), received_at__lt=cutoff
        ).values_list("pk", flat=True)
        count, _ = Reply.objects.filter(pk__in=list(old)).delete()
        if count:
            record(
                None,
                "messaging.replies_deleted_after_retention",
                role="system",
                zone=zone,
                details={"replies": count, "days": zone.retention_replies_days},
            )
        deleted += count
    return deleted
