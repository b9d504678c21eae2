"""What accounts holds about a person: the person row itself, the staff login address and
second factors (django-allauth), invitations."""

from allauth.account.models import EmailAddress
from allauth.mfa.models import Authenticator
from django.contrib.auth.hashers import make_password

from nabuur.privacy.registry import ERASED_NAME, delete_rows, no_personal_data, register, rows_of

from .models import Invitation


def export_user(user):
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


def erase_user(user):
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


register("accounts.User", export=export_user, erase=erase_user)

for model, fields in (
    (EmailAddress, ["email", "verified", "primary"]),
    (Authenticator, ["type", "created_at", "last_used_at"]),
    (Invitation, ["created_at", "expires_at", "used_at"]),
):
    register(
        model._meta.label, export=rows_of(model, "user", fields), erase=delete_rows(model, "user")
    )

no_personal_data(
    "accounts.DemoMfaExemption",
    "addresses of the fictional demo staff accounts; demo data is refused in production",
)
