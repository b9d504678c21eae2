"""What networks holds about a person: the measures taken against them as a coordinator."""

from django.db.models import Q

from nabuur.privacy.registry import no_personal_data, register

from .models import CoordinatorMeasure

# The zone of a measure is its role's: a BIN's, a municipality's or the zone's own.
ROLE_ZONES = (
    "assignment__network__municipality__zone",
    "assignment__municipality__zone",
    "assignment__zone",
)


def _in_zone(rows, zone):
    if zone is None:
        return rows
    scope = Q()
    for lookup in ROLE_ZONES:
        scope |= Q(**{lookup: zone})
    return rows.filter(scope)


def export_measures(user, zone=None):
    return [
        {
            "measure": measure.kind,
            "decided_on": measure.decided_on.isoformat(),
            "decided_by": measure.decided_by,
            "reasons": measure.reasons,
            "removed_until": measure.removed_until.isoformat() if measure.removed_until else "",
            "appeal_deadline": (
                measure.appeal_deadline.isoformat() if measure.appeal_deadline else ""
            ),
        }
        for measure in _in_zone(CoordinatorMeasure.objects.filter(assignment__user=user), zone)
    ]


def erase_measures(user, zone=None):
    # The audit log keeps that a measure was taken (kind and dates, by id); the reasons go.
    _in_zone(CoordinatorMeasure.objects.filter(assignment__user=user), zone).delete()
    # Measures this person recorded about others stay, without naming who recorded them.
    _in_zone(CoordinatorMeasure.objects.filter(recorded_by=user), zone).update(recorded_by=None)


register("networks.CoordinatorMeasure", export=export_measures, erase=erase_measures)


no_personal_data(
    "networks.Network",
    "the contact the coordinator agreed to publish on the BIN's public page; "
    "the coordinator changes or removes it there",
)
