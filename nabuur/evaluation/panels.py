"""The evaluation panel on the staff dashboard: evaluations due and charters to sign."""

from django.utils.translation import gettext_lazy as _

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
    context = {"due": due, "drafts": drafts}
    return Panel(_("Charter and evaluation"), "evaluation/panel.html", context)
