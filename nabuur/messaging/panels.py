"""The messaging panel on the staff dashboard: what waits for this person, and the way in."""

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from nabuur.staff.panels import Panel, register
from nabuur.staff.permissions import Capability, can, networks_where

from .compose import EDITABLE_STATES
from .models import Message, MessageState


def waiting_url(pks):
    """Where the work on `pks` is done: one message opens itself, several the log's "Waiting
    for you"."""
    if len(pks) == 1:
        return reverse("messaging_staff:detail", args=[pks[0]])
    return reverse("messaging_staff:list") + "#waiting-heading"


@register
def messages_panel(request, scopes):
    """Counts of messages to approve, to forward, and the person's own drafts, each a link to
    where the work is done. One query."""
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
        .values_list("pk", "state")
    )
    by_state = {}
    for pk, state in waiting:
        by_state.setdefault(state, []).append(pk)
    drafts = [pk for state in EDITABLE_STATES for pk in by_state.get(state, [])]
    to_approve = by_state.get(MessageState.AWAITING_APPROVAL, [])
    to_forward = by_state.get(MessageState.AWAITING_FORWARD, [])
    context = {
        "to_approve": len(to_approve),
        "to_approve_url": waiting_url(to_approve),
        "to_forward": len(to_forward),
        "to_forward_url": waiting_url(to_forward),
        "drafts": len(drafts),
        "drafts_url": waiting_url(drafts),
        "may_compose": can(user, Capability.COMPOSE_MESSAGES),
    }
    return Panel(_("Messages"), "messaging/staff/panel.html", context)
