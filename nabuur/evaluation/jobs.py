"""Periodic work of the evaluation app, run by `nabuur worker`."""

from datetime import timedelta

from nabuur.operations.jobs import periodic

from . import services


@periodic("evaluation.open_due", every=timedelta(hours=6))
def open_due(now):
    return services.open_due_evaluations(now)


@periodic("evaluation.remind", every=timedelta(hours=24))
def remind(now):
    return services.send_reminders(now)


@periodic("evaluation.refresh_charters", every=timedelta(hours=1))
def refresh_charters(now):
    return services.refresh_charters(now)
