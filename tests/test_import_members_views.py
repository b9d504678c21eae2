"""The coordinator's import pages: upload, preview, consent, progress."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation

from nabuur.audit.models import AuditEntry
from nabuur.imports.models import BatchStatus, ImportBatch
from nabuur.members.models import Membership

from .test_accounts import with_totp
from .test_import_members import GOOD_AND_BAD, HEADER, streets  # noqa: F401 — a fixture

IMMEDIATE = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def coordinator_client(client, coordinator_a):
    client.force_login(with_totp(coordinator_a))
    return client


def upload(client, body=GOOD_AND_BAD, name="leden.csv"):
    data = f"{HEADER}\n{body}".encode()
    return client.post("/en/staff/import/centrum/", {"file": SimpleUploadedFile(name, data)})


def test_upload_shows_the_problem_rows_and_counts(coordinator_client, streets):  # noqa: F811
    response = upload(coordinator_client)
    batch = ImportBatch.objects.get()
    assert response["Location"] == f"/en/staff/import/centrum/{batch.pk}/"
    with translation.override("en"):
        page = coordinator_client.get(response["Location"]).content.decode()
    assert "3 rows: 2 can be imported, 1 with problems." in page
    assert "Unknown street “Kerkstrat” in Edegem. Did you mean: Kerkstraat?" in page
    assert '<th scope="row">3</th>' in page


def test_an_unreadable_file_is_explained(coordinator_client, streets):  # noqa: F811
    response = upload(coordinator_client, name="leden.pdf")
    assert response.status_code == 200
    assert "error-summary" in response.content.decode()
    assert ImportBatch.objects.count() == 0


def test_recorded_consent_needs_a_note(coordinator_client, streets):  # noqa: F811
    location = upload(coordinator_client)["Location"]
    response = coordinator_client.post(location, {"consent": "recorded", "note": " "})
    assert response.status_code == 200
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED


def test_confirming_twice_imports_once(coordinator_client, streets, bin_a, settings):  # noqa: F811
    settings.TASKS = IMMEDIATE
    location = upload(coordinator_client)["Location"]
    first = coordinator_client.post(location, {"consent": "ask"})
    second = coordinator_client.post(location, {"consent": "ask"})
    assert first["Location"] == second["Location"] == f"{location}progress/"
    assert Membership.objects.filter(network=bin_a).count() == 2
    assert AuditEntry.objects.filter(action="imports.import").count() == 1
    with translation.override("en"):
        page = coordinator_client.get(first["Location"])
    assert "Refresh" not in page
    text = " ".join(page.content.decode().split())
    assert "Done: 2 members imported. 1 row with problems was not imported." in text
    assert (
        "Each of them receives an e-mail with a link to confirm their membership. Until they "
        "confirm, the member list shows them as waiting."
    ) in text
    assert 'href="/en/staff/members/centrum/"' in text


def test_a_queued_import_shows_progress_and_refreshes(coordinator_client, streets):  # noqa: F811
    location = upload(coordinator_client)["Location"]
    # The database task backend: the worker has not run yet.
    coordinator_client.post(location, {"consent": "ask"})
    page = coordinator_client.get(f"{location}progress/")
    assert page["Refresh"] == "3"
    assert "0 of 2 rows" in page.content.decode()


def test_the_coordinator_of_b_cannot_see_an_import_of_a(
    client,
    coordinator_a,
    coordinator_b,
    streets,  # noqa: F811
):
    client.force_login(with_totp(coordinator_a))
    location = upload(client)["Location"]
    client.force_login(with_totp(coordinator_b))
    assert client.get(location).status_code == 404
    assert client.post(location, {"consent": "ask"}).status_code == 404
    assert client.get("/en/staff/import/centrum/").status_code == 404
    assert ImportBatch.objects.get().status == BatchStatus.PREVIEWED
