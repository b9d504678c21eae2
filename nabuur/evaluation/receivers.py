"""Refresh a BIN's charter as soon as its contacts or its communication plan change.

staff and messaging sit below evaluation (docs/architecture.md) and may not call it, so their
services send a signal (`staff.services.roles_changed`, `messaging.plans.plan_saved`) and
EvaluationConfig.ready connects the receivers below. They refresh once the change is
committed; the hourly job `evaluation.refresh_charters` stays as the safety net for what sends
no signal (a role that ends on a later date, the zone administration's merge and measures).
"""

from django.db import transaction
from django.db.models import Q
from django.dispatch import receiver

from nabuur.messaging.plans import plan_saved
from nabuur.networks.models import Network
from nabuur.staff.services import roles_changed

from . import services


def _refresh_after_commit(places):
    def refresh():
        networks = Network.objects.filter(places, charters__isnull=False).distinct()
        for network in networks.order_by("pk"):
            services.refresh_charter(network)

    # The role or plan change stands even if the refresh fails: the hourly job tries again.
    transaction.on_commit(refresh, robust=True)


@receiver(roles_changed, dispatch_uid="evaluation.refresh_after_role_change")
def refresh_after_role_change(sender, assignments, **kwargs):
    """A BIN role reaches that BIN; a municipality role (general coordinator, municipality
    contact) every BIN of the municipality; a zone administrator is no partner of a charter."""
    network_ids = {a.network_id for a in assignments if a.network_id}
    municipality_ids = {a.municipality_id for a in assignments if a.municipality_id}
    if network_ids or municipality_ids:
        _refresh_after_commit(Q(pk__in=network_ids) | Q(municipality__in=municipality_ids))


@receiver(plan_saved, dispatch_uid="evaluation.refresh_after_plan_saved")
def refresh_after_plan_saved(sender, plan, **kwargs):
    _refresh_after_commit(Q(pk=plan.network_id))
