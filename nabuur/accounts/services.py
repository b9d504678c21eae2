"""Account verbs: invitations, second-factor rules, the demo exemption and the login address."""

import datetime
import hashlib
import secrets
from dataclasses import dataclass

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.conf import settings
from django.core import signing
from django.db import transaction
from django.dispatch import Signal

from nabuur.audit.models import AuditEntry
from nabuur.audit.services import record
from nabuur.lib import clock
from nabuur.lib.mail import absolute_url, recipient_language, send_email
from nabuur.staff import auditing
from nabuur.staff.permissions import Kind

from . import emails
from .models import DemoMfaExemption, Invitation, User, normalize_email_address
from .sessions import end_sessions


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
        auditing.record(
            user,
            "accounts.invitation_accepted",
            target=invitation,
            subjects=[user],
            zone=auditing.zone_of(invitation.role_assignment),
        )
    return True


# --- The login address --------------------------------------------------------------------------

# How long the old address may undo a change of the login address.
EMAIL_UNDO_DAYS = 7
_UNDO_SALT = "nabuur.accounts.email_undo"

# Sent inside change_login_email's transaction with `user`, `old_email`, `new_email`: apps above
# accounts drop what the old address could still open (members: unused login links).
email_changed = Signal()


class EmailTaken(Exception):
    """Another account already uses this e-mail address."""


def email_in_use(email, *, other_than=None):
    """True if an account other than `other_than` uses `email`: as its login address, or as an
    address on its e-mail page (allauth's rows, which log in and reset passwords too)."""
    email = normalize_email_address(email)
    if email is None:
        return False
    users = User.objects.filter(email=email)
    rows = EmailAddress.objects.filter(email__iexact=email)
    if other_than is not None:
        users = users.exclude(pk=other_than.pk)
        rows = rows.exclude(user_id=other_than.pk)
    return users.exists() or rows.exists()


def keep_login_email_primary(user):
    """Make the row of the person's login address their one primary row (allauth's e-mail page
    made an unverified, non-primary copy of it, and would let a confirmed address take the
    empty primary place, and with it the login, outside change_login_email)."""
    if not user.email:
        return
    with transaction.atomic():
        _mark_primary(user, user.email, verified=False)


def _mark_primary(user, email, *, verified):
    EmailAddress.objects.filter(user=user, primary=True).exclude(email__iexact=email).update(
        primary=False
    )
    row = EmailAddress.objects.filter(user=user, email__iexact=email).first()
    if row is None:
        EmailAddress.objects.create(user=user, email=email, primary=True, verified=verified)
    elif not row.primary or (verified and not row.verified):
        row.primary = True
        row.verified = row.verified or verified
        row.save(update_fields=["primary", "verified"])


def change_login_email(
    user,
    new_email,
    *,
    actor,
    role=None,
    place=None,
    capability=None,
    verified=False,
    undoable=True,
    language=None,
    zone=None,
):
    """Make `new_email` the address `user` logs in with (empty: none, the person gets letters).

    The one way a login address changes. The address is normalised and must be free
    (EmailTaken otherwise); allauth's rows follow (the new address the one primary row,
    `verified` if the person proved they read it; the old address's row goes, since it would
    still log in and reset the password); an undeliverable mark ends with the address. The audit
    entry names `actor` in the capacity that `role`, or `place` and `capability`, give. The old
    address is told in `language` (default: the person's own), with a link that gives it back
    within EMAIL_UNDO_DAYS days unless `undoable` is False. The e-mail leaves inside the
    transaction: if it cannot, nothing changes (the caller gets OSError or SMTPException).
    Returns True if the address changed; `user` then holds the new one.
    """
    new_email = normalize_email_address(new_email)
    with transaction.atomic():
        old_email = User.objects.select_for_update().values_list("email", flat=True).get(pk=user.pk)
        if new_email == old_email:
            return False
        if email_in_use(new_email, other_than=user):
            raise EmailTaken
        if old_email:
            EmailAddress.objects.filter(user=user, email__iexact=old_email).delete()
        if new_email:
            _mark_primary(user, new_email, verified=verified)
        user.email = new_email
        user.email_undeliverable_at = None
        user.save(update_fields=["email", "email_undeliverable_at"])
        auditing.record(
            actor,
            "accounts.email_changed",
            role=role,
            place=place,
            capability=capability,
            target=user,
            subjects=[user],
            details={"old_told": bool(old_email), "undoable": bool(old_email and undoable)},
        )
        email_changed.send(sender=User, user=user, old_email=old_email, new_email=new_email)
        if old_email:
            language = language or recipient_language(user)
            url = None
            if undoable:
                url = absolute_url(language, "account_email_undo", _undo_token(user, old_email))
            emails.send_email_changed(
                user, old_email, url, EMAIL_UNDO_DAYS, language=language, zone=zone
            )
    return True


def _micros(moment):
    return int(moment.timestamp()) * 1_000_000 + moment.microsecond


def _undo_token(user, old_email):
    # Signed, not stored: it names the person, the address to give back and when it was sent.
    payload = {"user": user.pk, "email": old_email, "sent": _micros(clock.now())}
    return signing.dumps(payload, salt=_UNDO_SALT, compress=True)


@dataclass
class EmailUndo:
    user: User
    email: str
    sent_at: datetime.datetime
    sent: int


def find_email_undo(token, *, lock=False):
    """The change that this undo link may still undo, or None.

    A link works for EMAIL_UNDO_DAYS days while the person's address is another one, and until
    a link sent at or before it was used since it was sent: after a chain of changes, the
    oldest address's link wins, and a link works once.
    """
    try:
        payload = signing.loads(token, salt=_UNDO_SALT)
        user_id, email, sent = int(payload["user"]), str(payload["email"]), int(payload["sent"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None
    seconds, microseconds = divmod(sent, 1_000_000)
    sent_at = datetime.datetime.fromtimestamp(seconds, tz=datetime.UTC).replace(
        microsecond=microseconds
    )
    if clock.now() > sent_at + datetime.timedelta(days=EMAIL_UNDO_DAYS):
        return None
    people = User.objects.filter(pk=user_id, is_active=True)
    user = (people.select_for_update() if lock else people).first()
    if user is None or user.email == email:
        return None
    restores = AuditEntry.objects.filter(
        action="accounts.email_restored",
        object_type=User._meta.label_lower,
        object_id=str(user_id),
        created_at__gte=sent_at,
    ).values_list("details", flat=True)
    if any(details.get("sent", sent + 1) <= sent for details in restores):
        return None
    return EmailUndo(user=user, email=email, sent_at=sent_at, sent=sent)


def undo_email_change(token):
    """Give the person back the address the undo link was sent to; return them, or None if the
    link no longer works. Raises EmailTaken if another account took the address meanwhile.

    Every session of the person ends; the address that loses the login is told, without a link
    of its own.
    """
    with transaction.atomic():
        undo = find_email_undo(token, lock=True)
        if undo is None:
            return None
        user = undo.user
        change_login_email(
            user, undo.email, actor=None, role=Kind.MEMBER, verified=True, undoable=False
        )
        # Whoever used the other address may be logged in as the person.
        end_sessions(user)
        record(
            None,
            "accounts.email_restored",
            role=Kind.MEMBER,
            target=user,
            subjects=[user],
            details={"sent": undo.sent},
        )
    return user
