"""What the charter and the evaluation keep about a person.

Charter versions freeze the partners' names and contacts (the signed document must keep saying
who signed up to what); erasure replaces them with the erased name. Survey answers hold nothing
about who answered; invitations only whether someone was asked and answered.
"""

from nabuur.privacy.registry import ERASED_NAME, move_rows, no_personal_data, register

from .models import CharterSignature, CharterVersion, EvaluationSignature, SurveyInvitation

ZONE = "network__municipality__zone"


def _charters_naming(user, zone=None):
    charters = CharterVersion.objects.order_by("pk")
    if zone is not None:
        charters = charters.filter(**{ZONE: zone})
    return [
        charter
        for charter in charters
        if any(contact["user"] == user.pk for contact in charter.contacts)
        or charter.created_by_id == user.pk
    ]


def _export_charters(user, zone=None):
    rows = []
    for charter in _charters_naming(user, zone):
        mine = [c for c in charter.contacts if c["user"] == user.pk]
        rows.append(
            {
                "network": charter.network_id,
                "version": charter.version,
                "contacts": mine,
                "created_by_you": charter.created_by_id == user.pk,
            }
        )
    return rows


def _erase_charters(user, zone=None):
    anonymous = {"name": ERASED_NAME, "email": "", "phone": ""}
    for charter in _charters_naming(user, zone):
        contacts = [{**c, **anonymous} if c["user"] == user.pk else c for c in charter.contacts]
        if contacts != charter.contacts:
            charter.contacts = contacts
            charter.save(update_fields=["contacts"])


def _export_signatures(model, parent):
    def export(user, zone=None):
        rows = model.objects.filter(user=user)
        if zone is not None:
            rows = rows.filter(**{f"{parent}__{ZONE}": zone})
        return [
            {
                parent: getattr(row, f"{parent}_id"),
                "party": row.party,
                "at": row.signed_at.isoformat(),
            }
            for row in rows.order_by("pk")
        ]

    return export


def _invitations(user, zone):
    rows = SurveyInvitation.objects.filter(user=user)
    return rows if zone is None else rows.filter(**{f"evaluation__{ZONE}": zone})


def _export_invitations(user, zone=None):
    return [
        {"evaluation": row.evaluation_id, "answered": row.answered}
        for row in _invitations(user, zone).order_by("pk")
    ]


def _erase_invitations(user, zone=None):
    # The count of people asked stays on the evaluation; the row only stopped double answers.
    _invitations(user, zone).delete()


def _keep(user, zone=None):
    return None


def _hand_over_charters(user, zone, stand_in):
    # The frozen contacts name the person by id too: the zone's copy names the stand-in.
    for charter in _charters_naming(user, zone):
        contacts = [
            {**c, "user": stand_in().pk} if c["user"] == user.pk else c for c in charter.contacts
        ]
        if contacts != charter.contacts:
            charter.contacts = contacts
            charter.save(update_fields=["contacts"])
    move_rows(CharterVersion, ZONE, "created_by")(user, zone, stand_in)


register(
    "evaluation.CharterVersion",
    export=_export_charters,
    erase=_erase_charters,
    hand_over=_hand_over_charters,
)
# A signature stays: it is what made the charter or the evaluation count. It then points to
# the anonymised person row (the zone's stand-in, for one zone's erasure).
register(
    "evaluation.CharterSignature",
    export=_export_signatures(CharterSignature, "charter"),
    erase=_keep,
    hand_over=move_rows(CharterSignature, f"charter__{ZONE}", "user"),
)
register(
    "evaluation.EvaluationSignature",
    export=_export_signatures(EvaluationSignature, "evaluation"),
    erase=_keep,
    hand_over=move_rows(EvaluationSignature, f"evaluation__{ZONE}", "user"),
)
register("evaluation.SurveyInvitation", export=_export_invitations, erase=_erase_invitations)
no_personal_data(
    "evaluation.SurveyAnswer",
    "anonymous answers: no link to a person and no time, so none can be attributed",
)
