"""Periodic work of the evaluation app, run by `nabuur worker`."""

from datetime import timedelta

from nabuur.operations.jobs import periodic

from . import escalation, services


@periodic("evaluation.open_due", every=timedelta(hours=6))
def open_due(now):
    return services.open_due_evaluations(now)


# An unsigned evaluation past the zone's deadline: one reminder, then the hand-over
# (escalation.py). The job keeps its name, so its run history stays.
@periodic("evaluation.remind", every=timedelta(hours=6))
def remind(now):
    return escalation.escalate_evaluations(now)


@periodic("evaluation.refresh_charters", every=timedelta(hours=1))
def refresh_charters(now):
    return services.refresh_charters(now)
