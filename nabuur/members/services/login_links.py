"""Login links: a resident (who has no password) logs in through a one-hour, single-use link."""

import hashlib
import secrets
from datetime import timedelta

from django.db import transaction

from nabuur.accounts.models import User, normalize_email_address
from nabuur.lib import clock

from .. import emails
from ..models import LoginLink

LOGIN_LINK_LIFETIME = timedelta(hours=1)


def _hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def send_login_link(email):
    """E-mail a one-hour, single-use login link if a resident has this address.

    Staff (who have a password and two factors) log in through the staff login instead, so a
    login link can never open a staff session without the second factor.
    """
    user = User.objects.filter(email=normalize_email_address(email), is_active=True).first()
    if user is None or user.has_usable_password() or not user.memberships.exists():
        return None
    token = secrets.token_urlsafe(32)
    now = clock.now()
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
    """Spend a login link: the user it logs in, or None if unknown, used or expired."""
    with transaction.atomic():
        link = valid_login_link(token, lock=True)
        if link is None:
            return None
        link.used_at = clock.now()
        link.save(update_fields=["used_at"])
        return link.user
