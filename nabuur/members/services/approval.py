"""A coordinator approves or declines a confirmed sign-up in a BIN that requires approval."""

from django.db import transaction

from nabuur.lib import clock

from .. import emails
from ..models import EndReason, Membership, MembershipStatus
from .common import check_may_manage, record_member_action


def _locked_request(membership):
    return (
        Membership.objects.select_for_update(of=("self",))
        .select_related("user", "network__municipality")
        .get(pk=membership.pk)
    )


def approve_membership(actor, membership):
    """A coordinator accepts a confirmed, pending membership. Idempotent: True if it changed.

    Two coordinators pressing at once: the row lock lets one through; the other finds it done.
    Raises PermissionDenied when `actor` may not manage the BIN's members.
    """
    check_may_manage(actor, membership)
    with transaction.atomic():
        membership = _locked_request(membership)
        if membership.status != MembershipStatus.PENDING or membership.confirmed_at is None:
            return False
        now = clock.now()
        membership.status = MembershipStatus.ACTIVE
        membership.approved_at = now
        membership.status_changed_at = now
        membership.save(update_fields=["status", "approved_at", "status_changed_at"])
        record_member_action(actor, "members.approve", membership)
        emails.send_welcome(membership)
    return True


def decline_membership(actor, membership, reason=""):
    """A coordinator refuses a pending membership. Idempotent: True if it changed.

    The person (if they have an e-mail address) is told by e-mail, with `reason` when one is
    given; the reason is kept on the membership (end_note), and the audit entry says only
    whether there was one. Raises PermissionDenied when `actor` may not manage the BIN's
    members.
    """
    check_may_manage(actor, membership)
    with transaction.atomic():
        membership = _locked_request(membership)
        if membership.status != MembershipStatus.PENDING:
            return False
        now = clock.now()
        membership.status = MembershipStatus.LEFT
        membership.end_reason = EndReason.DECLINED
        membership.left_at = now
        membership.status_changed_at = now
        reason = reason.strip()
        membership.end_note = reason
        membership.save(
            update_fields=["status", "end_reason", "left_at", "status_changed_at", "end_note"]
        )
        record_member_action(actor, "members.decline", membership, {"with_note": bool(reason)})
        if membership.user.email:
            emails.send_declined(membership, reason)
    return True
