"""What the charter and the evaluation keep about a person.

Charter versions freeze the partners' names and contacts (the signed document must keep saying
who signed up to what); erasure replaces them with the erased name. Survey answers hold nothing
about who answered; invitations only whether someone was asked and answered.
"""

from nabuur.privacy.registry import ERASED_NAME, no_personal_data, register

from .models import CharterSignature, CharterVersion, EvaluationSignature, SurveyInvitation


def _charters_naming(user):
    return [
        charter
        for charter in CharterVersion.objects.order_by("pk")
        if any(contact["user"] == user.pk for contact in charter.contacts)
        or charter.created_by_id == user.pk
    ]


def _export_charters(user):
    rows = []
    for charter in _charters_naming(user):
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


def _erase_charters(user):
    for charter in _charters_naming(user):
        contacts = [
            {**c, "name": ERASED_NAME, "email": "", "phone": ""} if c["user"] == user.pk else c
            for c in charter.contacts
        ]
        if contacts != charter.contacts:
            charter.contacts = contacts
            charter.save(update_fields=["contacts"])


def _export_signatures(model, parent):
    def export(user):
        return [
            {
                parent: getattr(row, f"{parent}_id"),
                "party": row.party,
                "at": row.signed_at.isoformat(),
            }
            for row in model.objects.filter(user=user).order_by("pk")
        ]

    return export


def _export_invitations(user):
    return [
        {"evaluation": row.evaluation_id, "answered": row.answered}
        for row in SurveyInvitation.objects.filter(user=user).order_by("pk")
    ]


def _erase_invitations(user):
    # The count of people asked stays on the evaluation; the row only stopped double answers.
    SurveyInvitation.objects.filter(user=user).delete()


register("evaluation.CharterVersion", export=_export_charters, erase=_erase_charters)
# A signature stays: it is what made the charter or the evaluation count. It then points to
# the anonymised person row.
register(
    "evaluation.CharterSignature",
    export=_export_signatures(CharterSignature, "charter"),
    erase=lambda user: None,
)
register(
    "evaluation.EvaluationSignature",
    export=_export_signatures(EvaluationSignature, "evaluation"),
    erase=lambda user: None,
)
register("evaluation.SurveyInvitation", export=_export_invitations, erase=_erase_invitations)
no_personal_data(
    "evaluation.SurveyAnswer",
    "anonymous answers: no link to a person and no time, so none can be attributed",
)
