"""The charter of each BIN (versioned, signed by its partners) and its yearly evaluation.

A `CharterVersion` freezes the partners' contacts, the communication plan version and the area
when it is written; its budget lines and signatures hang off it. An `Evaluation` covers one
period of one BIN; its figures are computed live while it is open and frozen into `figures`
(values and the ids of the rows they count) at the first signature.

The member survey is anonymous: a `SurveyInvitation` knows who was asked and whether they
answered, a `SurveyAnswer` knows what was answered and nothing of who, not even when.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import get_language, pgettext_lazy
from django.utils.translation import gettext_lazy as _

from nabuur.networks.models import Network, describe_numbers


class Party(models.TextChoices):
    """The partners of a BIN who sign its charter (all three) and its evaluation (the first two)."""

    COORDINATOR = "coordinator", _("coordinator")
    OFFICER = "officer", _("mandated officer")
    MUNICIPALITY = "municipality", _("municipality contact")


CHARTER_PARTIES = [Party.COORDINATOR, Party.OFFICER, Party.MUNICIPALITY]
EVALUATION_PARTIES = [Party.COORDINATOR, Party.OFFICER]


class CharterState(models.TextChoices):
    DRAFT = "draft", pgettext_lazy("charter", "draft, waiting for signatures")
    IN_FORCE = "in_force", pgettext_lazy("charter", "in force")
    SUPERSEDED = "superseded", pgettext_lazy("charter", "replaced by a later version")


class CharterVersion(models.Model):
    """One version of a BIN's charter. Only a draft changes; a signed version stays as it was."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="charters")
    version = models.PositiveIntegerField(_("version"))
    state = models.CharField(
        _("state"), max_length=12, choices=CharterState.choices, default=CharterState.DRAFT
    )
    # [{"party": "officer", "role": "officer", "user": 7, "name": "…", "email": "…",
    #   "phone": "…"}]: the partners' contacts as they were when the version was written.
    contacts = models.JSONField(_("contacts"), default=list)
    plan_version = models.PositiveIntegerField(_("communication plan version"))
    # [{"street": {"nl": "Kerkstraat", "fr": "", "de": ""}, "from": 1, "to": 99, "side": "odd"}]:
    # the area frozen with the version, worded when shown (area_lines). Versions written before
    # 0.2 hold their words instead, in the language of the page that made them.
    area = models.JSONField(_("area"), default=list)
    member_contribution = models.CharField(
        _("member contribution"), max_length=200, blank=True, help_text=_("Empty when free.")
    )
    reason = models.CharField(_("why this version"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("created"), default=timezone.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    in_force_at = models.DateTimeField(_("in force since"), null=True, blank=True)
    sent_to_fod_on = models.DateField(_("sent to the FOD on"), null=True, blank=True)
    fod_answered_on = models.DateField(_("FOD answered on"), null=True, blank=True)
    fod_answer = models.TextField(_("FOD's answer"), blank=True)

    class Meta:
        verbose_name = _("charter version")
        verbose_name_plural = _("charter versions")
        ordering = ["network", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["network", "version"], name="one_charter_per_version"),
            models.UniqueConstraint(
                fields=["network"],
                condition=models.Q(state="draft"),
                name="one_charter_draft_per_network",
            ),
        ]

    def __str__(self):
        return f"charter {self.network_id} v{self.version}"

    @property
    def is_draft(self):
        return self.state == CharterState.DRAFT

    def contacts_of(self, party):
        """The contacts of one party, each person once (versions frozen before contacts were
        listed once may hold a person twice, under two roles)."""
        contacts = {}
        for contact in self.contacts:
            if contact["party"] == party:
                contacts.setdefault(contact["user"], contact)
        return list(contacts.values())

    @property
    def area_lines(self):
        """The frozen area in words, in the active language: "Kerkstraat 1 to 99"."""
        language = (get_language() or "nl")[:2]
        lines = []
        for entry in self.area:
            if isinstance(entry, str):
                lines.append(entry)
                continue
            names = entry["street"]
            street = next(names[lang] for lang in (language, "nl", "fr", "de") if names.get(lang))
            numbers = describe_numbers(entry["from"], entry["to"], entry["side"])
            lines.append(f"{street} {numbers}")
        return lines


class Payer(models.TextChoices):
    MUNICIPALITY = "municipality", _("the municipality")
    POLICE_ZONE = "police_zone", _("the police zone")
    MEMBERS = "members", _("the members")
    SPONSOR = "sponsor", _("a sponsor")
    OTHER = "other", _("someone else")


class BudgetLine(models.Model):
    """One cost in a charter version's budget plan: what, how much, who pays."""

    charter = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="budget")
    item = models.CharField(_("item"), max_length=200)
    amount = models.DecimalField(_("amount (EUR)"), max_digits=9, decimal_places=2)
    paid_by = models.CharField(_("paid by"), max_length=14, choices=Payer.choices)

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["charter", "pk"]

    def __str__(self):
        return f"budget line #{self.pk}"


class CharterSignature(models.Model):
    """A partner signed a charter version, in Nabuur, at this moment."""

    charter = models.ForeignKey(CharterVersion, on_delete=models.CASCADE, related_name="signatures")
    party = models.CharField(_("signed as"), max_length=12, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"))

    class Meta:
        verbose_name = _("charter signature")
        verbose_name_plural = _("charter signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["charter", "party"], name="one_charter_signature")
        ]

    def __str__(self):
        return f"charter signature #{self.pk}"


class EvaluationState(models.TextChoices):
    OPEN = "open", pgettext_lazy("evaluation", "open")
    SIGNING = "signing", pgettext_lazy("evaluation", "signed by one partner")
    SIGNED = "signed", pgettext_lazy("evaluation", "signed")


class Evaluation(models.Model):
    """The evaluation of one BIN over one period (by default a calendar year)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="evaluations")
    year = models.PositiveIntegerField(_("year"))
    period_start = models.DateField(_("period from"))
    # The last day of the period, included.
    period_end = models.DateField(_("period until"))
    state = models.CharField(
        _("state"), max_length=8, choices=EvaluationState.choices, default=EvaluationState.OPEN
    )
    opened_at = models.DateTimeField(_("opened"), default=timezone.now)
    # An evaluation left unsigned past the zone's deadline: when the partners who had not
    # signed were reminded, and when the BIN's other partners were told
    # (nabuur.evaluation.escalation). Set once each.
    last_reminder_at = models.DateTimeField(null=True, blank=True)
    handed_over_at = models.DateTimeField(null=True, blank=True, editable=False)
    # Frozen at the first signature: {key: {"value": n, "ids": [...]}} (see figures.py).
    figures = models.JSONField(null=True, blank=True)
    frozen_at = models.DateTimeField(_("figures frozen"), null=True, blank=True)
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)

    compliance = models.TextField(_("compliance with the communication plan"), blank=True)
    reporting = models.TextField(
        _("members' reporting behaviour and its quality (police view)"), blank=True
    )
    prevention = models.TextField(_("members' prevention efforts"), blank=True)
    offences = models.TextField(_("attempted and completed offences"), blank=True)
    feeling_of_safety = models.TextField(_("feeling of safety"), blank=True)
    social_cohesion = models.TextField(_("social cohesion"), blank=True)
    communication = models.TextField(_("quality of communication"), blank=True)
    next_year = models.TextField(_("actions for next year"), blank=True)

    survey_sent_at = models.DateTimeField(_("survey sent"), null=True, blank=True)
    survey_invited = models.PositiveIntegerField(_("members asked"), default=0)

    class Meta:
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")
        ordering = ["-year", "network__name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "year"], name="one_evaluation_per_year"),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="evaluation_period_ascending",
            ),
        ]

    def __str__(self):
        return f"evaluation {self.network_id} {self.year}"

    @property
    def is_editable(self):
        return self.state == EvaluationState.OPEN


QUALITATIVE_FIELDS = [
    "compliance",
    "reporting",
    "prevention",
    "offences",
    "feeling_of_safety",
    "social_cohesion",
    "communication",
    "next_year",
]


class EvaluationSignature(models.Model):
    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="signatures")
    party = models.CharField(_("signed as"), max_length=12, choices=Party.choices)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed"))

    class Meta:
        verbose_name = _("evaluation signature")
        verbose_name_plural = _("evaluation signatures")
        ordering = ["signed_at", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["evaluation", "party"], name="one_evaluation_signature")
        ]

    def __str__(self):
        return f"evaluation signature #{self.pk}"


class SurveyInvitation(models.Model):
    """Who was asked to answer an evaluation's survey, and whether they did (never what)."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="invitations")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    # SHA-256 of the secret in the e-mailed link.
    token_hash = models.CharField(max_length=64, unique=True)
    answered = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("survey invitation")
        verbose_name_plural = _("survey invitations")
        constraints = [
            models.UniqueConstraint(
                fields=["evaluation", "user"],
                condition=models.Q(user__isnull=False),
                name="one_survey_invitation_per_person",
            )
        ]

    def __str__(self):
        return f"survey invitation #{self.pk}"


class Usefulness(models.TextChoices):
    VERY = "very", _("very useful")
    RATHER = "rather", _("rather useful")
    LITTLE = "little", _("of little use")
    NOT = "not", _("not useful")


class SurveyAnswer(models.Model):
    """One anonymous answer: no link to a person, no time, nothing to match it with."""

    evaluation = models.ForeignKey(Evaluation, on_delete=models.CASCADE, related_name="answers")
    feeling_of_safety = models.PositiveSmallIntegerField(_("feeling of safety (1–5)"))
    usefulness = models.CharField(
        _("usefulness of the messages"), max_length=8, choices=Usefulness.choices
    )
    remark = models.TextField(_("what could the BIN do better?"), blank=True)

    class Meta:
        verbose_name = _("survey answer")
        verbose_name_plural = _("survey answers")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(feeling_of_safety__gte=1, feeling_of_safety__lte=5),
                name="feeling_of_safety_1_to_5",
            )
        ]

    def __str__(self):
        return f"survey answer #{self.pk}"
