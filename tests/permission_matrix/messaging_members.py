"""The member's archive of the messages they received (/<lang>/me/messages/): own data."""

from .messaging import delivery_for

OWN = {"capability": "own_data", "object": None, "kwargs": {}, "login": "members:login"}


def _own_delivery(ctx):
    membership = ctx.own_membership()
    return {"delivery_id": delivery_for(membership.user, membership.network).pk}


ENTRIES = {
    "messaging_members:archive": OWN,
    "messaging_members:message": {**OWN, "kwargs": _own_delivery},
}
