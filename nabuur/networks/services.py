"""Zone administration verbs: create and change BINs and their area, merge, stop, appoint.

Each verb checks nothing about the person acting (the views fetch objects through
nabuur.staff.access first) but writes one audit entry inside its own transaction, in the
capacity that lets the person manage BINs (or record measures against coordinators).
"""

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Count, Q

from nabuur.lib import clock
from nabuur.members.models import CURRENT_STATUSES, EndReason, Membership
from nabuur.members.services import leave_membership
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, RoleAssignment, partners_of
from nabuur.staff.permissions import Capability, forget_scopes
from nabuur.staff.services import (
    end_role,
    held_now_or_later,
    invite,
    last_day_when_ended_now,
    roles_changed,
)

from . import emails
from .areas import update_area
from .models import (
    APPEAL_PERIOD_DAYS,
    CoordinatorMeasure,
    MeasureKind,
    Network,
    NetworkStatus,
    Segment,
    Side,
)

# BINs in these states no longer cover any address, so they cannot overlap anything.
CLOSED_STATUSES = (NetworkStatus.MERGED, NetworkStatus.STOPPED)
MANAGE = Capability.MANAGE_NETWORKS

# Members has no end reason for "the BIN itself ended" yet; until it does, a membership
# ended by a stop or a merge is recorded as removed (the audit entry says why).
NETWORK_ENDED_REASON = EndReason.REMOVED

NETWORK_FIELDS = [
    "name",
    "slug",
    "bin_type",
    "municipality",
    "status",
    "start_date",
    "requires_approval",
    "contact_name",
    "contact_email",
    "contact_phone",
]


def networks_with_counts(queryset):
    """The BINs of `queryset` with `member_count` (current memberships), in one query."""
    return queryset.select_related("municipality", "bin_type").annotate(
        member_count=Count("memberships", filter=Q(memberships__status__in=CURRENT_STATUSES))
    )


class NoCoordinator(Exception):
    """A BIN was to become active while no coordinator may act for it."""


def has_coordinator(network):
    """True if someone may act as a coordinator of the saved `network` today (screened, 18+)."""
    return bool(partners_of(network, COORDINATOR_ROLES, clock.today()))


def _check_may_be_active(network):
    # The zone's members expect someone to approve sign-ups and forward police messages: a BIN
    # nobody coordinates stays in preparation, where the zone handles its sign-ups.
    if network.status == NetworkStatus.ACTIVE and not has_coordinator(network):
        raise NoCoordinator


def create_network(actor, network):
    """Save a new BIN built by the form; audit it.

    Raises NoCoordinator (and saves nothing) for a new BIN made active: only its
    municipality's general coordinators could coordinate it yet.
    """
    try:
        with transaction.atomic():
            network.save()
            _check_may_be_active(network)
            record(actor, "networks.create", capability=MANAGE, target=network)
    except NoCoordinator:
        # Rolled back: the form shows the same new BIN again.
        network.pk = None
        network._state.adding = True
        raise
    return network


def update_network(actor, network, changed):
    """Save the changed fields of a BIN; audit which fields changed (not their values).

    Raises NoCoordinator, and saves nothing, when the BIN is to become active while no
    coordinator may act for it.
    """
    changed = [name for name in NETWORK_FIELDS if name in changed]
    if not changed:
        return network
    if "status" in changed:
        _check_may_be_active(network)
    with transaction.atomic():
        network.save(update_fields=changed)
        record(
            actor,
            "networks.update",
            capability=MANAGE,
            target=network,
            details={"fields": changed},
        )
    return network


# --- Area segments -------------------------------------------------------------------------


def _has_number_of_side(low, high, side):
    """True if [low, high] (high None: no end; never below low) holds a number on `side`."""
    if side == Side.BOTH or high is None or high > low:
        return True
    return (low % 2 == 0) == (side == Side.EVEN)


def segments_overlap(a, b):
    """True if two segments of the same street share at least one house number."""
    if a.street_id != b.street_id:
        return False
    low = max(a.number_from, b.number_from)
    ends = [end for end in (a.number_to, b.number_to) if end is not None]
    high = min(ends) if ends else None
    if high is not None and high < low:
        return False
    sides = {a.side, b.side} - {Side.BOTH}
    if len(sides) == 2:
        return False
    return _has_number_of_side(low, high, sides.pop() if sides else Side.BOTH)


def overlapping_segments(network, segment, exclude=None):
    """Segments of other open BINs that share house numbers with `segment` (unsaved is fine)."""
    candidates = (
        Segment.objects.filter(street_id=segment.street_id, network__status__in=_open_statuses())
        .exclude(network=network)
        .filter(Q(number_to__isnull=True) | Q(number_to__gte=segment.number_from))
        .select_related("network", "street")
    )
    if segment.number_to is not None:
        candidates = candidates.filter(number_from__lte=segment.number_to)
    if exclude is not None:
        candidates = candidates.exclude(pk=exclude.pk)
    return [other for other in candidates if segments_overlap(segment, other)]


def _open_statuses():
    return [status for status in NetworkStatus.values if status not in CLOSED_STATUSES]


def _segment_details(segment):
    return {
        "street": segment.street_id,
        "from": segment.number_from,
        "to": segment.number_to,
        "side": segment.side,
    }


def save_segment(actor, segment, *, overlaps=()):
    """Add or change one segment; the audit entry names the BINs it overlaps, if any."""
    action = "networks.segment_update" if segment.pk else "networks.segment_add"
    with transaction.atomic():
        segment.save()
        update_area(segment.network)
        details = _segment_details(segment)
        if overlaps:
            details["overlaps"] = sorted({other.network_id for other in overlaps})
        record(actor, action, capability=MANAGE, target=segment.network, details=details)
    return segment


def delete_segment(actor, segment):
    with transaction.atomic():
        details = {"segment": segment.pk, **_segment_details(segment)}
        segment.delete()
        update_area(segment.network)
        record(
            actor,
            "networks.segment_delete",
            capability=MANAGE,
            target=segment.network,
            details=details,
        )


def import_segments(actor, network, rows, *, replace=False):
    """Add the segments of a checked CSV import at once (all or nothing).

    `rows` are unsaved Segment objects for `network`. With `replace` the BIN's current
    segments are deleted first. Returns the number of segments added.
    """
    with transaction.atomic():
        removed = 0
        if replace:
            removed, _ = network.segments.all().delete()
        Segment.objects.bulk_create(rows)
        update_area(network)
        record(
            actor,
            "networks.segment_import",
            capability=MANAGE,
            target=network,
            details={"added": len(rows), "removed": removed},
        )
    return len(rows)


# --- Merge and stop ------------------------------------------------------------------------


@dataclass
class MergePlan:
    """What merging `source` into `target` will do, for the confirmation page and the verb."""

    source: Network
    target: Network
    moving: list
    already_members: list
    segments: int
    roles: int

    @property
    def moving_count(self):
        return len(self.moving)

    @property
    def already_count(self):
        return len(self.already_members)


def _open_roles(network):
    return RoleAssignment.objects.filter(held_now_or_later(clock.today()), network=network)


def plan_merge(source, target):
    """Which members move and which already belong to `target`; counts of segments and roles."""
    current = list(
        Membership.objects.filter(network=source, status__in=CURRENT_STATUSES).select_related(
            "user"
        )
    )
    in_target = set(
        Membership.objects.filter(network=target, status__in=CURRENT_STATUSES).values_list(
            "user_id", flat=True
        )
    )
    return MergePlan(
        source=source,
        target=target,
        moving=[m for m in current if m.user_id not in in_target],
        already_members=[m for m in current if m.user_id in in_target],
        segments=source.segments.count(),
        roles=_open_roles(source).count(),
    )


def _end_roles(network):
    """End the BIN's roles now: they grant nothing from this moment on."""
    ended = []
    for assignment in _open_roles(network).select_related("user"):
        assignment.ended_on = last_day_when_ended_now()
        assignment.save(update_fields=["ended_on"])
        forget_scopes(assignment.user)
        ended.append(assignment)
    if ended:
        roles_changed.send(RoleAssignment, assignments=ended)
    return ended


def merge_networks(actor, source, target):
    """Merge BIN `source` into `target`.

    Members of `source` move: their membership row is re-pointed to `target`, so its history
    (requested, confirmed, approved, consents) stays with them. Members who already belong to
    `target` keep that membership and their `source` membership ends. Segments move to
    `target`, the roles in `source` end now, and `source` becomes merged into `target`.
    Moved members are told by e-mail. Returns the MergePlan that was carried out.
    """
    if source.pk == target.pk or target.status in CLOSED_STATUSES:
        raise ValueError("A BIN merges only into another open BIN.")
    with transaction.atomic():
        plan = plan_merge(source, target)
        for membership in plan.moving:
            membership.network = target
            membership.save(update_fields=["network"])
        for membership in plan.already_members:
            leave_membership(membership, reason=NETWORK_ENDED_REASON, notify=False)
        source.segments.update(network=target)
        update_area(target)
        ended = _end_roles(source)
        source.status = NetworkStatus.MERGED
        source.merged_into = target
        source.save(update_fields=["status", "merged_into"])
        update_area(source)
        record(
            actor,
            "networks.merge",
            capability=MANAGE,
            target=source,
            subjects=[m.user_id for m in plan.moving + plan.already_members],
            details={
                "into": target.pk,
                "moved": [m.pk for m in plan.moving],
                "ended": [m.pk for m in plan.already_members],
                "segments": plan.segments,
                "roles_ended": [a.pk for a in ended],
            },
        )
        moving = list(plan.moving)
        transaction.on_commit(lambda: _tell_merged(moving, source))
    return plan


def _tell_merged(memberships, source):
    for membership in memberships:
        if membership.user.email:
            emails.send_network_merged(membership, source)


@dataclass
class StopPlan:
    network: Network
    members: list
    roles: int

    @property
    def member_count(self):
        return len(self.members)


def plan_stop(network):
    members = list(
        Membership.objects.filter(network=network, status__in=CURRENT_STATUSES).select_related(
            "user"
        )
    )
    return StopPlan(network=network, members=members, roles=_open_roles(network).count())


def stop_network(actor, network, reason=""):
    """Stop a BIN: its current memberships end, its roles end now, its members are told.

    The segments stay as the record of the area it covered; a stopped BIN covers no address.
    `reason` (optional, free text for the members' e-mail) is not written to the audit log.
    """
    with transaction.atomic():
        plan = plan_stop(network)
        for membership in plan.members:
            leave_membership(membership, reason=NETWORK_ENDED_REASON, notify=False)
        ended = _end_roles(network)
        network.status = NetworkStatus.STOPPED
        network.save(update_fields=["status"])
        record(
            actor,
            "networks.stop",
            capability=MANAGE,
            target=network,
            subjects=[m.user_id for m in plan.members],
            details={"ended": [m.pk for m in plan.members], "roles_ended": [a.pk for a in ended]},
        )
        members = list(plan.members)
        transaction.on_commit(lambda: _tell_stopped(members, network, reason))
    return plan


def _tell_stopped(memberships, network, reason):
    for membership in memberships:
        if membership.user.email:
            emails.send_network_stopped(membership, network, reason)


# --- Roles and measures --------------------------------------------------------------------


def appoint(actor, network, role, email, **person):
    """Invite the person into a role of `network` (see nabuur.staff.services.invite)."""
    return invite(actor, email, role, network=network, **person)


def replace_role(actor, assignment, email, **person):
    """End `assignment` now and invite the new person into the same role and BIN."""
    with transaction.atomic():
        end_role(actor, assignment)
        new, link = invite(actor, email, assignment.role, network=assignment.network, **person)
    return new, link


def record_measure(actor, assignment, kind, *, decided_on, decided_by, reasons="", until=None):
    """Record a measure against a coordinator and carry out what it means for the role.

    A removal takes effect on the decision date: the role's last day is the day before. A
    temporary removal reopens the role, with the same screening, on `until`; a definitive
    removal opens the three-week appeal period. The audit entry keeps the kind and dates, never
    the reasons.
    """
    kind = MeasureKind(kind)
    if assignment.role not in COORDINATOR_ROLES:
        raise ValueError("Measures are for coordinators.")
    measure = CoordinatorMeasure(
        assignment=assignment,
        kind=kind,
        decided_on=decided_on,
        decided_by=decided_by,
        reasons=reasons,
        recorded_by=actor,
    )
    with transaction.atomic():
        details = {"kind": kind.value, "decided_on": decided_on.isoformat()}
        if kind == MeasureKind.TEMPORARY_REMOVAL:
            measure.removed_until = until
            details["until"] = until.isoformat()
            if assignment.ended_on is None:
                _end_and_resume(assignment, decided_on, until)
        if kind == MeasureKind.DEFINITIVE_REMOVAL:
            measure.appeal_deadline = decided_on + datetime.timedelta(days=APPEAL_PERIOD_DAYS)
            details["appeal_deadline"] = measure.appeal_deadline.isoformat()
            if assignment.ended_on is None or assignment.ended_on >= decided_on:
                assignment.ended_on = decided_on - datetime.timedelta(days=1)
                assignment.save(update_fields=["ended_on"])
        measure.save()
        roles_changed.send(RoleAssignment, assignments=[assignment])
        record(
            actor,
            "networks.coordinator_measure",
            capability=Capability.COORDINATOR_MEASURES,
            target=assignment,
            subjects=[assignment.user_id],
            details=details,
        )
    forget_scopes(assignment.user)
    return measure


def _end_and_resume(assignment, decided_on, until):
    assignment.ended_on = decided_on - datetime.timedelta(days=1)
    assignment.save(update_fields=["ended_on"])
    # A new row that starts on `until`: the role grants nothing before then.
    RoleAssignment.objects.create(
        user=assignment.user,
        role=assignment.role,
        network=assignment.network,
        municipality=assignment.municipality,
        zone=assignment.zone,
        started_on=until,
        screened_on=assignment.screened_on,
        screening_result=assignment.screening_result,
        screened_by=assignment.screened_by,
        adult_confirmed_at=assignment.adult_confirmed_at,
    )
