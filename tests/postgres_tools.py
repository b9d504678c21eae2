"""Fresh PostgreSQL databases beside the test database, for tests that run Nabuur's commands as
an operator would (a new install, a backup and its restore)."""

import contextlib
import glob
import os
import shutil

import psycopg
import pytest
from django.db import connection


def server():
    """The connection settings of the suite's PostgreSQL server; skips on SQLite."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL")
    return connection.settings_dict


def url(name):
    settings = server()
    return f"postgres://{settings['USER']}@{settings['HOST']}:{settings['PORT']}/{name}"


@contextlib.contextmanager
def fresh_database(label):
    """An empty database, dropped afterwards; yields its DATABASE_URL."""
    settings = server()
    name = f"nabuur_{label}_{os.getpid()}"
    admin = psycopg.connect(
        host=settings["HOST"],
        port=settings["PORT"],
        user=settings["USER"],
        password=settings["PASSWORD"] or None,
        dbname="postgres",
        autocommit=True,
    )
    try:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{name}"')
        yield url(name)
    finally:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def client_program(name):
    """pg_dump or pg_restore of the server's own version (scripts/with-postgres finds the same
    installation), else the one on PATH."""
    for candidate in sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), reverse=True):
        return candidate
    found = shutil.which(name)
    if found is None:
        pytest.skip(f"{name} is not installed")
    return found
