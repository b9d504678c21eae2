"""Staff verbs: invite people into roles, record screenings and confirmations, end roles.

Each writes the audit log inside its own transaction.
"""

import datetime

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.dispatch import Signal
from django.utils import translation

from nabuur.accounts.models import User, normalize_email_address
from nabuur.accounts.services import create_invitation, send_invitation
from nabuur.accounts.sessions import end_sessions
from nabuur.lib import clock
from nabuur.lib.languages import STAFF_LANGUAGES
from nabuur.zones.models import Zone
from nabuur.zones.site import links_to

from . import emails
from .auditing import record
from .models import COORDINATOR_ROLES, Role, RoleAssignment, ScreeningResult, held_on
from .permissions import Capability, Kind, can, forget_scopes

# --- Role changes, for the apps above staff (evaluation refreshes its charters) -------------
# Sent inside the service's transaction with `assignments`, the RoleAssignment rows just given,
# screened, confirmed or ended. Receivers act with transaction.on_commit. Staff cannot import
# the apps above it (docs/architecture.md), so they connect to this signal instead.
roles_changed = Signal()
# ----------------------------------------------------------------------------------------------

# Which capability an inviter needs to invite into each role.
INVITE_CAPABILITY = {
    Role.COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.CO_COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.GENERAL_COORDINATOR: Capability.INVITE_COORDINATORS,
    Role.OFFICER: Capability.INVITE_STAFF,
    Role.DEPUTY_OFFICER: Capability.INVITE_STAFF,
    Role.MUNICIPALITY_CONTACT: Capability.INVITE_STAFF,
    # A police zone has several administrators; only an administrator may add another.
    Role.ZONE_ADMIN: Capability.INVITE_STAFF,
}


def held_now_or_later(today):
    """A Q() for the roles held today or starting later (a temporarily removed coordinator's
    resumption): what ending a person's roles must end, and what a new appointment of the same
    person to the same role would duplicate."""
    return held_on(today) | Q(started_on__gt=today)


def already_holds(email, role, **scope):
    """True if the person with `email` holds `role` over the scope (`network=`,
    `municipality=` or `zone=`) today or from a later day: appointing them again would
    duplicate it."""
    return RoleAssignment.objects.filter(
        held_now_or_later(clock.today()), user__email__iexact=email, role=role, **scope
    ).exists()


def last_day_when_ended_now():
    """The last day of a role ended now: yesterday, so that it grants nothing from this moment
    (a role is held through its last day, see staff.models.held_on)."""
    return clock.today() - datetime.timedelta(days=1)


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
    language=None,
):
    """Give the person with `email` a role over a scope and invite them by e-mail.

    `inviter` None means the system (the `invite_admin` command); otherwise the inviter must
    hold the capability for that role over the scope (PermissionDenied if not). For a
    coordinator the police screening is recorded with the inviter as screener. The person is
    created without a password if unknown. Returns (assignment, invitation link or None when
    the person already has a password).

    A person without a language gets `language` (by default the active one: the language the
    inviter works in on the page), if the place's language regime allows it, else the
    regime's first language (see `invitee_language`); the invitation is written in it.

    The appointment ends the person's sessions (a resident's session from a login link among
    them), so that none of them carries on into staff pages: they log in again as staff do.
    Someone who appoints themselves keeps theirs.
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
        if not user.language:
            user.language = invitee_language(language or translation.get_language(), place)
            user.save(update_fields=["language"])
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
        # The invitation leads to the site of the zone the role lies in (one install may serve
        # several zones), also when a command or another zone's page gives the role.
        role_zone = emails.zone_of_role(assignment)
        if not user.has_usable_password():
            with links_to(role_zone):
                invitation, link = create_invitation(
                    user, invited_by=inviter, role_assignment=assignment
                )
        record(
            inviter,
            "staff.invite",
            place=place,
            capability=INVITE_CAPABILITY[role],
            target=assignment,
            subjects=[user],
            details={"role": role.value, "screening": assignment.screening_result},
        )
        roles_changed.send(RoleAssignment, assignments=[assignment])
        if inviter is None or inviter.pk != user.pk:
            end_sessions(user)
        if send and invitation is not None:
            transaction.on_commit(lambda: _send_invitation_from(role_zone, invitation, link))
    forget_scopes(user)
    return assignment, link


def _send_invitation_from(zone, invitation, link):
    with links_to(zone):
        send_invitation(invitation, link)


def invitee_language(language, place):
    """The language to write to someone appointed over `place` (a BIN, municipality or zone)
    from a page in `language`: that language if the place's regime allows it, else the
    regime's first language. A zone allows the languages of its municipalities; a zone without
    any allows every staff language."""
    if place is None:
        allowed = ()
    elif isinstance(place, Zone):
        allowed = place.public_languages
    else:
        allowed = getattr(place, "municipality", place).languages
    if not allowed:
        return language if language in STAFF_LANGUAGES else ""
    return language if language in allowed else allowed[0]


def record_screening(actor, assignment, result, screened_on=None):
    """Record the police screening of a coordinator: its result, its date and who screened.

    A positive result tells the coordinator by e-mail that their role is now open to them
    (once they have confirmed being 18 or older). A negative one is not e-mailed: the police
    tell the person themselves.
    """
    if assignment.role not in COORDINATOR_ROLES:
        raise ValueError("Only coordinators are screened.")
    result = ScreeningResult(result)
    with transaction.atomic():
        was_positive = assignment.screening_result == ScreeningResult.POSITIVE
        assignment.screening_result = result
        if result == ScreeningResult.PENDING:
            assignment.screened_on = assignment.screened_by = None
        else:
            assignment.screened_on = screened_on or clock.today()
            assignment.screened_by = actor
        assignment.save(update_fields=["screening_result", "screened_on", "screened_by"])
        record(
            actor,
            "staff.screening",
            place=assignment.scope,
            capability=INVITE_CAPABILITY[assignment.role],
            target=assignment,
            subjects=[assignment.user_id],
            details={"result": result.value},
        )
        roles_changed.send(RoleAssignment, assignments=[assignment])
        if result == ScreeningResult.POSITIVE and not was_positive:
            transaction.on_commit(lambda: emails.send_screening_positive(assignment))
    forget_scopes(assignment.user)
    return assignment


def _unconfirmed_coordinator_roles(user):
    return RoleAssignment.objects.held_on(clock.today()).filter(
        user=user, role__in=COORDINATOR_ROLES, adult_confirmed_at__isnull=True
    )


def coordinator_roles_to_confirm(user):
    """The coordinator roles the person holds today whose 18-or-older confirmation is still
    missing."""
    return list(_unconfirmed_coordinator_roles(user).select_related("network", "municipality"))


def confirm_adult(user):
    """The coordinator confirms being 18 or older, for every coordinator role they hold today.

    Returns the number of roles confirmed (0 when there was nothing left to confirm).
    """
    with transaction.atomic():
        roles = list(_unconfirmed_coordinator_roles(user).select_for_update())
        now = clock.now()
        for assignment in roles:
            assignment.adult_confirmed_at = now
            assignment.save(update_fields=["adult_confirmed_at"])
            # capacity() finds none until this confirmation: it is the coordinator's own act.
            record(
                user,
                "staff.adult_confirmed",
                role=Kind.COORDINATOR,
                target=assignment,
                subjects=[user],
            )
        if roles:
            roles_changed.send(RoleAssignment, assignments=roles)
    forget_scopes(user)
    return len(roles)


def end_role(actor, assignment, ended_on=None):
    """End a role after its last day `ended_on`; None ends it now: it grants nothing from this
    moment on (its last day is yesterday). The history row stays."""
    ended_on = ended_on or last_day_when_ended_now()
    with transaction.atomic():
        assignment.ended_on = ended_on
        assignment.save(update_fields=["ended_on"])
        record(
            actor,
            "staff.role_end",
            place=assignment.scope,
            capability=INVITE_CAPABILITY[assignment.role],
            target=assignment,
            subjects=[assignment.user_id],
            details={"role": assignment.role, "ended_on": ended_on.isoformat()},
        )
        roles_changed.send(RoleAssignment, assignments=[assignment])
    forget_scopes(assignment.user)
    return assignment
