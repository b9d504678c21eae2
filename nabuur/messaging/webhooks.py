"""A mail provider's webhooks, through django-anymail, when the zone sends through one.

With NABUUR_WEBHOOK_SECRET set, /anymail/<provider>/tracking/ takes the provider's events
(behind HTTP basic auth with that secret) and anymail turns them into one normalised event each.
Nabuur listens for the events that change what it knows of a delivery:
- bounced or rejected: a bounce, handled exactly like one read from the bounce mailbox
  (nabuur.messaging.bounces: hard bounces past the limit retire the address);
- deferred: a soft bounce, only noted on the delivery;
- complained (marked as spam) or unsubscribed at the provider: the member leaves, as with the
  one-click unsubscribe link.
Opens and clicks are ignored: Nabuur does not track its readers.

A provider names the e-mail either by our Message-ID (most keep it) or by its own id; in the
second case the event is matched to the latest delivery sent to that address.

/anymail/<provider>/inbound/ takes the mail the provider receives for our addresses, exactly
as `nabuur process_bounces` takes it from a mailbox (nabuur.messaging.intake), sorted by the
recipient the provider names. A webhook has no mailbox to leave mail in: what is not handled
is logged, and an error answers the provider with a failure so that it tries again.
"""

import datetime
import logging

from nabuur.lib import clock
from nabuur.members.services import LEFT_BY_EMAIL

from . import intake, services
from .bounces import ENHANCED, Bounce, record_bounce
from .models import Delivery, DeliveryState

# How far back an event without our Message-ID may match a delivery by its address.
MATCH_BY_ADDRESS_DAYS = 14
BOUNCES = {"bounced", "rejected"}
LEAVES = {"complained", "unsubscribed"}
logger = logging.getLogger(__name__)


def delivery_for_event(event, now=None):
    """The delivery the provider's event is about, or None."""
    message_id = (event.message_id or "").strip().strip("<>")
    if message_id:
        delivery = Delivery.objects.filter(message_id_header=message_id).first()
        if delivery is not None:
            return delivery
    if not event.recipient:
        return None
    since = (now or clock.now()) - datetime.timedelta(days=MATCH_BY_ADDRESS_DAYS)
    return (
        Delivery.objects.filter(
            email__iexact=event.recipient,
            state__in=[DeliveryState.SENT, DeliveryState.BOUNCED],
            sent_at__gte=since,
        )
        .order_by("-sent_at", "-pk")
        .first()
    )


def status_of(event, default):
    """The enhanced status code the provider quotes (5.1.1), else `default`."""
    text = " ".join(filter(None, [event.mta_response, event.description]))
    found = ENHANCED.search(text)
    return ".".join(found.groups()) if found else default


def handle_event(event):
    """Record one normalised anymail tracking event; returns the delivery it concerned."""
    if event.event_type not in BOUNCES | LEAVES | {"deferred"}:
        return None
    delivery = delivery_for_event(event)
    if delivery is None:
        return None
    if event.event_type in LEAVES:
        services.unsubscribe(delivery, via=LEFT_BY_EMAIL)
        return delivery
    default = "4.0.0" if event.event_type == "deferred" else "5.0.0"
    diagnostic = " ".join(filter(None, [event.mta_response, event.description]))
    bounce = Bounce(
        token=delivery.token,
        message_id=delivery.message_id_header,
        status=status_of(event, default),
        diagnostic=diagnostic[:1000],
    )
    return record_bounce(bounce)


def on_tracking(sender, event, esp_name, **kwargs):
    handle_event(event)


def handle_inbound(message):
    """Take in one e-mail the provider received (an AnymailInboundMessage); returns the Outcome.

    The envelope recipient the provider names is read first, then the headers.
    """
    outcome = intake.take_in(message, recipient=message.envelope_recipient)
    if not outcome.handled:
        # What a mailbox would keep for a person (or the reply inbox) goes to the log.
        logger.warning(
            "Inbound e-mail to %s not handled (%s). %s",
            message.envelope_recipient or "an address the provider did not name",
            outcome.result,
            outcome.note,
        )
    return outcome


def on_inbound(sender, event, esp_name, **kwargs):
    handle_inbound(event.message)


def connect():
    """Listen to anymail's tracking and inbound signals (called from MessagingConfig.ready)."""
    from anymail.signals import inbound, tracking

    tracking.connect(on_tracking, dispatch_uid="nabuur.messaging.webhooks")
    inbound.connect(on_inbound, dispatch_uid="nabuur.messaging.webhooks.inbound")
