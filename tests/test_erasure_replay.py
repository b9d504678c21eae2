"""After a restore, the erasures made since the dump are applied again (issue 18, point 8).

The erasure register lives outside the database (NABUUR_ERASURE_REGISTER), so restoring a
backup does not roll it back; `nabuur replay_erasures` reads it. Made as docs/deploy.md
("Backups") says: the SQLite `.backup`, a restore, then the replay.
"""

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
PYTHON = sys.executable

MAKE_PEOPLE = """
from tests import factories
from nabuur.staff.models import Role
a = factories.ZoneFactory(slug="pz-a", name="Politiezone A")
b = factories.ZoneFactory(slug="pz-b", name="Politiezone B")
bin_a = factories.NetworkFactory(
    municipality=factories.MunicipalityFactory(nis_code="11002", zone=a), slug="bin-a"
)
bin_b = factories.NetworkFactory(
    municipality=factories.MunicipalityFactory(nis_code="12002", zone=b), slug="bin-b"
)
both = factories.UserFactory(email="els@example.org", first_name="Els")
factories.MembershipFactory(user=both, network=bin_a)
factories.MembershipFactory(user=both, network=bin_b)
only_b = factories.MembershipFactory(
    network=bin_b, user=factories.UserFactory(email="bart@example.org", first_name="Bart")
).user
stays = factories.MembershipFactory(
    network=bin_a, user=factories.UserFactory(email="an@example.org", first_name="An")
).user
factories.RoleFactory(role=Role.ZONE_ADMIN, zone=b)
"""

STATE = """
import json
from nabuur.accounts.models import User
from nabuur.members.models import Membership
EMAILS = ["els@example.org", "bart@example.org", "an@example.org"]
people = {
    user.email: sorted((m.network.slug, m.status, m.end_reason) for m in user.memberships.all())
    for user in User.objects.filter(email__in=EMAILS)
}
erased = sorted(
    (m.network.slug, m.end_reason, m.user.first_name)
    for m in Membership.objects.filter(end_reason="erased")
)
print(json.dumps({"people": people, "erased": erased}))
"""


def run(database, register, *args):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(register.parent),
        "NABUUR_ENV": "test",
        "NABUUR_VAR_DIR": str(register.parent),
        "DATABASE_URL": f"sqlite:///{database}",
        "NABUUR_EMAIL_URL": "memory://",
        "NABUUR_ERASURE_REGISTER": str(register),
    }
    result = subprocess.run(
        [PYTHON, "manage.py", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def state(database, register):
    out = run(database, register, "shell", "--no-imports", "-c", STATE)
    return json.loads(out.splitlines()[-1])


def test_erasures_made_after_the_dump_are_applied_again_after_a_restore(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the replay reads the register, not the database: the SQLite run covers it")
    database = tmp_path / "nabuur.sqlite3"
    register = tmp_path / "register" / "erasures.jsonl"
    run(database, register, "migrate", "--noinput")
    run(database, register, "shell", "--no-imports", "-c", MAKE_PEOPLE)
    before = state(database, register)

    dump = tmp_path / "dump.sqlite3"
    with sqlite3.connect(dump) as target:
        sqlite3.connect(database).backup(target)

    run(database, register, "erase_person", "els@example.org", "--zone", "pz-b")
    run(database, register, "erase_person", "bart@example.org", "--all-zones")
    after_erasure = state(database, register)
    assert after_erasure == {
        "people": {
            "els@example.org": [["bin-a", "active", ""]],
            "an@example.org": [["bin-a", "active", ""]],
        },
        "erased": [["bin-b", "erased", "—"], ["bin-b", "erased", "—"]],
    }

    # The restore: the dump becomes the database again (without the old write-ahead log), and
    # with it both people.
    for leftover in (tmp_path / "nabuur.sqlite3-wal", tmp_path / "nabuur.sqlite3-shm"):
        leftover.unlink(missing_ok=True)
    shutil.copy(dump, database)
    assert state(database, register) == before
    assert before["people"]["bart@example.org"] == [["bin-b", "active", ""]]

    out = run(database, register, "replay_erasures")
    assert out.splitlines()[0].startswith("Erasures applied again: 2, of those registered after ")
    assert state(database, register) == after_erasure
    verified = run(database, register, "verify_audit")
    assert verified.startswith("The audit log is intact")
    # A second replay finds nothing more to do: the same two lines, already applied.
    again = run(database, register, "replay_erasures", "--since", "2000-01-01T00:00:00+00:00")
    assert again.splitlines()[0].startswith("Erasures applied again: 0, ")
    assert len(again.splitlines()) == 3
    assert state(database, register) == after_erasure
