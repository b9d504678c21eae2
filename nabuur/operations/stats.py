"""Operational counts for `nabuur stats`, gathered from sections that apps register.

An app adds its figures in its own `stats.py`:

    from nabuur.operations.stats import stats_section

    @stats_section("messages")
    def messages():
        return {"queued": ..., "sent": ...}

A section returns a number, or a flat dict of name → number (or text). Sections appear in the
order of INSTALLED_APPS (zones, networks, members, messaging, …, operations).
"""

from collections.abc import Callable

from django.apps import apps
from django.db.models import Count
from django.utils.module_loading import autodiscover_modules

from nabuur.operations.models import JobRun

_sections: dict[str, Callable[[], object]] = {}


def stats_section(name):
    def register(func):
        _sections[name] = func
        return func

    return register


def collect_stats():
    """Every registered section's figures, keyed by section name, in INSTALLED_APPS order."""
    autodiscover_modules("stats")
    app_names = [config.name for config in apps.get_app_configs()]

    def app_position(item):
        module = item[1].__module__
        for position, name in enumerate(app_names):
            if module == name or module.startswith(f"{name}."):
                return position
        return len(app_names)

    # sorted() is stable: sections of one app keep the order they were registered in.
    return {name: func() for name, func in sorted(_sections.items(), key=app_position)}


def count_by(queryset, field, choices):
    """Rows per value of `field`, with every choice present (0 when there are none)."""
    found = dict(queryset.values_list(field).annotate(n=Count("pk")).order_by())
    return {value: found.get(value, 0) for value in choices.values}


@stats_section("jobs")
def jobs():
    # A failing periodic job should be visible without reading the worker's log.
    return {
        "runs": JobRun.objects.count(),
        "failing": JobRun.objects.exclude(last_error="").count(),
    }
