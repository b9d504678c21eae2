"""Models that no app of Nabuur owns: Django's sessions.

Every app registers its own models in its own personal_data.py.
"""

from django.apps import apps

from .registry import in_zone, move_rows, no_personal_data, register

no_personal_data("sessions.Session", "expires after 30 minutes; logging out deletes it")


# Until messaging registers these in its own personal_data.py (issue 19: each app its own).
# A message lies in the zone of the BINs it was written for.
MESSAGE_ZONE = "targets__municipality__zone"
DELIVERY_ZONE = f"message__{MESSAGE_ZONE}"


def _export_messages(user, zone=None):
    rows = apps.get_model("messaging.Message").objects.filter(author=user)
    rows = in_zone(rows, MESSAGE_ZONE, zone).order_by("pk")
    return [
        {"kind": kind, "created_at": created.isoformat(), "sent_at": sent and sent.isoformat()}
        for kind, created, sent in rows.values_list("kind", "created_at", "sent_at")
    ]


def _export_deliveries(user, zone=None):
    rows = apps.get_model("messaging.Delivery").objects.filter(user=user)
    rows = in_zone(rows, DELIVERY_ZONE, zone).order_by("pk")
    return [
        {"email": email, "state": state, "sent_at": sent and sent.isoformat()}
        for email, state, sent in rows.values_list("email", "state", "sent_at")
    ]


def _erase_deliveries(user, zone=None):
    # Delivery rows stay for the delivery counts; the address they went to does not.
    rows = apps.get_model("messaging.Delivery").objects.filter(user=user)
    in_zone(rows, DELIVERY_ZONE, zone).update(email="")


def _hand_over(label, lookup, field):
    # The model is looked up late: this module is read before messaging's models are ready.
    def hand_over(user, zone, stand_in):
        move_rows(apps.get_model(label), lookup, field)(user, zone, stand_in)

    return hand_over


# Messages stay in the BIN's message log; the author is the anonymised person row.
register(
    "messaging.Message",
    export=_export_messages,
    erase=lambda user, zone=None: None,
    hand_over=_hand_over("messaging.Message", MESSAGE_ZONE, "author"),
)
register(
    "messaging.Delivery",
    export=_export_deliveries,
    erase=_erase_deliveries,
    hand_over=_hand_over("messaging.Delivery", DELIVERY_ZONE, "user"),
)
