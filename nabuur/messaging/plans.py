"""The communication plan of a BIN: read the current version, write the next one."""

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.dispatch import Signal

from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability, can

from .models import DEFAULT_ALLOWED_KINDS, AuthorSide, CommunicationPlan

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


def may_edit_plan(user, network):
    """The BIN's officer and coordinators edit its plan (both sign the charter)."""
    return can(user, Capability.APPROVE_MESSAGES, network) or can(
        user, Capability.FORWARD_POLICE_MESSAGES, network
    )


def save_plan(
    network, user, *, police_direct_to_members, coordinator_needs_approval, allowed_kinds
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
