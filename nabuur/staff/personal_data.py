"""What staff holds about a person: their roles."""

from nabuur.lib import clock
from nabuur.privacy.registry import register

from .services import held_now_or_later, last_day_when_ended_now


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
    # The person's roles end now; the rows stay so a BIN's history keeps its shape.
    user.roles.filter(held_now_or_later(clock.today())).update(ended_on=last_day_when_ended_now())


register("staff.RoleAssignment", export=export_roles, erase=erase_roles)
