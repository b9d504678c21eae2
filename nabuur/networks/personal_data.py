"""What networks holds about a person: the measures taken against them as a coordinator."""

from nabuur.privacy.registry import no_personal_data, register

from .models import CoordinatorMeasure


def export_measures(user):
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
        for measure in CoordinatorMeasure.objects.filter(assignment__user=user)
    ]


def erase_measures(user):
    # The audit log keeps that a measure was taken (kind and dates, by id); the reasons go.
    CoordinatorMeasure.objects.filter(assignment__user=user).delete()
    # Measures this person recorded about others stay, without naming who recorded them.
    CoordinatorMeasure.objects.filter(recorded_by=user).update(recorded_by=None)


register("networks.CoordinatorMeasure", export=export_measures, erase=erase_measures)


no_personal_data(
    "networks.Network",
    "the contact the coordinator agreed to publish on the BIN's public page; "
    "the coordinator changes or removes it there",
)
