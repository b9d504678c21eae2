"""Staff verbs: invite people into roles. Each writes the audit log."""

from django.core.exceptions import PermissionDenied
from django.db import transaction

from nabuur.accounts.models import User, normalize_email_address
from nabuur.accounts.services import create_invitation, send_invitation
from nabuur.audit.services import record
from nabuur.lib import clock

from .models import COORDINATOR_ROLES, Role, RoleAssignment, ScreeningResult
from .permissions import Capability, can, forget_scopes

# Which capability an inviter needs to invite into each role.
INVITE_CAPABILITY = {
    Role.COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.CO_COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.GENERAL_COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.OFFICER: Capability.INVITE_STAFF,
    Role.DEPUTY_OFFICER: Capability.INVITE_STAFF,
    Role.MUNICIPALITY_CONTACT: Capability.INVITE_STAFF,
}


def invite(
    inviter,
    email,
    role,
    *,
    network=None,
    municipality=None,
    zone=None,
    first_name="",
    last_name="",
    screened_on=None,
    screening_result=ScreeningResult.PENDING,
    send=True,
):
    """Give the person with `email` a role over a scope and invite them by e-mail.

    `inviter` None means the system (the `invite_admin` command); otherwise the inviter must
    hold the capability for that role over the scope (PermissionDenied if not). For a
    coordinator the police screening is recorded with the inviter as screener. The person is
    created without a password if unknown. Returns (assignment, invitation link or None when
    the person already has a password).
    """
    role = Role(role)
    place = network or municipality or zone
    if inviter is not None:
        capability = INVITE_CAPABILITY.get(role)
        if capability is None or not can(inviter, capability, place):
            raise PermissionDenied
    email = normalize_email_address(email)
    with transaction.atomic():
        user = User.objects.filter(email=email).first()
        if user is None:
            user = User.objects.create_user(email, first_name=first_name, last_name=last_name)
        assignment = RoleAssignment(
            user=user,
            role=role,
            network=network,
            municipality=municipality,
            zone=zone,
            started_on=clock.today(),
        )
        if role in COORDINATOR_ROLES and screening_result != ScreeningResult.PENDING:
            assignment.screening_result = screening_result
            assignment.screened_on = screened_on or clock.today()
            assignment.screened_by = inviter
        assignment.full_clean(exclude=["user"])
        assignment.save()
        invitation = link = None
        if not user.has_usable_password():
            invitation, link = create_invitation(
                user, invited_by=inviter, role_assignment=assignment
            )
        record(
            inviter,
            "staff.invite",
            role=_acting_role(inviter, role),
            target=assignment,
            subjects=[user],
            details={"role": role.value, "screening": assignment.screening_result},
        )
        if send and invitation is not None:
            transaction.on_commit(lambda: send_invitation(invitation, link))
    forget_scopes(user)
    return assignment, link


def _acting_role(inviter, invited_role):
    if inviter is None:
        return "system"
    needed = INVITE_CAPABILITY[invited_role]
    kinds = {a.role for a in RoleAssignment.objects.filter(user=inviter, ended_on__isnull=True)}
    # Zone administrators invite everyone; officers only coordinators.
    if Role.ZONE_ADMIN in kinds:
        return Role.ZONE_ADMIN.value
    if needed == Capability.INVITE_COORDINATORS and kinds & {Role.OFFICER, Role.DEPUTY_OFFICER}:
        return sorted(kinds & {Role.OFFICER, Role.DEPUTY_OFFICER})[0]
    return ""
