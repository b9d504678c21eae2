"""The coordinator's work on the member list: add by hand, correct details, unsubscribe."""

from django.db import transaction

from nabuur.accounts.models import User, normalize_email_address

from .. import emails
from ..models import ConsentChannel, EndReason, MembershipStatus
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


class EmailTaken(Exception):
    """Another person already uses this e-mail address."""


def edit_member(actor, membership, *, first_name, last_name, email, phone, box):
    """A coordinator corrects a member's details; returns the names of the changed fields."""
    check_may_manage(actor, membership)
    email = normalize_email_address(email)
    with transaction.atomic():
        user = User.objects.select_for_update().get(pk=membership.user_id)
        if email and User.objects.filter(email=email).exclude(pk=user.pk).exists():
            raise EmailTaken
        new_user = {
            "first_name": first_name.strip(),
            "last_name": last_name.strip(),
            "email": email,
            "phone": phone.strip(),
        }
        changed = [name for name, value in new_user.items() if getattr(user, name) != value]
        for name in changed:
            setattr(user, name, new_user[name])
        if changed:
            user.save(update_fields=changed)
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
