"""Verbs of a member import: check a file (preview), choose the consent, import the good rows.

Views, the `import_members` command and the worker's task call these.
"""

import json
import os
from datetime import timedelta
from pathlib import Path

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Q

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
from .models import BatchStatus, ConsentChoice, ImportBatch, ImportRow
from .readers import read_table

CHUNK = 1000
PROGRESS_EVERY = 100


def preview_import(network, actor, path, file_name):
    """Read and check every row of the file at `path`; store them as a previewed ImportBatch.

    Nothing is imported yet. Raises readers.UnreadableFile when the file cannot be read.
    """
    table = read_table(path, file_name)
    checker = Checker(network)
    with transaction.atomic():
        batch = ImportBatch.objects.create(
            network=network, uploaded_by=actor, file_name=file_name[:255], created_at=clock.now()
        )
        total = problems = 0
        chunk = []
        for source in table.rows:
            data, row_problems = checker.check(source)
            total += 1
            problems += bool(row_problems)
            chunk.append(
                ImportRow(
                    batch=batch,
                    number=source.number,
                    data=data,
                    problems=row_problems,
                    has_problems=bool(row_problems),
                )
            )
            if len(chunk) >= CHUNK:
                ImportRow.objects.bulk_create(chunk)
                chunk = []
        ImportRow.objects.bulk_create(chunk)
        batch.total_rows, batch.problem_rows = total, problems
        batch.save(update_fields=["total_rows", "problem_rows"])
        record(
            actor,
            "imports.preview",
            target=network,
            capability=Capability.MANAGE_MEMBERS,
            details={"batch": batch.pk, "rows": total, "problem_rows": problems},
        )
    return batch


def choose_consent(batch, actor, consent, note=""):
    """Queue the import once, with how consent is handled; False if it was queued already.

    A second submission (a double click, a second tab) changes nothing.
    """
    with transaction.atomic():
        queued = ImportBatch.objects.filter(pk=batch.pk, status=BatchStatus.PREVIEWED).update(
            status=BatchStatus.QUEUED, consent=consent, consent_note=note.strip()[:300]
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


def progress_path(batch_id):
    return Path(settings.VAR_DIR) / "imports" / f"{batch_id}.json"


def _write_progress(batch_id, done, total):
    # A file, not a row: the import's own transaction would hide a row from the progress page.
    path = progress_path(batch_id)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps({"done": done, "total": total}))
    os.replace(temporary, path)


def read_progress(batch):
    """(rows done, rows to do) of an import that is running."""
    try:
        progress = json.loads(progress_path(batch.pk).read_text())
    except (OSError, ValueError):
        return 0, batch.good_rows
    return progress["done"], progress["total"]


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
    # The e-mails wait for the whole import to commit: a rollback must not leave people with a
    # confirmation link to a membership that does not exist.
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
    """Import the good rows of a queued batch, all or nothing; returns the batch.

    Rows of people who joined (or were blocked) since the preview are skipped and counted as
    problems. Any other error rolls the whole import back and marks the batch failed. The
    imported people's e-mails (confirmation requests or welcomes) leave only after the import
    commits, so a failed import sends nothing.
    """
    batch = ImportBatch.objects.select_related("network__municipality__zone").get(pk=batch_id)
    if batch.status != BatchStatus.QUEUED:
        return batch
    actor = get_user_model().objects.filter(pk=batch.uploaded_by_id).first()
    good = batch.rows.filter(has_problems=False)
    total = good.count()
    try:
        with transaction.atomic():
            locked = ImportBatch.objects.select_for_update().get(pk=batch.pk)
            if locked.status != BatchStatus.QUEUED:
                return locked
            street_ids = {row.data["street_id"] for row in good.only("data")}
            streets = Street.objects.in_bulk(street_ids)
            imported = skipped = 0
            for done, row in enumerate(good.iterator(chunk_size=CHUNK), start=1):
                try:
                    _import_row(batch, actor, row.data, streets)
                    imported += 1
                except (MembershipExists, PersonBlocked):
                    skipped += 1
                if done % PROGRESS_EVERY == 0:
                    _write_progress(batch.pk, done, total)
            batch.status = BatchStatus.IMPORTED
            batch.imported_rows = imported
            batch.problem_rows += skipped
            batch.finished_at = clock.now()
            batch.save(update_fields=["status", "imported_rows", "problem_rows", "finished_at"])
            # Their data now lives in the memberships; the problem rows stay for the list to fix.
            good.delete()
            record(
                actor,
                "imports.import",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={
                    "batch": batch.pk,
                    "consent": batch.consent,
                    "imported": imported,
                    "skipped": skipped,
                },
            )
    except Exception as error:
        with transaction.atomic():
            batch.status = BatchStatus.FAILED
            batch.error = type(error).__name__
            batch.finished_at = clock.now()
            batch.save(update_fields=["status", "error", "finished_at"])
            record(
                actor,
                "imports.failed",
                target=batch.network,
                capability=Capability.MANAGE_MEMBERS,
                details={"batch": batch.pk, "error": batch.error},
            )
        raise
    finally:
        progress_path(batch.pk).unlink(missing_ok=True)
    return batch


def delete_expired_rows(now=None):
    """Delete the uploaded rows of old imports; return how many rows went.

    The rows hold the list's personal data. They go NABUUR_IMPORT_RETENTION_DAYS after an
    import finished or failed, and after a check that nobody confirmed was uploaded: that check
    becomes `expired` and can no longer be imported. A queued import keeps its rows for the
    worker. The batches stay, with their counts; the audit log records the batch ids.
    """
    now = now or clock.now()
    cutoff = now - timedelta(days=settings.NABUUR_IMPORT_RETENTION_DAYS)
    with transaction.atomic():
        # Filtered on the status, so a coordinator confirming at this moment wins or loses
        # as a whole (choose_consent filters on it too).
        ImportBatch.objects.filter(status=BatchStatus.PREVIEWED, created_at__lte=cutoff).update(
            status=BatchStatus.EXPIRED, finished_at=now
        )
        done = ImportBatch.objects.filter(
            Q(status=BatchStatus.EXPIRED)
            | Q(status__in=[BatchStatus.IMPORTED, BatchStatus.FAILED], finished_at__lte=cutoff),
            rows__isnull=False,
        )
        batch_ids = sorted(set(done.values_list("pk", flat=True)))
        if not batch_ids:
            return 0
        deleted, _per_model = ImportRow.objects.filter(batch_id__in=batch_ids).delete()
        record(
            None,
            "imports.delete_rows",
            details={"batches": batch_ids, "rows": deleted},
        )
    return deleted
