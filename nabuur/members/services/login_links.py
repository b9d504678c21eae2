"""Login links: a resident (who has no password) logs in through a one-hour, single-use link."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from nabuur.accounts.models import User, normalize_email_address
from nabuur.lib import clock
from nabuur.staff.services import held_now_or_later

from .. import emails
from ..models import LoginLink

LOGIN_LINK_LIFETIME = timedelta(hours=1)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


class LoginLinkRefused(Exception):
    """The link's person holds a role (or has a password): they log in as staff do."""


def logs_in_by_link(user):
    """True if `user` may log in with a login link: an active member without a password who
    holds no role today or from a later day.

    Staff log in with their password and second factor: a link must never open a session
    that staff pages would have to trust. Asked when a link is sent and again when it is used,
    as a role may be given in between.
    """
    return (
        user.is_active
        and not user.has_usable_password()
        and user.memberships.exists()
        and not user.roles.filter(held_now_or_later(clock.today())).exists()
    )


def send_login_link(email):
    """E-mail a one-hour, single-use login link if a resident has this address.

    Runs in the worker (members.tasks), so the visitor's answer never depends on whether the
    address is known or on the mail relay.
    """
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is None or not logs_in_by_link(user):
        return None
    token = secrets.token_urlsafe(32)
    now = clock.now()
    # A link whose e-mail could not be sent is no link: the worker tries again with a new one.
    with transaction.atomic():
        link = LoginLink.objects.create(
            user=user,
            token_hash=_hash_token(token),
            created_at=now,
            expires_at=now + LOGIN_LINK_LIFETIME,
        )
        emails.send_login_link(user, token)
    return link


def valid_login_link(token, *, lock=False):
    queryset = LoginLink.objects.select_related("user")
    if lock:
        queryset = queryset.select_for_update(of=("self",))
    link = queryset.filter(token_hash=_hash_token(token)).first()
    if link is None or link.used_at is not None or link.expires_at <= clock.now():
        return None
    if not link.user.is_active:
        return None
    return link


def use_login_link(token):
    """Spend a login link: the user it logs in, or None if unknown, used or expired.

    Raises LoginLinkRefused, and leaves the link as it was, when its person may not log in by
    link (any more): they hold a role, or chose a password.
    """
    with transaction.atomic():
        link = valid_login_link(token, lock=True)
        if link is None:
            return None
        if not logs_in_by_link(link.user):
            raise LoginLinkRefused
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
        return link.user
