from nabuur.operations.metrics import metric

from .models import Membership


@metric(
    "nabuur_signups_total",
    "counter",
    "Memberships on record, whatever their way in (sign-up, import, by hand) and status, "
    "counted from the database (purged unconfirmed sign-ups drop out: Prometheus reads a reset).",
)
def signups():
    return Membership.objects.count()
