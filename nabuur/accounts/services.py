"""Account verbs: invitations, second-factor rules and the demo exemption."""

import datetime
import hashlib
import secrets

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.db import transaction

from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.lib.mail import absolute_url, recipient_language, send_email

from .models import DemoMfaExemption, Invitation, normalize_email_address


def has_second_factor(user):
    """True if the person has enrolled an authenticator app or a security key/passkey."""
    return Authenticator.objects.filter(
        user=user, type__in=[Authenticator.Type.TOTP, Authenticator.Type.WEBAUTHN]
    ).exists()


def exempt_from_mfa_in_demo(user):
    """True if this person may skip the second factor: demo sites only, listed personas only.

    Never true outside NABUUR_ENV=demo, whatever the table holds.
    """
    if settings.NABUUR_ENV != "demo" or not user.email:
        return False
    return DemoMfaExemption.objects.filter(email=normalize_email_address(user.email)).exists()


def allow_demo_persona_without_mfa(email):
    """Let a demo persona skip the second factor (for `nabuur demo`); refused outside demo."""
    if settings.NABUUR_ENV != "demo":
        raise RuntimeError("Second-factor exemptions exist only on demo sites.")
    DemoMfaExemption.objects.get_or_create(email=normalize_email_address(email))


def _token_hash(token):
    return hashlib.sha256(token.encode()).hexdigest()


def create_invitation(user, *, invited_by=None, role_assignment=None):
    """Make a single-use invitation for `user`; return (invitation, absolute link)."""
    token = secrets.token_urlsafe(32)
    now = clock.now()
    invitation = Invitation.objects.create(
        user=user,
        invited_by=invited_by,
        role_assignment=role_assignment,
        token_hash=_token_hash(token),
        created_at=now,
        expires_at=now + datetime.timedelta(hours=settings.NABUUR_INVITATION_HOURS),
    )
    link = absolute_url(recipient_language(user, staff=True), "account_invitation", token)
    return invitation, link


def send_invitation(invitation, link):
    """E-mail the invitation link to the invitee, in their language."""
    user = invitation.user
    context = {"user": user, "url": link, "hours": settings.NABUUR_INVITATION_HOURS}
    send_email("accounts/invitation", user.email, recipient_language(user, staff=True), context)


def find_invitation(token):
    """The open invitation for this token, or None if unknown, used or expired."""
    invitation = (
        Invitation.objects.select_related("user")
        .filter(token_hash=_token_hash(token), used_at__isnull=True, expires_at__gt=clock.now())
        .first()
    )
    if invitation is None or not invitation.user.is_active:
        return None
    return invitation


def accept_invitation(invitation, password):
    """Set the invitee's password and spend the invitation; the address is thereby verified."""
    with transaction.atomic():
        # Locked and re-checked so that two clicks cannot both use the link.
        spent = Invitation.objects.filter(pk=invitation.pk, used_at__isnull=True).update(
            used_at=clock.now()
        )
        if not spent:
            return False
        user = invitation.user
        user.set_password(password)
        user.save(update_fields=["password"])
        EmailAddress.objects.update_or_create(
            user=user, email=user.email, defaults={"verified": True, "primary": True}
        )
        record(user, "accounts.invitation_accepted", target=invitation, subjects=[user])
    return True
