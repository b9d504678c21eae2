"""The person row itself, and models of Django and of apps that do not register their own yet.

An app that owns one of the models below should move its entry into its own personal_data.py.
"""

from django.apps import apps
from django.contrib.auth.hashers import make_password

from nabuur.lib import clock

from .registry import ERASED_NAME, no_personal_data, register


def export_user(user):
    return [
        {
            "id": user.pk,
            "email": user.email or "",
            "first_name": user.first_name,
            "last_name": user.last_name,
            "phone": user.phone,
            "language": user.language,
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
            "is_active",
            "password",
            "last_login",
        ]
    )


register("accounts.User", export=export_user, erase=erase_user)


def export_roles(user):
    return [
        {
            "role": role.role,
            "network": role.network.name if role.network_id else "",
            "municipality": role.municipality.name if role.municipality_id else "",
            "zone": role.zone.name if role.zone_id else "",
            "since": role.started_on.isoformat(),
            "until": role.ended_on.isoformat() if role.ended_on else "",
        }
        for role in user.roles.select_related("network", "municipality", "zone")
    ]


def erase_roles(user):
    # A role held until now ends today; the rows stay so a BIN's history keeps its shape.
    user.roles.filter(ended_on__isnull=True).update(ended_on=clock.today())


register("staff.RoleAssignment", export=export_roles, erase=erase_roles)


no_personal_data(
    "zones.Zone", "the zone's and its controller's organisational contact details, not a person"
)
no_personal_data(
    "networks.Network",
    "the contact the coordinator agreed to publish on the BIN's public page; "
    "the coordinator changes or removes it there",
)
no_personal_data(
    "mailbox.MailboxMessage", "the demo mailbox, refused in production (NABUUR_EMAIL_URL)"
)
no_personal_data("sessions.Session", "expires after 30 minutes; logging out deletes it")


def _rows(label, user_field, fields):
    """A simple exporter: the listed fields of `label`'s rows whose `user_field` is the person."""

    def export(user):
        model = apps.get_model(label)
        rows = model.objects.filter(**{user_field: user}).order_by("pk").values(*fields)
        return [{key: _plain(value) for key, value in row.items()} for row in rows]

    return export


def _plain(value):
    return value.isoformat() if hasattr(value, "isoformat") else value


def _delete(label, user_field):
    def erase(user):
        apps.get_model(label).objects.filter(**{user_field: user}).delete()

    return erase


def _installed(label):
    # These apps land independently; register only what this installation has.
    try:
        apps.get_model(label)
    except LookupError:
        return False
    return True


# django-allauth keeps the staff login address and second factors.
for label, fields in (
    ("account.EmailAddress", ["email", "verified", "primary"]),
    ("mfa.Authenticator", ["type", "created_at", "last_used_at"]),
    ("accounts.Invitation", ["created_at", "expires_at", "used_at"]),
):
    if _installed(label):
        register(label, export=_rows(label, "user", fields), erase=_delete(label, "user"))
if _installed("accounts.DemoMfaExemption"):
    no_personal_data(
        "accounts.DemoMfaExemption",
        "addresses of the fictional demo staff accounts; demo data is refused in production",
    )
no_personal_data(
    "zones.Street", "reference data about public roads (max_house_number is not a person's)"
)

if _installed("messaging.Message"):
    # Messages stay in the BIN's message log; the author is the anonymised person row.
    register(
        "messaging.Message",
        export=_rows("messaging.Message", "author", ["kind", "created_at", "sent_at"]),
        erase=lambda user: None,
    )

    def erase_deliveries(user):
        # Delivery rows stay for the delivery counts; the address they went to does not.
        apps.get_model("messaging.Delivery").objects.filter(user=user).update(email="")

    register(
        "messaging.Delivery",
        export=_rows("messaging.Delivery", "user", ["email", "state", "sent_at"]),
        erase=erase_deliveries,
    )
