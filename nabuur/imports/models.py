from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from nabuur.networks.models import Network


class BatchStatus(models.TextChoices):
    # Uploaded: the file waits in the database (ImportUpload) for the worker to read and check.
    CHECKING = "checking", _("being checked")
    # The worker could not read the file; `file_problem` says why. Nothing of it is kept.
    UNREADABLE = "unreadable", _("could not be read")
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
    # Why the file could not be read: {"code": …, and the code's details}, see
    # readers.describe_file_problem.
    file_problem = models.JSONField(default=dict, blank=True)
    # Rows done by the step that is running: checked while checking, imported or skipped while
    # importing. Committed with each batch of rows, so the progress page reads it.
    done_rows = models.PositiveIntegerField(default=0)
    # Rows skipped at import because the person joined (or was blocked) since the check; they
    # count among `problem_rows` too.
    skipped_rows = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("member import")
        verbose_name_plural = _("member imports")
        ordering = ["-created_at"]

    def __str__(self):
        return f"import #{self.pk}"

    @property
    def good_rows(self):
        return self.total_rows - self.problem_rows


class ImportUpload(models.Model):
    """The uploaded file itself, kept in the database until the worker has read it.

    In the database rather than on disk, so the web server and the worker may run on different
    machines. It holds personal data: the check deletes it as soon as it has stored the rows,
    the retention job deletes any the worker never read, and privacy erasure covers it.
    """

    batch = models.OneToOneField(
        ImportBatch, on_delete=models.CASCADE, primary_key=True, related_name="upload"
    )
    content = models.BinaryField()

    class Meta:
        verbose_name = _("uploaded member list")
        verbose_name_plural = _("uploaded member lists")

    def __str__(self):
        return f"file of import #{self.batch_id}"


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
