"""What staff holds about a person: their roles."""

from django.db.models import Q

from nabuur.lib import clock
from nabuur.privacy.registry import keeps_person, register

from .models import RoleAssignment
from .services import held_now_or_later, last_day_when_ended_now


def in_zone(zone, prefix=""):
    """A Q() for the roles whose scope (a BIN, a municipality or the zone) lies in `zone`."""
    return (
        Q(**{f"{prefix}network__municipality__zone": zone})
        | Q(**{f"{prefix}municipality__zone": zone})
        | Q(**{f"{prefix}zone": zone})
    )


def _roles(user, zone):
    rows = user.roles.all()
    return rows if zone is None else rows.filter(in_zone(zone))


def export_roles(user, zone=None):
    return [
        {
            "role": role.role,
            "network": role.network.name if role.network_id else "",
            "municipality": role.municipality.name if role.municipality_id else "",
            "zone": role.zone.name if role.zone_id else "",
            "since": role.started_on.isoformat(),
            "until": role.ended_on.isoformat() if role.ended_on else "",
        }
        for role in _roles(user, zone).select_related("network", "municipality", "zone")
    ]


def erase_roles(user, zone=None):
    # The person's roles end now; the rows stay so a BIN's history keeps its shape.
    _roles(user, zone).filter(held_now_or_later(clock.today())).update(
        ended_on=last_day_when_ended_now()
    )


def hand_over_roles(user, zone, stand_in):
    for field in ("user", "screened_by"):
        rows = RoleAssignment.objects.filter(in_zone(zone), **{field: user})
        if rows.exists():
            rows.update(**{field: stand_in()})


register("staff.RoleAssignment", export=export_roles, erase=erase_roles, hand_over=hand_over_roles)


@keeps_person
def role_elsewhere(user, zone):
    # A zone's erased roles were handed to a stand-in: any role left, even ended, is another
    # zone's record of its staff.
    zone_roles = RoleAssignment.objects.filter(in_zone(zone)).values("pk")
    return RoleAssignment.objects.filter(user=user).exclude(pk__in=zone_roles).exists()
