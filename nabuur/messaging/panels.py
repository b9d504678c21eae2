"""The messaging panel on the staff dashboard: what waits for this person, and the way in."""

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from nabuur.staff.panels import Panel, register
from nabuur.staff.permissions import Capability, can, networks_where

from .compose import EDITABLE_STATES
from .models import Message, MessageState


@register
def messages_panel(request, scopes):
    """Counts of messages to approve, to forward, and the person's own drafts. One query."""
    user = request.user
    if not can(user, Capability.VIEW_FIGURES):
        return None
    waiting = (
        Message.objects.filter(
            Q(
                state=MessageState.AWAITING_APPROVAL,
                targets__in=networks_where(user, Capability.APPROVE_MESSAGES),
            )
            | Q(
                state=MessageState.AWAITING_FORWARD,
                targets__in=networks_where(user, Capability.FORWARD_POLICE_MESSAGES),
            )
            | Q(author=user, state__in=EDITABLE_STATES)
        )
        .distinct()
        .values_list("state", flat=True)
    )
    states = list(waiting)
    context = {
        "to_approve": states.count(MessageState.AWAITING_APPROVAL),
        "to_forward": states.count(MessageState.AWAITING_FORWARD),
        "drafts": sum(1 for state in states if state in EDITABLE_STATES),
        "may_compose": can(user, Capability.COMPOSE_MESSAGES),
    }
    return Panel(_("Messages"), "messaging/staff/panel.html", context)
