"""Periodic work of the members app, run by `nabuur worker`."""

from datetime import timedelta

from django.utils import timezone

from nabuur.operations.jobs import periodic

from . import counts, escalation, services


@periodic("members.purge_unconfirmed", every=timedelta(hours=1))
def purge_unconfirmed(now):
    return services.purge_unconfirmed(now)


@periodic("members.end_pauses", every=timedelta(hours=1))
def end_pauses(now):
    return services.end_pauses(timezone.localdate(now))


@periodic("members.erase_after_retention", every=timedelta(hours=6))
def erase_after_retention(now):
    return services.erase_after_retention(now)


@periodic("members.end_suspensions", every=timedelta(hours=1))
def end_suspensions(now):
    return services.end_suspensions(timezone.localdate(now))


@periodic("members.delete_expired_blocks", every=timedelta(hours=6))
def delete_expired_blocks(now):
    return services.delete_expired_blocks(now)


@periodic("members.expire_address_requests", every=timedelta(hours=6))
def expire_address_requests(now):
    return services.expire_address_requests(now)


# Sign-ups and measures left waiting: a reminder, then the hand-over (deadlines in days).
@periodic("members.escalate", every=timedelta(hours=1))
def escalate(now):
    return escalation.escalate_signups(now) + escalation.escalate_measures(now)


# The member list sums a BIN's rows of changes per status; folded, they stay a few rows.
@periodic("members.fold_status_counts", every=timedelta(hours=1))
def fold_status_counts(now):
    return counts.fold_status_counts()
