"""Export of the member list: after re-authentication, audited, formulas neutralised."""

import csv
import io

import pytest
from openpyxl import load_workbook

from nabuur.audit.models import AuditEntry
from nabuur.members.export import neutralise
from nabuur.members.models import MembershipStatus

from . import factories
from .sessions import reauthenticated
from .test_member_list import log_in_staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_passwords(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def members(bin_a):
    return [
        factories.MembershipFactory(
            network=bin_a,
            user__first_name='=HYPERLINK("http://evil.example")',
            user__last_name="Claes",
            user__email="jan@example.org",
            user__phone="+32 470 12 34 56",
        ),
        factories.MembershipFactory(
            network=bin_a,
            user__first_name="Marie-Thérèse",
            user__last_name="D'Hondt",
            user__email=None,
        ),
    ]


@pytest.mark.parametrize(
    ("value", "safe"),
    [
        ("=1+1", "'=1+1"),
        ("+32 470", "'+32 470"),
        ("-5", "'-5"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("D'Hondt", "D'Hondt"),
        ("", ""),
        (None, ""),
    ],
)
def test_cells_that_start_like_a_formula_are_neutralised(value, safe):
    assert neutralise(value) == safe


def test_export_asks_for_the_password_again_first(client, bin_a, coordinator_a, members):
    response = log_in_staff(client, coordinator_a).get("/nl/staff/members/centrum/export.csv")
    assert response.status_code == 302
    assert response["Location"].startswith("/nl/account/reauthenticate/")
    assert not AuditEntry.objects.filter(action="members.export_list").exists()


def test_export_outside_the_scope_is_missing_before_any_password(client, bin_a, coordinator_b):
    response = log_in_staff(client, coordinator_b).get("/nl/staff/members/centrum/export.csv")
    assert response.status_code == 404


def test_csv_export_is_audited_with_the_exported_ids(client, bin_a, coordinator_a, members):
    client = reauthenticated(log_in_staff(client, coordinator_a), coordinator_a)
    response = client.get("/nl/staff/members/centrum/export.csv")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="centrum-members.csv"'
    text = response.content.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert len(rows) == 3
    assert rows[1][:4] == [
        '\'=HYPERLINK("http://evil.example")',
        "Claes",
        "jan@example.org",
        "'+32 470 12 34 56",
    ]
    assert rows[2][:3] == ["Marie-Thérèse", "D'Hondt", ""]
    assert rows[2][-1] != ""  # letters by post
    entry = AuditEntry.objects.get(action="members.export_list")
    assert entry.actor_id == coordinator_a.pk
    assert entry.subjects == sorted(m.user_id for m in members)
    assert entry.details == {
        "path": "/nl/staff/members/centrum/export.csv",
        "format": "csv",
        "memberships": [members[0].pk, members[1].pk],
    }


def test_xlsx_export_follows_the_lists_filters(client, bin_a, coordinator_a, members):
    members[1].status = MembershipStatus.PAUSED
    members[1].save(update_fields=["status"])
    client = reauthenticated(log_in_staff(client, coordinator_a), coordinator_a)
    response = client.get("/nl/staff/members/centrum/export.xlsx?status=active")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert len(values) == 2
    assert values[1][0] == '\'=HYPERLINK("http://evil.example")'
    assert all(cell.data_type == "s" for row in sheet.iter_rows() for cell in row if cell.value)
    entry = AuditEntry.objects.get(action="members.export_list")
    assert entry.details["memberships"] == [members[0].pk]


def test_an_unknown_format_is_missing(client, bin_a, coordinator_a):
    client = reauthenticated(log_in_staff(client, coordinator_a), coordinator_a)
    assert client.get("/nl/staff/members/centrum/export.pdf").status_code == 404
