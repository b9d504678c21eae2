"""The evaluation panel on the staff dashboard: evaluations due and charters to sign."""

from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.staff.panels import Panel, register
from nabuur.staff.permissions import Capability, can, networks_where

from .models import CharterState, CharterVersion, Evaluation, EvaluationState


@register
def evaluation_panel(request, scopes):
    """Open evaluations of the person's BINs and charter drafts they may sign. Two queries."""
    user = request.user
    if not can(user, Capability.VIEW_EVALUATION):
        return None
    due = list(
        Evaluation.objects.filter(network__in=networks_where(user, Capability.EDIT_EVALUATION))
        .exclude(state=EvaluationState.SIGNED)
        .select_related("network")
        .order_by("year", "network__name")
    )
    drafts = list(
        CharterVersion.objects.filter(
            network__in=networks_where(user, Capability.SIGN_CHARTER), state=CharterState.DRAFT
        )
        .select_related("network")
        .order_by("network__name")
    )
    # The overview of the last full year: the zones the person sees figures for (no query:
    # the person's roles are already loaded).
    zones = sorted(
        {
            a.zone
            for a in scopes.assignments
            if a.zone_id and can(user, Capability.VIEW_FIGURES, a.zone)
        },
        key=lambda zone: zone.name,
    )
    context = {"due": due, "drafts": drafts, "zones": zones, "year": clock.today().year - 1}
    return Panel(_("Charter and evaluation"), "evaluation/panel.html", context)
