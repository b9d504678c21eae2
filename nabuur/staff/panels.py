"""Panels of the staff dashboard. Each app adds its own with `register()`.

A panel is a function `panel(request, scopes)` returning None (nothing to show this person) or
a `Panel(title, template, context)`. Keep each panel to a fixed number of queries: the
dashboard's query count is tested.
"""

from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from .permissions import Capability, can, networks_where

_PANELS = []


@dataclass
class Panel:
    title: str
    template: str
    context: dict = field(default_factory=dict)


def register(panel):
    """Add a panel function to the dashboard (usable as a decorator); returns it unchanged."""
    if panel not in _PANELS:
        _PANELS.append(panel)
    return panel


def panels_for(request, scopes):
    return [shown for panel in _PANELS if (shown := panel(request, scopes)) is not None]


@register
def networks_panel(request, scopes):
    """The person's BINs; with the number of pending members where they manage members."""
    from nabuur.members.models import MembershipStatus

    networks = list(
        networks_where(request.user, Capability.VIEW_NETWORKS)
        .select_related("municipality")
        .order_by("name", "pk")
    )
    managed = set(
        networks_where(request.user, Capability.MANAGE_MEMBERS)
        .annotate(
            pending=Count("memberships", filter=Q(memberships__status=MembershipStatus.PENDING))
        )
        .values_list("pk", "pending")
    )
    pending = dict(managed)
    for network in networks:
        network.pending_members = pending.get(network.pk)
    return Panel(_("Your BINs"), "staff/panels/networks.html", {"networks": networks})


@register
def zone_panel(request, scopes):
    """Links to the zone-wide pages, for those who run the zone. No query: scopes are cached."""
    zones = sorted(
        {a.zone for a in scopes.assignments if a.zone_id and a.zone is not None},
        key=lambda zone: zone.name,
    )
    context = {
        "zones": [zone for zone in zones if can(request.user, Capability.INVITE_STAFF, zone)],
        "settings_zones": [
            zone for zone in zones if can(request.user, Capability.MANAGE_ZONE, zone)
        ],
        "may_manage_networks": can(request.user, Capability.MANAGE_NETWORKS),
        "may_view_audit_log": can(request.user, Capability.VIEW_AUDIT_LOG),
    }
    if not any(context.values()):
        return None
    return Panel(_("Zone administration"), "staff/panels/zone.html", context)
