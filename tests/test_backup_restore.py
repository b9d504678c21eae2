"""The SQLite backup of docs/deploy.md ("Backups") restores to the same Nabuur (issue 18).

The `.backup` of the sqlite3 shell, taken while the database is open: `nabuur verify_audit`
passes on the copy with the head exported from the original, and every table holds as many
rows. The PostgreSQL backup (deploy/nabuur-backup.service) is restored at the end of
tests/test_production_stack.py, on the data its walk made.
"""

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection

ROOT = Path(__file__).resolve().parent.parent
NABUUR = str(Path(sys.executable).parent / "nabuur")


def nabuur(database_url, *args, tmp_path):
    env = {
        "PATH": os.environ["PATH"],
        "HOME": str(tmp_path),
        "NABUUR_ENV": "test",
        "NABUUR_VAR_DIR": str(tmp_path),
        "DATABASE_URL": database_url,
        "NABUUR_EMAIL_URL": "memory://",
    }
    result = subprocess.run(
        [NABUUR, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def load_a_zone(database_url, tmp_path):
    """A migrated database with the demo zone and its members, and a second zone made as an
    operator makes one, whose steps are in the audit log."""
    nabuur(database_url, "migrate", "--noinput", tmp_path=tmp_path)
    nabuur(database_url, "demo", "--members", "150", tmp_path=tmp_path)
    nabuur(
        database_url,
        "create_zone",
        "hekla",
        "--name=Politiezone HEKLA",
        "--municipalities=11002",
        "--email=info@pz-hekla.be",
        "--phone=03 123 45 67",
        "--postal-address=Kerkplein 1",
        "--dpo-name=DPO",
        "--dpo-email=dpo@pz-hekla.be",
        tmp_path=tmp_path,
    )
    nabuur(database_url, "invite_admin", "chief@pz-hekla.be", "--zone=hekla", tmp_path=tmp_path)
    head = json.loads(nabuur(database_url, "export_audit_head", tmp_path=tmp_path))
    return f"{head['seq']}:{head['hash']}"


COUNT_ROWS = """
import json
from django.apps import apps
print(json.dumps({m._meta.db_table: m._default_manager.count() for m in apps.get_models()}))
"""


def row_counts(database_url, tmp_path):
    out = nabuur(database_url, "shell", "--no-imports", "-c", COUNT_ROWS, tmp_path=tmp_path)
    return json.loads(out.splitlines()[-1])


def assert_same_nabuur(original, copy, head, tmp_path):
    verified = nabuur(copy, "verify_audit", "--expect", head, tmp_path=tmp_path)
    seq = head.split(":")[0]
    assert re.match(rf"The audit log is intact: {seq} entries", verified), verified
    before, after = row_counts(original, tmp_path), row_counts(copy, tmp_path)
    assert after == before
    assert before["members_membership"] > 150
    assert before["audit_auditentry"] == int(seq) >= 2


def test_an_sqlite_backup_taken_while_open_restores_with_its_audit_chain(tmp_path):
    if connection.vendor != "sqlite":
        pytest.skip("the SQLite run covers it; the PostgreSQL backup is in test_production_stack")
    original = tmp_path / "nabuur.sqlite3"
    original_url = f"sqlite:///{original}"
    head = load_a_zone(original_url, tmp_path)
    copy = tmp_path / "backup.sqlite3"
    # The database stays open (as a running Nabuur holds it) while the copy is taken.
    holder = sqlite3.connect(original)
    holder.execute("BEGIN")
    holder.execute("SELECT count(*) FROM audit_auditentry").fetchone()
    try:
        if shutil.which("sqlite3"):
            subprocess.run(["sqlite3", str(original), f".backup {copy}"], check=True, timeout=120)
        else:
            with sqlite3.connect(copy) as target:
                sqlite3.connect(original).backup(target)
    finally:
        holder.rollback()
        holder.close()
    assert_same_nabuur(original_url, f"sqlite:///{copy}", head, tmp_path)
