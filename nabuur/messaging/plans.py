"""The communication plan of a BIN: read the current version, write the next one."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal

from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability, Kind, can, capacity

from .models import DEFAULT_ALLOWED_KINDS, AuthorSide, CommunicationPlan, MessageKind

# The capacities in which a person writes as the police.
POLICE = {Kind.OFFICER, Kind.ZONE_ADMIN}

# Sent inside save_plan's transaction with `plan`, the version just written, for the apps
# above messaging (evaluation refreshes the charter); receivers act with transaction.on_commit.
plan_saved = Signal()


def default_plan(network):
    """The police zone's defaults, as an unsaved version 0."""
    return CommunicationPlan(
        network=network,
        version=0,
        police_direct_to_members=False,
        coordinator_needs_approval=False,
        allowed_kinds={side.value: list(kinds) for side, kinds in DEFAULT_ALLOWED_KINDS.items()},
    )


def current_plan(network):
    """The highest version of the BIN's plan, or the defaults when none was written."""
    plan = CommunicationPlan.objects.filter(network=network).order_by("-version").first()
    return plan or default_plan(network)


def current_plans(networks):
    """{network: its current plan} for `networks`, in one query."""
    latest = {}
    rows = CommunicationPlan.objects.filter(network__in=networks).order_by("network", "-version")
    for plan in rows:
        latest.setdefault(plan.network_id, plan)
    return {network: latest.get(network.pk) or default_plan(network) for network in networks}


def side_in(user, network):
    """The side `user` writes from to `network`'s members, or None if they may not write."""
    kind = capacity(user, network, Capability.COMPOSE_MESSAGES)
    if kind is None:
        return None
    return AuthorSide.POLICE if kind in POLICE else AuthorSide.COORDINATOR


def kinds_for_author(user, networks):
    """The classes `user` may send to at least one of `networks`, as their plans say for the
    side the person writes from there; in the order of MessageKind. (Each chosen BIN's plan
    is checked again when the message is written.)"""
    allowed = set()
    for network, plan in current_plans(networks).items():
        side = side_in(user, network)
        if side is not None:
            allowed.update(plan.kinds_for(side))
    return [kind for kind in MessageKind if kind in allowed]


def may_edit_plan(user, network):
    """The BIN's officer and coordinators edit its plan (both sign the charter)."""
    return can(user, Capability.APPROVE_MESSAGES, network) or can(
        user, Capability.FORWARD_POLICE_MESSAGES, network
    )


def save_plan(
    network,
    user,
    *,
    police_direct_to_members,
    coordinator_needs_approval,
    allowed_kinds,
    officer_sends_overdue=False,
):
    """Write the next version of the plan; the earlier versions stay as they were."""
    if not may_edit_plan(user, network):
        raise PermissionDenied
    kinds = {
        side.value: [str(kind) for kind in allowed_kinds.get(side.value, [])] for side in AuthorSide
    }
    with transaction.atomic():
        latest = (
            CommunicationPlan.objects.select_for_update()
            .filter(network=network)
            .order_by("-version")
            .first()
        )
        plan = CommunicationPlan.objects.create(
            network=network,
            version=(latest.version if latest else 0) + 1,
            police_direct_to_members=police_direct_to_members,
            coordinator_needs_approval=coordinator_needs_approval,
            officer_sends_overdue=officer_sends_overdue,
            allowed_kinds=kinds,
            created_by=user,
            created_at=clock.now(),
        )
        record(
            user,
            "messaging.plan_saved",
            place=network,
            target=plan,
            details={"network": network.pk, "version": plan.version},
        )
        plan_saved.send(CommunicationPlan, plan=plan)
    return plan
