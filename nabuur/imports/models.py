from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.networks.models import Network


class BatchStatus(models.TextChoices):
    PREVIEWED = "previewed", _("checked, waiting for your decision")
    QUEUED = "queued", _("importing")
    IMPORTED = "imported", _("imported")
    FAILED = "failed", _("failed, nothing imported")
    # Checked, never confirmed, and its rows deleted after NABUUR_IMPORT_RETENTION_DAYS.
    EXPIRED = "expired", _("not imported in time, rows deleted")


class ConsentChoice(models.TextChoices):
    ASK = "ask", _("ask each imported member to confirm by e-mail")
    RECORDED = "recorded", _("I record how they consented before")


class ImportBatch(models.Model):
    """One uploaded member list: checked row by row, then imported once (good rows only)."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+"
    )
    file_name = models.CharField(_("file name"), max_length=255)
    created_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=BatchStatus.choices, default=BatchStatus.PREVIEWED
    )
    total_rows = models.PositiveIntegerField(default=0)
    problem_rows = models.PositiveIntegerField(default=0)
    imported_rows = models.PositiveIntegerField(default=0)
    consent = models.CharField(max_length=10, choices=ConsentChoice.choices, blank=True)
    consent_note = models.CharField(max_length=300, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    # Why an import failed, for the coordinator (no personal data).
    error = models.CharField(max_length=300, blank=True)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"import #{self.pk}"

    @property
    def good_rows(self):
        return self.total_rows - self.problem_rows


class ImportRow(models.Model):
    """One data row of an uploaded file: what it says and what is wrong with it."""

    batch = models.ForeignKey(ImportBatch, on_delete=models.CASCADE, related_name="rows")
    # The row number as the spreadsheet shows it (the header is row 1 in most files).
    number = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    # [{"code": …, and the code's details}], empty for a good row.
    problems = models.JSONField(default=list)
    has_problems = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("imported row")
        verbose_name_plural = _("imported rows")
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["batch", "number"], name="one_row_per_number")
        ]
        indexes = [models.Index(fields=["batch", "has_problems", "number"])]

    def __str__(self):
        return f"row {self.number} of import #{self.batch_id}"
