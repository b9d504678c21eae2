"""Small helpers that several topics of the membership services share."""

from functools import partial

from django.core.exceptions import PermissionDenied
from django.db import transaction

from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.staff.models import COORDINATOR_ROLES, OFFICER_ROLES, partners_of
from nabuur.staff.permissions import Capability, can


def coordinators_of(network):
    """The people who coordinate `network` today: its (co-)coordinators and general coordinators."""
    return partners_of(network, COORDINATOR_ROLES, clock.today())


def deciders_of(network):
    """Who decides on a sign-up: the coordinators, or while the BIN has none, its officers
    (a BIN in preparation accepts sign-ups before its coordinator is appointed)."""
    return coordinators_of(network) or partners_of(network, OFFICER_ROLES, clock.today())


def check_may_manage(actor, membership, network=None):
    # The views check too; the service refuses on its own so no caller can skip the rule.
    if not can(actor, Capability.MANAGE_MEMBERS, network or membership.network):
        raise PermissionDenied("This person does not manage members of this BIN.")


def record_member_action(
    actor, action, membership, details=None, *, capability=Capability.MANAGE_MEMBERS
):
    """Audit an action on `membership`, in the capacity that grants it over the member's BIN."""
    record(
        actor,
        action,
        capability=capability,
        target=membership,
        subjects=(membership.user,),
        details=details,
    )


def notify(send, membership, *, after_commit):
    """Send `send(membership)` now, or once the outermost transaction commits."""
    if after_commit:
        # robust: one address the relay refuses must not keep the others from their e-mail.
        transaction.on_commit(partial(send, membership), robust=True)
    else:
        send(membership)
