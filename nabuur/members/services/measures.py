"""Measures against a member: a reprimand, a temporary or a permanent suspension.

A permanent suspension takes two people: one of the BIN's coordinators and its officer, one
proposing and the other confirming. It blocks the person's e-mail address and address.
"""

from datetime import timedelta

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nabuur.lib import clock
from nabuur.staff.permissions import Capability, Kind, can, capacity

from .. import emails
from ..models import (
    CURRENT_STATUSES,
    BlockedPerson,
    EndReason,
    Measure,
    MeasureKind,
    MeasureState,
    Membership,
    MembershipStatus,
)
from .blocks import block_hash, membership_address_key
from .common import record_member_action


class MeasureRefused(Exception):
    """The measure cannot be taken or confirmed this way; the message says why."""


def _side(user, network):
    """Kind.OFFICER or Kind.COORDINATOR: the capacity in which `user` takes measures in
    `network` (the only two that may), or None."""
    return capacity(user, network, Capability.MEMBER_MEASURES)


def _check_may_take_measures(actor, network):
    if not can(actor, Capability.MEMBER_MEASURES, network):
        raise PermissionDenied("This person does not take measures in this BIN.")


def _record(actor, action, membership, measure):
    record_member_action(
        actor, action, membership, {"measure": measure.pk}, capability=Capability.MEMBER_MEASURES
    )


def _locked_membership(membership):
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "street", "network__municipality__zone")
        .get(pk=membership.pk)
    )


def reprimand(actor, membership, reason):
    """A written reprimand: kept as a confirmed measure and e-mailed to the member."""
    _check_may_take_measures(actor, membership.network)
    with transaction.atomic():
        membership = _locked_membership(membership)
        now = clock.now()
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.WRITTEN_REPRIMAND,
            reason=reason.strip(),
            state=MeasureState.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        _record(actor, "members.measure.reprimand", membership, measure)
        if membership.user.email:
            emails.send_measure(measure)
    return measure


def suspend_until(actor, membership, reason, until):
    """Suspend a current member until `until` (a date after today): they receive nothing."""
    _check_may_take_measures(actor, membership.network)
    if until <= clock.today():
        raise MeasureRefused(_("A temporary suspension ends after today."))
    with transaction.atomic():
        membership = _locked_membership(membership)
        if membership.status not in (MembershipStatus.ACTIVE, MembershipStatus.PAUSED):
            raise MeasureRefused(_("Only an active or paused member can be suspended."))
        now = clock.now()
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.TEMPORARY_SUSPENSION,
            reason=reason.strip(),
            until=until,
            state=MeasureState.CONFIRMED,
            proposed_by=actor,
            proposed_at=now,
            confirmed_by=actor,
            confirmed_at=now,
        )
        membership.status = MembershipStatus.SUSPENDED
        membership.suspended_until = until
        membership.paused_until = None
        membership.status_changed_at = now
        membership.save(
            update_fields=["status", "suspended_until", "paused_until", "status_changed_at"]
        )
        _record(actor, "members.measure.suspend", membership, measure)
        if membership.user.email:
            emails.send_measure(measure)
    return measure


def end_suspensions(today=None):
    """Reinstate members whose temporary suspension has ended; return how many."""
    today = today or clock.today()
    return Membership.objects.filter(
        status=MembershipStatus.SUSPENDED, suspended_until__lt=today
    ).update(status=MembershipStatus.ACTIVE, suspended_until=None, status_changed_at=clock.now())


def propose_permanent_suspension(actor, membership, reason):
    """One of coordinator and officer proposes; the other must confirm (see below)."""
    _check_may_take_measures(actor, membership.network)
    with transaction.atomic():
        membership = _locked_membership(membership)
        if membership.status not in CURRENT_STATUSES:
            raise MeasureRefused(_("This person is no longer a member."))
        if membership.measures.filter(
            kind=MeasureKind.PERMANENT_SUSPENSION, state=MeasureState.PROPOSED
        ).exists():
            raise MeasureRefused(_("A permanent suspension is already proposed."))
        measure = Measure.objects.create(
            membership=membership,
            kind=MeasureKind.PERMANENT_SUSPENSION,
            reason=reason.strip(),
            state=MeasureState.PROPOSED,
            proposed_by=actor,
            proposed_at=clock.now(),
        )
        _record(actor, "members.measure.propose", membership, measure)
    return measure


def confirm_permanent_suspension(actor, measure):
    """The other side confirms: the member is removed and their e-mail and address blocked.

    The proposer cannot confirm, nor can a second coordinator: one of the two must be the
    officer, the other a coordinator. Idempotent: False if the measure is no longer proposed.
    """
    network = measure.membership.network
    _check_may_take_measures(actor, network)
    with transaction.atomic():
        measure = (
            Measure.objects.select_for_update(of=("self",))
            .select_related("membership__network__municipality__zone", "proposed_by")
            .get(pk=measure.pk)
        )
        if measure.state != MeasureState.PROPOSED:
            return False
        if measure.proposed_by_id == actor.pk:
            raise MeasureRefused(_("The person who proposed a measure cannot confirm it."))
        proposer_side = _side(measure.proposed_by, network) if measure.proposed_by else None
        actor_side = _side(actor, network)
        if actor_side is None or {proposer_side, actor_side} != {Kind.OFFICER, Kind.COORDINATOR}:
            raise MeasureRefused(
                _("A coordinator and the officer must agree: one proposes, the other confirms.")
            )
        membership = _locked_membership(measure.membership)
        now = clock.now()
        measure.state = MeasureState.CONFIRMED
        measure.confirmed_by = actor
        measure.confirmed_at = now
        measure.save(update_fields=["state", "confirmed_by", "confirmed_at"])
        zone = membership.network.municipality.zone
        expires = now + timedelta(days=zone.retention_measures_days)
        values = [f"address:{membership_address_key(membership)}"]
        if membership.user.email:
            values.append(f"email:{membership.user.email}")
        BlockedPerson.objects.bulk_create(
            BlockedPerson(zone=zone, value_hash=block_hash(v), measure=measure, expires_at=expires)
            for v in values
        )
        membership.status = MembershipStatus.LEFT
        membership.end_reason = EndReason.REMOVED
        membership.left_at = now
        membership.suspended_until = None
        membership.status_changed_at = now
        membership.save(
            update_fields=[
                "status",
                "end_reason",
                "left_at",
                "suspended_until",
                "status_changed_at",
            ]
        )
        _record(actor, "members.measure.confirm", membership, measure)
        if membership.user.email:
            emails.send_measure(measure)
    return True


def withdraw_measure(actor, measure):
    """Withdraw a proposal that was not confirmed. Idempotent: True if it changed."""
    _check_may_take_measures(actor, measure.membership.network)
    with transaction.atomic():
        measure = Measure.objects.select_for_update().get(pk=measure.pk)
        if measure.state != MeasureState.PROPOSED:
            return False
        measure.state = MeasureState.WITHDRAWN
        measure.save(update_fields=["state"])
        _record(actor, "members.measure.withdraw", measure.membership, measure)
    return True
