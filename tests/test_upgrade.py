"""An install of v0.1.0 upgrades to this code without losing anything (issue 18).

tests/data/upgrade/v0.1.0-demo.sql.gz is the demo database made at the v0.1.0 tag (by
`scripts/make-upgrade-fixture v0.1.0`, with an invitation and a message after the demo, so the
audit log has entries). The test loads it, runs `nabuur migrate` with this checkout as an operator
does after `git checkout` of a new release, and checks: every table of v0.1.0 holds as many
rows, the audit chain is intact and still holds the head exported at v0.1.0, and a member's data
export holds everything it held then (new kinds of data may be added, empty).
"""

import gzip
import json
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
DATA = Path(__file__).parent / "data" / "upgrade"
NABUUR = str(Path(sys.executable).parent / "nabuur")
# Tables whose rows migrate adds to by design: its own record, and the content types and
# permissions of new models.
GROWS_ON_MIGRATE = {"django_migrations", "django_content_type", "auth_permission"}

EXPORT = """
import json
from nabuur.accounts.models import User
from nabuur.privacy.registry import export_person
user = User.objects.get(email="an.vermeulen@example.org")
print(json.dumps(export_person(user), default=str, sort_keys=True))
"""


def run(database, *args, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NABUUR_ENV": "test",
        "NABUUR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": f"sqlite:///{database}",
        "NABUUR_EMAIL_URL": "memory://",
    }
    result = subprocess.run(
        [NABUUR, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def row_counts(database):
    with sqlite3.connect(database) as db:
        tables = [
            name
            for (name,) in db.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
            )
        ]
        return {
            # Table names come from sqlite_master, not from input.
            table: db.execute(f'SELECT count(*) FROM "{table}"').fetchone()[0]  # noqa: S608
            for table in tables
        }


def test_the_v0_1_0_database_migrates_without_losing_anything(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the release database is SQLite; the SQLite run covers it")
    database = tmp_path / "nabuur.sqlite3"
    with sqlite3.connect(database) as db:
        db.executescript(gzip.decompress((DATA / "v0.1.0-demo.sql.gz").read_bytes()).decode())
    before = row_counts(database)
    assert before["members_membership"] > 150 and before["audit_auditentry"] == 3

    run(database, "migrate", "--noinput", tmp_path=tmp_path)

    after = row_counts(database)
    assert {t: after[t] for t in before if t not in GROWS_ON_MIGRATE} == {
        t: n for t, n in before.items() if t not in GROWS_ON_MIGRATE
    }
    head = json.loads((DATA / "v0.1.0-head.json").read_text())
    verified = run(
        database, "verify_audit", f"--expect={head['seq']}:{head['hash']}", tmp_path=tmp_path
    )
    assert verified.startswith(f"The audit log is intact: {head['seq']} entries")

    then = json.loads((DATA / "v0.1.0-export.json").read_text())
    now = json.loads(run(database, "shell", "--no-imports", "-c", EXPORT, tmp_path=tmp_path))
    assert sum(len(rows) for rows in then.values()) >= 4
    for label, rows in then.items():
        assert len(now[label]) == len(rows), label
        for old, new in zip(rows, now[label], strict=True):
            # A field a later release added may appear; every field of v0.1.0 keeps its value.
            assert {key: new[key] for key in old} == old, label
    assert {label: rows for label, rows in now.items() if label not in then} == {
        label: [] for label in now if label not in then
    }
