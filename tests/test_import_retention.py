"""Uploaded member lists do not stay: their rows go NABUUR_IMPORT_RETENTION_DAYS after import."""

import datetime

import pytest
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.imports.models import (
    BatchStatus,
    ConsentChoice,
    ImportBatch,
    ImportRow,
    ImportUpload,
)
from nabuur.imports.services import (
    check_batch,
    choose_consent,
    delete_expired_rows,
    run_import,
    upload_list,
)
from nabuur.lib import clock
from nabuur.operations.jobs import registered_jobs, run_due_jobs
from nabuur.operations.models import JobRun
from nabuur.privacy.registry import erase_person, export_person

from . import factories
from .test_accounts import with_totp
from .test_import_members import (  # noqa: F401 — a fixture
    GOOD_AND_BAD,
    HEADER,
    previewed,
    streets,
)

pytestmark = pytest.mark.django_db

UPLOADED = datetime.datetime(2026, 5, 4, 9, 0, tzinfo=datetime.UTC)


def rows_left():
    """{file name: row numbers still stored}."""
    left = {}
    for name, number in ImportRow.objects.order_by("batch_id", "number").values_list(
        "batch__file_name", "number"
    ):
        left.setdefault(name, []).append(number)
    return left


def statuses():
    return dict(ImportBatch.objects.values_list("file_name", "status"))


@pytest.fixture
def four_batches(tmp_path, streets, bin_a, coordinator_a):  # noqa: F811
    """Uploaded on 4 May 2026: one imported, one failed, one left unconfirmed, one queued."""
    with clock.frozen_at(UPLOADED):
        imported = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD)
        choose_consent(imported, coordinator_a, ConsentChoice.ASK)
        run_import(imported.pk)

        failed = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD.replace("an@", "an2@"))
        # A negative house number breaks a database constraint: the import fails.
        row = failed.rows.get(number=2)
        row.data["number"] = -2
        row.save(update_fields=["data"])
        choose_consent(failed, coordinator_a, ConsentChoice.ASK)
        with pytest.raises(Exception):  # noqa: B017, PT011 — whatever the database raises
            run_import(failed.pk)

        abandoned = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD.replace("@", "3@"))
        queued = previewed(tmp_path, bin_a, coordinator_a, GOOD_AND_BAD.replace("@", "4@"))
        choose_consent(queued, coordinator_a, ConsentChoice.ASK)
    names = {"imported": imported, "failed": failed, "abandoned": abandoned, "queued": queued}
    for name, batch in names.items():
        ImportBatch.objects.filter(pk=batch.pk).update(file_name=f"{name}.csv")
    return names


def new_entries(action="imports.delete_rows"):
    return AuditEntry.objects.filter(action=action)


def test_rows_stay_for_the_retention_period(four_batches):
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=7, seconds=-1)):
        assert delete_expired_rows() == 0
    assert rows_left() == {
        "imported.csv": [3],  # the problem row; the good ones became memberships
        "failed.csv": [2, 3, 4],
        "abandoned.csv": [2, 3, 4],
        "queued.csv": [2, 3, 4],
    }
    assert statuses()["abandoned.csv"] == BatchStatus.PREVIEWED
    assert not new_entries().exists()


def test_rows_of_finished_and_abandoned_imports_go_after_the_retention_period(four_batches):
    later = UPLOADED + datetime.timedelta(days=7)
    with clock.frozen_at(later):
        assert delete_expired_rows() == 1 + 3 + 3

    assert rows_left() == {"queued.csv": [2, 3, 4]}
    assert statuses() == {
        "imported.csv": BatchStatus.IMPORTED,
        "failed.csv": BatchStatus.FAILED,
        "abandoned.csv": BatchStatus.EXPIRED,
        "queued.csv": BatchStatus.QUEUED,
    }
    # The counts stay for the record.
    abandoned = ImportBatch.objects.get(file_name="abandoned.csv")
    assert (abandoned.total_rows, abandoned.problem_rows, abandoned.finished_at) == (3, 1, later)
    entry = new_entries().get()
    assert (entry.action, entry.actor_id, entry.subjects) == ("imports.delete_rows", None, [])
    batches = four_batches
    assert entry.details == {
        "batches": sorted(batches[name].pk for name in ("imported", "failed", "abandoned")),
        "rows": 7,
        "files": 0,
    }
    with clock.frozen_at(later + datetime.timedelta(days=1)):
        assert delete_expired_rows() == 0
    assert new_entries().count() == 1


def test_the_retention_period_is_a_setting(four_batches, settings):
    settings.NABUUR_IMPORT_RETENTION_DAYS = 2
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=1)):
        assert delete_expired_rows() == 0
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=2)):
        assert delete_expired_rows() == 7
    assert rows_left() == {"queued.csv": [2, 3, 4]}


def test_the_worker_runs_the_deletion_as_a_periodic_job(four_batches):
    assert "imports.delete_expired_rows" in [job.name for job in registered_jobs()]
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=8)):
        run_due_jobs(clock.now())
    assert rows_left() == {"queued.csv": [2, 3, 4]}
    assert JobRun.objects.get(name="imports.delete_expired_rows").last_error == ""


def test_an_expired_check_can_no_longer_be_imported(client, four_batches, coordinator_a):
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=8)):
        delete_expired_rows()
    client.force_login(with_totp(coordinator_a))
    location = f"/en/staff/import/centrum/{four_batches['abandoned'].pk}/"

    response = client.post(location, {"consent": "ask"})

    assert response["Location"] == f"{location}progress/"
    assert statuses()["abandoned.csv"] == BatchStatus.EXPIRED
    assert new_entries("imports.consent").count() == 3  # the fixture's, none for this one
    with translation.override("en"):
        page = client.get(response["Location"]).content.decode()
    assert (
        "This list was checked but not imported within 7 days, so its rows were deleted. "
        "Upload the file again to import it."
    ) in page


def test_a_persons_rows_in_uploaded_lists_are_exported_and_erased(four_batches):
    # Jan Janssens's row (an unknown street) is in every list; in the queued one it is not done.
    person = factories.UserFactory(email="Jan4@Example.org")
    exported = export_person(person)["imports.ImportRow"]
    assert exported == [
        {
            "network": "BIN Centrum",
            "file_name": "queued.csv",
            "row": 3,
            "data": ImportRow.objects.get(batch=four_batches["queued"], number=3).data,
            "problems": ["unknown_street"],
        }
    ]
    assert exported[0]["data"]["email"] == "jan4@example.org"

    erase_person(person)

    assert rows_left()["queued.csv"] == [2, 4]
    assert export_person(person)["imports.ImportRow"] == []


def waiting_upload(bin_a, coordinator_a, body=GOOD_AND_BAD, name="leden.csv"):
    """A list uploaded on 4 May 2026 that the worker has not read."""
    with clock.frozen_at(UPLOADED):
        return upload_list(bin_a, coordinator_a, f"{HEADER}\n{body}".encode(), name)


def test_a_file_the_worker_never_read_goes_after_the_retention_period(
    streets,  # noqa: F811
    bin_a,
    coordinator_a,
):
    batch = waiting_upload(bin_a, coordinator_a)
    # A worker died half-way through its check: some rows were stored.
    ImportRow.objects.create(batch=batch, number=2, data={"email": "an@example.org"})
    with clock.frozen_at(UPLOADED + datetime.timedelta(days=7, seconds=-1)):
        assert delete_expired_rows() == 0
    assert ImportUpload.objects.filter(batch=batch).exists()

    later = UPLOADED + datetime.timedelta(days=7)
    with clock.frozen_at(later):
        assert delete_expired_rows() == 1 + 1

    batch.refresh_from_db()
    assert (batch.status, batch.error, batch.finished_at) == (
        BatchStatus.FAILED,
        "not_checked",
        later,
    )
    assert not ImportUpload.objects.exists()
    assert not ImportRow.objects.exists()
    assert new_entries().get().details == {"batches": [batch.pk], "rows": 1, "files": 1}
    # A worker that comes back finds nothing to do.
    assert check_batch(batch.pk).status == BatchStatus.FAILED


def test_a_persons_rows_in_a_waiting_file_are_exported_and_the_file_erased(
    client,
    streets,  # noqa: F811
    bin_a,
    coordinator_a,
):
    named = waiting_upload(bin_a, coordinator_a)
    other = waiting_upload(bin_a, coordinator_a, GOOD_AND_BAD.replace("@", "5@"), "andere.csv")
    person = factories.UserFactory(email="Jan@Example.org")

    assert export_person(person)["imports.ImportUpload"] == [
        {
            "network": "BIN Centrum",
            "file_name": "leden.csv",
            "row": 3,
            "data": {
                "first_name": "Jan",
                "last_name": "Janssens",
                "street": "Kerkstrat",
                "house_number": "3",
                "box": "",
                "postcode": "2650",
                "email": "jan@example.org",
            },
        }
    ]

    erase_person(person)

    named.refresh_from_db()
    assert (named.status, named.error) == (BatchStatus.FAILED, "erased")
    assert list(ImportUpload.objects.values_list("batch", flat=True)) == [other.pk]
    assert export_person(person)["imports.ImportUpload"] == []
    # The worker, coming to the erased list, keeps nothing; the other list is checked.
    assert check_batch(named.pk).rows.count() == 0
    assert check_batch(other.pk).status == BatchStatus.PREVIEWED
    client.force_login(with_totp(coordinator_a))
    with translation.override("en"):
        page = client.get(f"/en/staff/import/centrum/{named.pk}/progress/").content.decode()
    assert (
        "The check of this file did not finish and nothing of it was kept. Upload the file again."
    ) in page
