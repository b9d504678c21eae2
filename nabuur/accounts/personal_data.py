"""What accounts holds about a person: the person row itself, the staff login address and
second factors (django-allauth), invitations.

The person row, the login address and the second factors serve every zone at once: they go only
when no zone holds the person any more. An invitation belongs to the zone of its role.
"""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import make_password
from django.db.models import Q

from nabuur.privacy.registry import (
    ERASED_NAME,
    delete_rows,
    no_personal_data,
    register,
    rows_of,
)

from .models import Invitation


def export_user(user, zone=None):
    return [
        {
            "id": user.pk,
            "email": user.email or "",
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "language": user.language,
            "language_requested_on": (
                user.language_requested_on.isoformat() if user.language_requested_on else ""
            ),
            "created": user.date_joined.isoformat(),
            "last_login": user.last_login.isoformat() if user.last_login else "",
        }
    ]


def erase_user(user, zone=None):
    user.email = None
    user.first_name = ERASED_NAME
    user.last_name = ERASED_NAME
    user.phone = ""
    user.language = ""
    user.language_requested_on = None
    user.is_active = False
    user.password = make_password(None)
    user.last_login = None
    user.save(
        update_fields=[
            "email",
            "first_name",
            "last_name",
            "phone",
            "language",
            "language_requested_on",
            "is_active",
            "password",
            "last_login",
        ]
    )


register("accounts.User", export=export_user, erase=erase_user, install_wide=True)

for model, fields in (
    (EmailAddress, ["email", "verified", "primary"]),
    (Authenticator, ["type", "created_at", "last_used_at"]),
):
    register(
        model._meta.label,
        export=rows_of(model, "user", fields),
        erase=delete_rows(model, "user"),
        install_wide=True,
    )

# The zone of an invitation is its role's (a BIN's, a municipality's or the zone's own).
INVITATION_ZONES = (
    "role_assignment__network__municipality__zone",
    "role_assignment__municipality__zone",
    "role_assignment__zone",
)


def _invitations(user, zone):
    rows = Invitation.objects.filter(user=user)
    if zone is None:
        return rows
    return rows.filter(pk__in=_invitations_in(zone))


def _invitations_in(zone):
    scope = Q()
    for lookup in INVITATION_ZONES:
        scope |= Q(**{lookup: zone})
    return Invitation.objects.filter(scope).values("pk")


def export_invitations(user, zone=None):
    return [
        {key: value.isoformat() if value else "" for key, value in row.items()}
        for row in _invitations(user, zone)
        .order_by("pk")
        .values("created_at", "expires_at", "used_at")
    ]


def erase_invitations(user, zone=None):
    _invitations(user, zone).delete()


def hand_over_invitations(user, zone, stand_in):
    rows = Invitation.objects.filter(invited_by=user, pk__in=_invitations_in(zone))
    if rows.exists():
        rows.update(invited_by=stand_in())


register(
    "accounts.Invitation",
    export=export_invitations,
    erase=erase_invitations,
    hand_over=hand_over_invitations,
)

no_personal_data(
    "accounts.DemoMfaExemption",
    "addresses of the fictional demo staff accounts; demo data is refused in production",
)
