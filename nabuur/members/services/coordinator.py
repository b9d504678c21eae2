"""The coordinator's work on the member list: add by hand, correct details, unsubscribe."""

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from nabuur.accounts.models import User, normalize_email_address
from nabuur.accounts.services import EmailTaken as EmailTaken  # services/__init__ exports it
from nabuur.accounts.services import change_login_email
from nabuur.lib import clock
from nabuur.lib.mail import recipient_language
from nabuur.networks.models import Network
from nabuur.staff.models import RoleAssignment
from nabuur.staff.permissions import Capability, can
from nabuur.staff.services import held_now_or_later

from .. import emails
from ..models import CURRENT_STATUSES, ConsentChannel, EndReason, MembershipStatus
from .common import check_may_manage, notify, record_member_action
from .join import create_membership, current_documents
from .self_service import leave_membership


def add_member_by_hand(
    actor,
    network,
    *,
    channel=ConsentChannel.PAPER,
    source_note="",
    send_after_commit=False,
    **person,
):
    """A coordinator adds a member from a paper form or a phone call; active at once.

    `person` holds the address and details that `create_membership` takes (street,
    house_number, postcode, first_name, last_name, an e-mail address or none, …). The consent
    source (`channel` and e.g. "paper form signed on 3 May") is recorded with the zone's
    current documents. Without an e-mail address the member gets letters by post; with one,
    they are welcomed by e-mail (after the outermost transaction commits with
    `send_after_commit`, as for request_membership). Raises PermissionDenied, MembershipExists
    or PersonBlocked.
    """
    check_may_manage(actor, membership=None, network=network)
    with transaction.atomic():
        membership = create_membership(
            network,
            status=MembershipStatus.ACTIVE,
            documents=current_documents(network.municipality.zone),
            channel=channel,
            source_note=source_note,
            **person,
        )
        record_member_action(actor, "members.add_by_hand", membership, {"channel": channel})
        if membership.user.email:
            notify(emails.send_welcome, membership, after_commit=send_after_commit)
    return membership


ROLE_LOCK = _(
    "This address cannot be changed here: the person logs in with it to help run Nabuur. They "
    "change it themselves, on their account page."
)
SCOPE_LOCK = _(
    "This address cannot be changed here: the person is also a member of a network that you do "
    "not manage."
)


class EmailLocked(Exception):
    """The coordinator may not change this person's login address; str() says why."""


def email_lock(actor, user):
    """Why `actor` may not change the login address of `user` (a translated sentence), or None.

    The address opens the person's whole account: a password reset for someone with a role,
    and every BIN's self-service for a member. So staff correct it only for a person without
    any role (held now or starting later), and only if they manage every BIN where that person
    is a member now.
    """
    roles = RoleAssignment.objects.filter(held_now_or_later(clock.today()), user=user)
    if user.is_staff or user.is_superuser or roles.exists():
        return ROLE_LOCK
    networks = Network.objects.filter(
        memberships__user=user, memberships__status__in=CURRENT_STATUSES
    ).select_related("municipality")
    if not all(can(actor, Capability.MANAGE_MEMBERS, network) for network in networks):
        return SCOPE_LOCK
    return None


def edit_member(actor, membership, *, first_name, last_name, email, phone, box):
    """A coordinator corrects a member's details; returns the names of the changed fields.

    A new e-mail address goes through accounts.services.change_login_email (free, audited,
    the old address told with a link to undo), and only where `email_lock` allows it: raises
    EmailLocked or EmailTaken, and OSError or SMTPException when the old address cannot be
    told; then nothing changes.
    """
    check_may_manage(actor, membership)
    email = normalize_email_address(email)
    network = membership.network
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        new_user = {
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "email": email,
            "phone": phone.strip(),
        }
        changed = [name for name, value in new_user.items() if getattr(user, name) != value]
        if "email" in changed:
            reason = email_lock(actor, user)
            if reason is not None:
                raise EmailLocked(str(reason))
            change_login_email(
                user,
                email,
                actor=actor,
                place=membership,
                capability=Capability.MANAGE_MEMBERS,
                language=recipient_language(user, network),
                zone=network.municipality.zone,
            )
        others = [name for name in changed if name != "email"]
        for name in others:
            setattr(user, name, new_user[name])
        if others:
            user.save(update_fields=others)
        if membership.box != box.strip():
            membership.box = box.strip()
            membership.save(update_fields=["box"])
            changed.append("box")
        if changed:
            record_member_action(actor, "members.edit", membership, {"fields": changed})
    return changed


def unsubscribe_on_request(actor, membership, reason):
    """End a membership because the member asked a coordinator (e.g. "asked by phone").

    The reason is kept on the membership (end_note); the audit entry says only whether there
    was one.
    """
    check_may_manage(actor, membership)
    with transaction.atomic():
        changed = leave_membership(membership, reason=EndReason.LEFT)
        if changed:
            membership.end_note = reason.strip()
            membership.save(update_fields=["end_note"])
            record_member_action(
                actor, "members.unsubscribe", membership, {"with_note": bool(membership.end_note)}
            )
    return changed
