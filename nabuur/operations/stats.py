"""Operational counts for `nabuur stats`, gathered from sections that apps register.

An app adds its figures in its own `stats.py`:

    from nabuur.operations.stats import stats_section

    @stats_section("messages")
    def messages():
        return {"queued": ..., "sent": ...}

A section returns a number, or a flat dict of name → number (or text). Sections appear in the
order they were registered; the ones below come first.
"""

from collections.abc import Callable

from django.db.models import Count
from django.utils.module_loading import autodiscover_modules

from nabuur.members.models import Membership, MembershipStatus
from nabuur.networks.models import Network, NetworkStatus
from nabuur.operations.models import JobRun
from nabuur.zones.models import Municipality, Zone

_sections: dict[str, Callable[[], object]] = {}


def stats_section(name):
    def register(func):
        _sections[name] = func
        return func

    return register


def collect_stats():
    """Every registered section's figures, keyed by section name."""
    autodiscover_modules("stats")
    return {name: func() for name, func in _sections.items()}


def count_by(queryset, field, choices):
    """Rows per value of `field`, with every choice present (0 when there are none)."""
    found = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return {value: found.get(value, 0) for value in choices.values}


@stats_section("zones")
def zones():
    return Zone.objects.count()


@stats_section("municipalities")
def municipalities():
    # Reference data holds all of Belgium; only the municipalities a zone runs count here.
    return Municipality.objects.filter(zone__isnull=False).count()


@stats_section("bins")
def bins():
    return count_by(Network.objects.all(), "status", NetworkStatus)


@stats_section("members")
def members():
    return count_by(Membership.objects.all(), "status", MembershipStatus)


@stats_section("jobs")
def jobs():
    # A failing periodic job should be visible without reading the worker's log.
    return {
        "runs": JobRun.objects.count(),
        "failing": JobRun.objects.exclude(last_error="").count(),
    }
