"""The members app's panel on the staff dashboard: member lists and measures to confirm."""

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from nabuur.staff.panels import Panel, add_bin_figure, register
from nabuur.staff.permissions import Capability, can, capacity, networks_where

from .models import (
    AddressRequest,
    AddressRequestStatus,
    Measure,
    MeasureState,
    MembershipStatus,
)

# The "Your BINs" panel shows the sign-ups waiting for approval to those who approve them.
add_bin_figure(
    "pending_members",
    Capability.MANAGE_MEMBERS,
    Count("memberships", filter=Q(memberships__status=MembershipStatus.PENDING)),
)


@register
def members_panel(request, scopes):
    """Links to the member lists the person may see, and measures waiting for them to confirm.

    Two queries whatever the number of BINs or measures, and one per zone the person runs.
    """
    networks = list(
        networks_where(request.user, Capability.VIEW_MEMBERS).only("name", "slug").order_by("name")
    )
    if not networks:
        return None
    proposed = (
        Measure.objects.filter(
            membership__network__in=networks_where(request.user, Capability.MEMBER_MEASURES),
            state=MeasureState.PROPOSED,
        )
        .exclude(proposed_by=request.user)
        .select_related("membership__network__municipality")
        .order_by("proposed_at")
    )
    # The other side confirms: a proposal made in the capacity this person acts in there
    # (a co-coordinator's, for a coordinator) waits for someone else.
    to_confirm = [
        measure
        for measure in proposed
        if capacity(request.user, measure.membership.network, Capability.MEMBER_MEASURES)
        != measure.proposed_as
    ]
    # Zone administrators decide where sign-ups from outside every BIN belong.
    zones = [
        a.zone
        for a in scopes.assignments
        if a.zone_id and can(request.user, Capability.MANAGE_MEMBERS, a.zone)
    ]
    for zone in zones:
        zone.open_requests = AddressRequest.objects.filter(
            zone=zone, status=AddressRequestStatus.OPEN
        ).count()
    context = {"networks": networks, "to_confirm": to_confirm, "zones": zones}
    return Panel(_("Members"), "members/staff/panel.html", context)
