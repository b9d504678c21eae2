"""Verbs of a member import: keep an upload, check it, choose the consent, import the good rows,
and delete what is no longer needed.

Views, the `import_members` command and the worker's tasks call these. Reading, checking and
importing run in the worker (nabuur.imports.tasks), never in a web request: the uploaded file
waits in the database meanwhile, so the web server and the worker may run on different
machines. They write in transactions of at most CHECK_CHUNK or IMPORT_CHUNK rows, each with
the progress the page shows, so the site goes on writing during the largest import (SQLite
has one writer at a time, and a page waits for it).
"""

from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import F, Q

from nabuur.lib import clock
from nabuur.members.models import ConsentChannel
from nabuur.members.services import (
    MembershipExists,
    PersonBlocked,
    add_member_by_hand,
    request_membership,
)
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability
from nabuur.zones.models import Street

from .checks import Checker
from .models import BatchStatus, ConsentChoice, ImportBatch, ImportRow, ImportUpload
from .readers import UnreadableFile, check_size, read_table

# Rows checked and stored per transaction.
CHECK_CHUNK = 500
# Rows imported per transaction: each makes a person, a membership, consents and audit entries,
# so fewer rows keep each hold on the database short.
IMPORT_CHUNK = 100


class _Stopped(Exception):
    """The batch left the state the worker was working on (discarded, given up) meanwhile."""


def upload_list(network, actor, content, file_name):
    """Keep an uploaded list (its bytes) in the database for the worker; return its batch.

    The batch is `checking` until the worker has read it: the caller queues
    tasks.check_batch in the same transaction. Raises readers.UnreadableFile for a file over
    NABUUR_IMPORT_MAX_BYTES.
    """
    check_size(len(content))
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            network=network,
            uploaded_by=actor,
            file_name=file_name[:255],
            created_at=clock.now(),
            status=BatchStatus.CHECKING,
        )
        ImportUpload.objects.create(batch=batch, content=content)
        record(
            actor,
            "imports.upload",
            target=network,
            capability=Capability.MANAGE_MEMBERS,
            details={"batch": batch.pk, "bytes": len(content)},
        )
    return batch


def _uploader(batch):
    return get_user_model().objects.filter(pk=batch.uploaded_by_id).first()


def _advance_check(batch, **fields):
    """Update a batch that is still being checked; False once it is not."""
    updated = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.CHECKING).update(**fields)
    return updated == 1


def check_batch(batch_id):
    """Read and check the uploaded file of a `checking` batch; return the batch.

    Run by the worker. Stores each data row with its problems, CHECK_CHUNK rows per transaction
    together with the progress, then marks the batch `previewed` and deletes the uploaded file.
    A file that cannot be read makes the batch `unreadable`, with the reason in
    `file_problem`, and is deleted too. A batch that is no longer `checking` is left as it is;
    one discarded while it is checked keeps no row. An unexpected error marks the batch failed,
    keeps nothing of the file and is raised again.
    """
    batch = ImportBatch.objects.select_related("network__municipality").get(pk=batch_id)
    if batch.status != BatchStatus.CHECKING:
        return batch
    actor = _uploader(batch)
    try:
        # A run that died half-way left some rows: start again from the file.
        ImportRow.objects.filter(batch=batch).delete()
        upload = ImportUpload.objects.filter(batch=batch).first()
        if upload is None:
            raise _Stopped
        try:
            table = read_table(bytes(upload.content))
        except UnreadableFile as error:
            _mark_unreadable(batch, actor, error.problem)
            return _fresh(batch)
        del upload
        total = len(table.rows)
        if not _advance_check(batch, total_rows=total, problem_rows=0, done_rows=0):
            raise _Stopped
        checker = Checker(batch.network)
        problems = 0
        for start in range(0, total, CHECK_CHUNK):
            rows = []
            for source in table.rows[start : start + CHECK_CHUNK]:
                data, row_problems = checker.check(source)
                problems += bool(row_problems)
                rows.append(
                    ImportRow(
                        batch=batch,
                        number=source.number,
                        data=data,
                        problems=row_problems,
                        has_problems=bool(row_problems),
                    )
                )
            with transaction.atomic():
                done = start + len(rows)
                if not _advance_check(batch, done_rows=done, problem_rows=problems):
                    raise _Stopped
                ImportRow.objects.bulk_create(rows)
        with transaction.atomic():
            if not _advance_check(batch, status=BatchStatus.PREVIEWED, done_rows=0):
                raise _Stopped
            ImportUpload.objects.filter(batch=batch).delete()
            record(
                actor,
                "imports.preview",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={"batch": batch.pk, "rows": total, "problem_rows": problems},
            )
    except _Stopped:
        ImportRow.objects.filter(batch=batch).delete()
    except Exception as error:
        _fail_check(batch, actor, error)
        raise
    return _fresh(batch)


def _fresh(batch):
    batch.refresh_from_db()
    return batch


def _mark_unreadable(batch, actor, problem):
    with transaction.atomic():
        if _advance_check(
            batch,
            status=BatchStatus.UNREADABLE,
            file_problem=problem,
            finished_at=clock.now(),
        ):
            ImportUpload.objects.filter(batch=batch).delete()
            record(
                actor,
                "imports.unreadable",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={"batch": batch.pk, "problem": problem["code"]},
            )


def _fail_check(batch, actor, error):
    with transaction.atomic():
        if _advance_check(
            batch, status=BatchStatus.FAILED, error=type(error).__name__, finished_at=clock.now()
        ):
            ImportUpload.objects.filter(batch=batch).delete()
            ImportRow.objects.filter(batch=batch).delete()
            record(
                actor,
                "imports.failed",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={"batch": batch.pk, "error": type(error).__name__},
            )


def discard_upload(batch_id, reason):
    """Stop the check of a batch and delete its uploaded file and any row read from it.

    For privacy erasure: the file may name the person. A batch still `checking` fails with
    `reason` as its error; the worker, if it is reading the file now, keeps nothing of it.
    """
    with transaction.atomic():
        ImportBatch.objects.filter(pk=batch_id, status=BatchStatus.CHECKING).update(
            status=BatchStatus.FAILED, error=reason, finished_at=clock.now()
        )
        ImportUpload.objects.filter(batch_id=batch_id).delete()
        ImportRow.objects.filter(batch_id=batch_id, batch__status=BatchStatus.FAILED).delete()


def choose_consent(batch, actor, consent, note=""):
    """Queue the import once, with how consent is handled; False if it was queued already.

    A second submission (a double click, a second tab) changes nothing.
    """
    with transaction.atomic():
        queued = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.QUEUED,
            consent=consent,
            consent_note=note.strip()[:300],
            done_rows=0,
        )
        if queued:
            record(
                actor,
                "imports.consent",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={"batch": batch.pk, "consent": consent, "note": note.strip()[:300]},
            )
    batch.refresh_from_db()
    return bool(queued)


def read_progress(batch):
    """(rows done, rows to do) of the step that is running: the check or the import."""
    if batch.status == BatchStatus.CHECKING:
        return batch.done_rows, batch.total_rows
    if batch.status == BatchStatus.QUEUED:
        # The good rows when the import was queued; skipped rows have joined the problems since.
        return batch.done_rows, batch.total_rows - batch.problem_rows + batch.skipped_rows
    return 0, 0


def _import_row(batch, actor, data, streets):
    details = {
        "network": batch.network,
        "street": streets[data["street_id"]],
        "house_number": data["number"],
        "house_number_suffix": data["suffix"],
        "box": data["box_value"],
        "postcode": data["postcode_value"],
        "first_name": data["first_name"],
        "last_name": data["last_name"],
        "email": data["email"],
        "phone": data["phone"],
        "language": data["language"],
    }
    # The e-mails wait for the row's transaction to commit: a rollback must not leave people
    # with a confirmation link to a membership that does not exist.
    if batch.consent == ConsentChoice.RECORDED:
        network = details.pop("network")
        return add_member_by_hand(
            actor,
            network,
            **details,
            channel=ConsentChannel.IMPORT,
            source_note=batch.consent_note,
            send_after_commit=True,
        )
    return request_membership(**details, channel=ConsentChannel.IMPORT, send_after_commit=True)


def run_import(batch_id):
    """Import the good rows of a queued batch; return the batch.

    Run by the worker, IMPORT_CHUNK rows per transaction: each commits its memberships, deletes
    its rows (their data now lives in the memberships) and moves the progress on, and the
    e-mails to its people leave once it has committed. A run that stopped half-way (a restart)
    goes on where it stopped. Rows of people who joined (or were blocked) since the check are
    skipped and counted as problems. An error marks the batch failed and is raised again: the
    rows committed before it stay imported, the failing transaction leaves nothing and sends
    nothing.
    """
    batch = ImportBatch.objects.select_related("network__municipality__zone").get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return batch
    actor = _uploader(batch)
    good = ImportRow.objects.filter(batch=batch, has_problems=False)
    streets = Street.objects.in_bulk({row.data["street_id"] for row in good.only("data")})
    try:
        while True:
            with transaction.atomic():
                locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
                if locked.status != BatchStatus.QUEUED:
                    return locked
                rows = list(good.order_by("number")[:IMPORT_CHUNK])
                if not rows:
                    break
                imported = skipped = 0
                unaskable = []
                for row in rows:
                    if batch.consent == ConsentChoice.ASK and not row.data["email"]:
                        unaskable.append(row.pk)
                        continue
                    try:
                        membership = _import_row(batch, actor, row.data, streets)
                    except (MembershipExists, PersonBlocked):
                        membership = None
                    imported += membership is not None
                    skipped += membership is None
                # Nobody to e-mail for a confirmation: the row stays among the problems, for
                # the coordinator to import with recorded consent or add by hand.
                ImportRow.objects.filter(pk__in=unaskable).update(
                    has_problems=True, problems=[{"code": "no_email_to_ask"}]
                )
                skipped += len(unaskable)
                ImportRow.objects.filter(pk__in=[row.pk for row in rows]).exclude(
                    pk__in=unaskable
                ).delete()
                ImportBatch.objects.filter(pk=batch.pk).update(
                    imported_rows=F("imported_rows") + imported,
                    skipped_rows=F("skipped_rows") + skipped,
                    problem_rows=F("problem_rows") + skipped,
                    done_rows=F("done_rows") + len(rows),
                )
        with transaction.atomic():
            ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
                status=BatchStatus.IMPORTED, finished_at=clock.now()
            )
            batch.refresh_from_db()
            record(
                actor,
                "imports.import",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={
                    "batch": batch.pk,
                    "consent": batch.consent,
                    "imported": batch.imported_rows,
                    "skipped": batch.skipped_rows,
                },
            )
    except Exception as error:
        with transaction.atomic():
            ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.QUEUED).update(
                status=BatchStatus.FAILED, error=type(error).__name__, finished_at=clock.now()
            )
            batch.refresh_from_db()
            record(
                actor,
                "imports.failed",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={
                    "batch": batch.pk,
                    "error": batch.error,
                    "imported": batch.imported_rows,
                },
            )
        raise
    return batch


def delete_expired_rows(now=None):
    """Delete the uploaded rows and files of old imports; return how many rows and files went.

    The rows and the files hold the list's personal data. The rows go
    NABUUR_IMPORT_RETENTION_DAYS after an import finished or failed, and after a check that
    nobody confirmed was uploaded: that check becomes `expired` and can no longer be imported.
    A file the worker never read by then is given up (the batch fails) and deleted with any
    row read from it. A queued import keeps its rows for the worker. The batches stay, with
    their counts; the audit log records the batch ids.
    """
    now = now or clock.now()
    cutoff = now - timedelta(days=settings.NABUUR_IMPORT_RETENTION_DAYS)
    with transaction.atomic():
        # Filtered on the status, so a coordinator confirming at this moment wins or loses
        # as a whole (choose_consent filters on it too); so does the worker's check.
        ImportBatch.objects.filter(status=BatchStatus.PREVIEWED, created_at__lte=cutoff).update(
            status=BatchStatus.EXPIRED, finished_at=now
        )
        unchecked = ImportBatch.objects.filter(status=BatchStatus.CHECKING, created_at__lte=cutoff)
        given_up = set(unchecked.values_list("pk", flat=True))
        unchecked.update(status=BatchStatus.FAILED, error="not_checked", finished_at=now)
        uploads, _per_model = ImportUpload.objects.exclude(
            batch__status=BatchStatus.CHECKING
        ).delete()
        done = ImportBatch.objects.filter(
            Q(status=BatchStatus.EXPIRED)
            | Q(status__in=[BatchStatus.IMPORTED, BatchStatus.FAILED], finished_at__lte=cutoff),
            rows__isnull=False,
        )
        batch_ids = sorted(set(done.values_list("pk", flat=True)) | given_up)
        if not batch_ids and not uploads:
            return 0
        deleted, _per_model = ImportRow.objects.filter(batch_id__in=batch_ids).delete()
        record(
            None,
            "imports.delete_rows",
            details={"batches": batch_ids, "rows": deleted, "files": uploads},
        )
    return deleted + uploads
