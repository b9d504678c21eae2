"""Staff pages (/<lang>/staff/…): anonymous visitors log in first."""

from nabuur.staff.models import Role
from nabuur.staff.permissions import Capability as C
from tests import factories


def _zone(ctx):
    return {"slug": ctx.zone.slug}


def _municipality_role(role):
    def kwargs(ctx):
        assignment = factories.RoleFactory(role=role, network=None, municipality=ctx.municipality)
        return {"slug": ctx.zone.slug, "pk": assignment.pk}

    return kwargs


ENTRIES = {
    "staff:dashboard": {"capability": "staff", "object": None, "kwargs": {}},
    # Each person confirms their own coordinator roles; the page says so when there are none.
    "staff:confirm_role": {"capability": "staff", "object": None, "kwargs": {}},
    "staff:zone_staff": {"capability": C.INVITE_STAFF, "object": "zone", "kwargs": _zone},
    "staff:zone_settings": {"capability": C.MANAGE_ZONE, "object": "zone", "kwargs": _zone},
    "staff:zone_theme": {"capability": C.MANAGE_ZONE, "object": "zone", "kwargs": _zone},
    "staff:zone_role_end": {
        "capability": C.INVITE_STAFF,
        "object": "zone",
        "kwargs": _municipality_role(Role.MUNICIPALITY_CONTACT),
    },
    "staff:zone_role_screening": {
        "capability": C.INVITE_STAFF,
        "object": "zone",
        "kwargs": _municipality_role(Role.GENERAL_COORDINATOR),
    },
}
