"""What the imports app holds about a person, for the privacy registry."""

from nabuur.accounts.models import normalize_email_address
from nabuur.privacy.registry import register

from . import services
from .models import ImportBatch, ImportRow, ImportUpload
from .readers import UnreadableFile, read_table

ZONE = "network__municipality__zone"


def _batches(user, zone):
    rows = ImportBatch.objects.filter(uploaded_by=user)
    return rows if zone is None else rows.filter(**{ZONE: zone})


def export_batches(user, zone=None):
    return [
        {
            "network": batch.network.name,
            "file_name": batch.file_name,
            "uploaded": batch.created_at.isoformat(),
            "status": batch.status,
            "rows": batch.total_rows,
        }
        for batch in _batches(user, zone).select_related("network")
    ]


def erase_batches(user, zone=None):
    _batches(user, zone).update(uploaded_by=None)


def _rows_about(user, zone=None):
    # An uploaded row names a person only by what the file says; the e-mail address is the one
    # thing that ties it to an account. services.delete_expired_rows removes every row anyway
    # NABUUR_IMPORT_RETENTION_DAYS after its import.
    email = normalize_email_address(user.email)
    if not email:
        return ImportRow.objects.none()
    rows = ImportRow.objects.filter(data__email=email)
    return rows if zone is None else rows.filter(**{f"batch__{ZONE}": zone})


def export_rows(user, zone=None):
    return [
        {
            "network": row.batch.network.name,
            "file_name": row.batch.file_name,
            "row": row.number,
            "data": row.data,
            "problems": [problem["code"] for problem in row.problems],
        }
        for row in _rows_about(user, zone).select_related("batch__network").order_by("pk")
    ]


def erase_rows(user, zone=None):
    _rows_about(user, zone).delete()


def _uploads_about(user, zone=None):
    """(upload, its rows that name the person) of every file waiting for the worker; the rows
    are None for a file that cannot be read, which may name anyone.

    A file stays only until the worker has read it (seconds), so there are few, and each is
    read here as the worker would, by the e-mail address that ties a row to an account.
    """
    email = normalize_email_address(user.email)
    if not email:
        return
    uploads = ImportUpload.objects.select_related("batch__network").order_by("pk")
    if zone is not None:
        uploads = uploads.filter(**{f"batch__{ZONE}": zone})
    for upload in uploads.iterator(chunk_size=1):
        try:
            rows = read_table(bytes(upload.content)).rows
        except UnreadableFile:
            yield upload, None
            continue
        rows = [row for row in rows if normalize_email_address(row.values["email"]) == email]
        if rows:
            yield upload, rows


def export_uploads(user, zone=None):
    return [
        {
            "network": upload.batch.network.name,
            "file_name": upload.batch.file_name,
            "row": row.number,
            "data": row.values,
        }
        for upload, rows in _uploads_about(user, zone)
        for row in rows or []
    ]


def erase_uploads(user, zone=None):
    # A whole file goes: we cannot take one person out of a workbook. The coordinator sees that
    # the check did not finish and uploads the list again.
    for upload, _rows in list(_uploads_about(user, zone)):
        services.discard_upload(upload.batch_id, reason="erased")


register("imports.ImportBatch", export=export_batches, erase=erase_batches)
register("imports.ImportUpload", export=export_uploads, erase=erase_uploads)
register("imports.ImportRow", export=export_rows, erase=erase_rows)
