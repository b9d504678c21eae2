from django.db.models import Count, Min

from nabuur.operations.health import outbox
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
