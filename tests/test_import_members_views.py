"""The coordinator's import pages: upload, progress of the check, preview, consent, progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.test import Client
from django.utils import translation
from django_tasks_db.models import DBTaskResult

from nabuur.audit.models import AuditEntry
from nabuur.imports import services
from nabuur.imports.models import BatchStatus, ImportBatch, ImportRow, ImportUpload
from nabuur.members.models import Membership

from .test_accounts import with_totp
from .test_import_members import GOOD_AND_BAD, HEADER, streets  # noqa: F401 — a fixture

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
LIST = f"{HEADER}\n{GOOD_AND_BAD}".encode()


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(with_totp(coordinator_a))
    return client


@pytest.fixture
def immediate_tasks(settings):
    """The worker's tasks run at once, inside the request (Django's immediate task backend)."""
    settings.TASKS = IMMEDIATE


def upload(client, content=LIST, name="leden.csv"):
    return client.post("/en/staff/import/centrum/", {"file": SimpleUploadedFile(name, content)})


def text(response):
    with translation.override("en"):
        return " ".join(response.content.decode().split())


def test_upload_shows_the_problem_rows_and_counts(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    response = upload(coordinator_client)
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/en/staff/import/centrum/{batch.pk}/progress/"
    # Checked already (the task ran at once): the progress page sends on to the preview.
    response = coordinator_client.get(response["Location"])
    assert response["Location"] == f"/en/staff/import/centrum/{batch.pk}/"
    page = text(coordinator_client.get(response["Location"]))
    assert "3 rows: 2 can be imported, 1 with problems." in page
    assert "Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?" in page
    assert '<th scope="row">3</th>' in page


def test_the_request_only_stores_the_file_and_queues_its_check(
    coordinator_client,
    streets,  # noqa: F811
):
    response = upload(coordinator_client)

    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/en/staff/import/centrum/{batch.pk}/progress/"
    # Nothing was read in the request: the file waits in the database for the worker.
    assert batch.status == BatchStatus.CHECKING
    assert bytes(ImportUpload.objects.get(batch=batch).content) == LIST
    assert not ImportRow.objects.exists()
    task = DBTaskResult.objects.get()
    assert (task.task_path, task.args_kwargs) == (
        "nabuur.imports.tasks.check_batch",
        {"args": [batch.pk], "kwargs": {}},
    )
    page = text(coordinator_client.get(response["Location"]))
    assert "<h1>Check of leden.csv</h1>" in page
    assert "Waiting for the file to be read." in page
    assert f'<a class="button" href="/en/staff/import/centrum/{batch.pk}/progress/">' in page
    assert 'src="/static/js/import-progress.js"' in page
    assert [entry.action for entry in AuditEntry.objects.order_by("seq")] == ["imports.upload"]


@pytest.mark.django_db(transaction=True)
def test_the_worker_checks_the_stored_file_and_deletes_it(client, coordinator_a, streets):  # noqa: F811
    client.force_login(with_totp(coordinator_a))
    progress = upload(client)["Location"]

    call_command("worker", "--until-empty")

    batch = ImportBatch.objects.get()
    assert (batch.status, batch.total_rows, batch.problem_rows) == (BatchStatus.PREVIEWED, 3, 1)
    assert list(batch.rows.values_list("number", flat=True)) == [2, 3, 4]
    assert not ImportUpload.objects.exists()
    assert client.get(progress)["Location"] == f"/en/staff/import/centrum/{batch.pk}/"


def test_the_progress_json_follows_the_check_then_points_on(
    coordinator_client,
    streets,  # noqa: F811
):
    progress = upload(coordinator_client)["Location"]
    batch = ImportBatch.objects.get()
    ImportBatch.objects.filter(pk=batch.pk).update(total_rows=20_000, done_rows=1500)

    with translation.override("en"):
        answer = coordinator_client.get(f"{progress[: -len('progress/')]}progress.json").json()
    assert answer == {
        "status": "checking",
        "running": True,
        "done": 1500,
        "total": 20_000,
        "text": "Checking: 1,500 of 20,000 rows.",
        "next": progress,
    }

    services.check_batch(batch.pk)

    answer = coordinator_client.get(f"{progress[: -len('progress/')]}progress.json").json()
    assert (answer["status"], answer["running"], answer["next"]) == ("previewed", False, progress)


def test_a_file_that_is_no_list_is_refused_at_once(coordinator_client, streets):  # noqa: F811
    response = upload(coordinator_client, b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "leden.pdf")
    page = text(response)
    assert response.status_code == 200
    assert "error-summary" in page
    assert "This is neither a CSV file nor an Excel workbook (.xlsx)." in page
    assert ImportBatch.objects.count() == 0


def test_a_list_without_the_needed_columns_is_explained_after_the_check(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    response = upload(coordinator_client, b"Voornaam,Naam\nAn,Peeters\n")
    page = text(coordinator_client.get(response["Location"]))
    assert "These columns are missing: street." in page
    assert "Nothing of this file was kept. Correct it and upload it again." in page
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.file_problem) == (
        BatchStatus.UNREADABLE,
        {"code": "missing_columns", "columns": ["street"]},
    )
    assert not ImportUpload.objects.exists()
    assert AuditEntry.objects.get(action="imports.unreadable").details == {
        "batch": batch.pk,
        "problem": "missing_columns",
    }


def test_recorded_consent_needs_a_note(coordinator_client, streets, immediate_tasks):  # noqa: F811
    upload(coordinator_client)
    location = f"/en/staff/import/centrum/{ImportBatch.objects.get().pk}/"
    response = coordinator_client.post(location, {"consent": "recorded", "note": " "})
    assert response.status_code == 200
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED


def test_confirming_twice_imports_once(coordinator_client, streets, bin_a, immediate_tasks):  # noqa: F811
    upload(coordinator_client)
    location = f"/en/staff/import/centrum/{ImportBatch.objects.get().pk}/"
    first = coordinator_client.post(location, {"consent": "ask"})
    second = coordinator_client.post(location, {"consent": "ask"})
    assert first["Location"] == second["Location"] == f"{location}progress/"
    assert Membership.objects.filter(network=bin_a).count() == 2
    assert AuditEntry.objects.filter(action="imports.import").count() == 1
    page = text(coordinator_client.get(first["Location"]))
    assert "import-progress.js" not in page
    assert "Done: 2 members imported. 1 row with problems was not imported." in page
    assert (
        "Each of them receives an e-mail with a link to confirm their membership. Until they "
        "confirm, the member list shows them as waiting."
    ) in page
    assert 'href="/en/staff/members/centrum/"' in page


def test_a_queued_import_shows_its_progress(coordinator_client, streets):  # noqa: F811
    upload(coordinator_client)
    batch = services.check_batch(ImportBatch.objects.get().pk)
    location = f"/en/staff/import/centrum/{batch.pk}/"
    # The database task backend: the worker has not imported yet.
    coordinator_client.post(location, {"consent": "ask"})
    response = coordinator_client.get(f"{location}progress/")
    page = text(response)
    assert "Refresh" not in response
    assert "<h1>Import of leden.csv</h1>" in page
    assert "Importing: 0 of 2 rows." in page
    assert '<progress aria-labelledby="import-progress-text" max="2" value="0">' in page
    assert "Show the latest progress" in page


def test_the_coordinator_of_b_cannot_see_an_import_of_a(
    client,
    coordinator_a,
    coordinator_b,
    streets,  # noqa: F811
    immediate_tasks,
):
    client.force_login(with_totp(coordinator_a))
    progress = upload(client)["Location"]
    location = f"/en/staff/import/centrum/{ImportBatch.objects.get().pk}/"
    client.force_login(with_totp(coordinator_b))
    assert client.get(location).status_code == 404
    assert client.get(progress).status_code == 404
    assert client.get(f"{location}progress.json").status_code == 404
    assert client.post(location, {"consent": "ask"}).status_code == 404
    assert client.get("/en/staff/import/centrum/").status_code == 404
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED


def test_the_upload_still_needs_its_csrf_token(coordinator_a, streets):  # noqa: F811
    # The upload view turns Django's CSRF middleware off to put its size limit in first, and
    # checks the token itself.
    client = Client(enforce_csrf_checks=True)
    client.force_login(with_totp(coordinator_a))
    assert upload(client).status_code == 403
    page = client.get("/en/staff/import/centrum/")
    token = page.cookies["csrftoken"].value
    response = client.post(
        "/en/staff/import/centrum/",
        {"file": SimpleUploadedFile("leden.csv", LIST), "csrfmiddlewaretoken": token},
    )
    assert response.status_code == 302
    assert ImportBatch.objects.count() == 1


def test_the_preview_says_which_rows_need_recorded_consent(
    coordinator_client,
    streets,  # noqa: F811
    immediate_tasks,
):
    body = f"{GOOD_AND_BAD}Mia,Maes,Kerkstraat,6,,2650,\nJos,Maes,Kerkstraat,8,,2650,\n"
    upload(coordinator_client, f"{HEADER}\n{body}".encode())
    page = text(coordinator_client.get(f"/en/staff/import/centrum/{ImportBatch.objects.get().pk}/"))
    assert "5 rows: 4 can be imported, 1 with problems." in page
    assert (
        "2 rows to import have no e-mail address. These people receive letters by post, and are "
        "imported only with the consent you recorded."
    ) in page
