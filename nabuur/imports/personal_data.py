"""What the imports app holds about a person, for the privacy registry."""

from nabuur.accounts.models import normalize_email_address
from nabuur.privacy.registry import register

from .models import ImportBatch, ImportRow


def export_batches(user):
    return [
        {
            "network": batch.network.name,
            "file_name": batch.file_name,
            "uploaded": batch.created_at.isoformat(),
            "status": batch.status,
            "rows": batch.total_rows,
        }
        for batch in ImportBatch.objects.filter(uploaded_by=user).select_related("network")
    ]


def erase_batches(user):
    ImportBatch.objects.filter(uploaded_by=user).update(uploaded_by=None)


def _rows_about(user):
    # An uploaded row names a person only by what the file says; the e-mail address is the one
    # thing that ties it to an account. services.delete_expired_rows removes every row anyway
    # NABUUR_IMPORT_RETENTION_DAYS after its import.
    email = normalize_email_address(user.email)
    if not email:
        return ImportRow.objects.none()
    return ImportRow.objects.filter(data__email=email)


def export_rows(user):
    return [
        {
            "network": row.batch.network.name,
            "file_name": row.batch.file_name,
            "row": row.number,
            "data": row.data,
            "problems": [problem["code"] for problem in row.problems],
        }
        for row in _rows_about(user).select_related("batch__network").order_by("pk")
    ]


def erase_rows(user):
    _rows_about(user).delete()


register("imports.ImportBatch", export=export_batches, erase=erase_batches)
register("imports.ImportRow", export=export_rows, erase=erase_rows)
