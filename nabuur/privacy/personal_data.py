"""Models that no app of Nabuur owns: Django's sessions.

Every app registers its own models in its own personal_data.py.
"""

from django.apps import apps

from .registry import no_personal_data, register

no_personal_data("sessions.Session", "expires after 30 minutes; logging out deletes it")


# Until messaging registers these in its own personal_data.py (issue 19: each app its own).
def _export_messages(user):
    rows = apps.get_model("messaging.Message").objects.filter(author=user).order_by("pk")
    return [
        {"kind": kind, "created_at": created.isoformat(), "sent_at": sent and sent.isoformat()}
        for kind, created, sent in rows.values_list("kind", "created_at", "sent_at")
    ]


def _export_deliveries(user):
    rows = apps.get_model("messaging.Delivery").objects.filter(user=user).order_by("pk")
    return [
        {"email": email, "state": state, "sent_at": sent and sent.isoformat()}
        for email, state, sent in rows.values_list("email", "state", "sent_at")
    ]


def _erase_deliveries(user):
    # Delivery rows stay for the delivery counts; the address they went to does not.
    apps.get_model("messaging.Delivery").objects.filter(user=user).update(email="")


# Messages stay in the BIN's message log; the author is the anonymised person row.
register("messaging.Message", export=_export_messages, erase=lambda user: None)
register("messaging.Delivery", export=_export_deliveries, erase=_erase_deliveries)
