"""Periodic work of the imports app, run by `nabuur worker`."""

from datetime import timedelta

from nabuur.operations.jobs import periodic

from . import services


@periodic("imports.delete_expired_rows", every=timedelta(hours=6))
def delete_expired_rows(now):
    return services.delete_expired_rows(now)
