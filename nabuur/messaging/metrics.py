from django.db.models import Count, Min, Q
from django.utils.translation import gettext as _

from nabuur.operations.health import failures, outbox
from nabuur.operations.metrics import metric
from nabuur.operations.stats import count_by

from .models import WAITING_STATES, Delivery, DeliveryState


@outbox
def due_deliveries(now):
    # The queue's own partial index (delivery_queue) answers this.
    return Delivery.objects.filter(state__in=WAITING_STATES, next_attempt_at__lte=now).aggregate(
        due=Count("pk"), oldest_due_at=Min("next_attempt_at")
    )


@metric(
    "nabuur_deliveries",
    "gauge",
    "E-mails of messages (rows in the outbox) by state, counted from the database.",
    labels=("state",),
)
def deliveries():
    return {
        (state,): count
        for state, count in count_by(Delivery.objects.all(), "state", DeliveryState).items()
    }


@metric(
    "nabuur_bounces_total",
    "counter",
    "E-mails that bounced: deliveries in the state bounced, counted from the database "
    "(deleting old messages lowers it, which Prometheus reads as a reset).",
)
def bounces():
    return Delivery.objects.filter(state=DeliveryState.BOUNCED).count()


@failures
def undelivered():
    counts = Delivery.objects.aggregate(
        failed=Count("pk", filter=Q(state=DeliveryState.FAILED)),
        bounced=Count("pk", filter=Q(state=DeliveryState.BOUNCED)),
    )
    return [
        (_("E-mails that could not be sent after every attempt"), counts["failed"]),
        (_("E-mails returned as undeliverable (bounced)"), counts["bounced"]),
    ]
