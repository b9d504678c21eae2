"""Panels of the staff dashboard. Each app adds its own with `register()`.

A panel is a function `panel(request, scopes)` returning None (nothing to show this person) or
a `Panel(title, template, context)`. Keep each panel to a fixed number of queries: the
dashboard's query count is tested.

Staff's own "Your BINs" panel shows figures per BIN that the apps above staff add with
`add_bin_figure()` (members: the pending sign-ups), as staff may not import them.
"""

from dataclasses import dataclass, field

from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.operations import health

from . import waiting
from .permissions import Capability, can, networks_where

_PANELS = []
# name → (the capability a person needs over a BIN to see it, an aggregate over Network)
_BIN_FIGURES = {}


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


def add_bin_figure(name, capability, aggregate):
    """Show `aggregate` (e.g. `Count("memberships", filter=…)`) as `network.<name>` on the
    "Your BINs" panel, for the BINs where the person holds `capability` (None on the others).

    One query per figure, whatever the number of BINs. The panel's template names the figure.
    """
    _BIN_FIGURES[name] = (capability, aggregate)


def panels_for(request, scopes):
    return [shown for panel in _PANELS if (shown := panel(request, scopes)) is not None]


@register
def networks_panel(request, scopes):
    """The person's BINs, with the figures other apps add (see `add_bin_figure`)."""
    networks = list(
        networks_where(request.user, Capability.VIEW_NETWORKS)
        .select_related("municipality")
        .order_by("name", "pk")
    )
    for name, (capability, aggregate) in _BIN_FIGURES.items():
        values = dict(
            networks_where(request.user, capability)
            .annotate(figure=aggregate)
            .values_list("pk", "figure")
        )
        for network in networks:
            setattr(network, name, values.get(network.pk))
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


@register
def health_panel(request, scopes):
    """Is the install working: the worker, the outbox and what failed, for the zone's
    administrators, who are the first to hear "I got no e-mail"."""
    if not can(request.user, Capability.MANAGE_ZONE):
        return None
    return Panel(_("Is Nabuur working?"), "staff/panels/health.html", {"health": health.overview()})


@dataclass
class Queue:
    """The dashboard's "To handle" queue: the person's waiting items grouped by kind, and for
    a zone administrator the BINs where items wait past twice their deadline."""

    groups: list
    total: int
    overdue: int
    # [(network, number of items)] whose people have not acted for a long time.
    neglected: list


def waiting_queue(request):
    """The person's queue (nabuur.staff.waiting), in a fixed number of queries per kind."""
    groups = waiting.queue_for(request.user, clock.now())
    items = [item for group in groups for item in group.items]
    neglected = []
    # The zone's administrators watch the whole zone (an indicator for the evaluation).
    if can(request.user, Capability.MANAGE_ZONE):
        counts = {}
        for item in items:
            if item.long_overdue:
                counts[item.network] = counts.get(item.network, 0) + 1
        neglected = sorted(counts.items(), key=lambda pair: (pair[0].name, pair[0].pk))
    return Queue(groups, len(items), sum(item.overdue for item in items), neglected)
