"""A BIN's memberships per status, from the rows of changes the database keeps (StatusCount)."""

from django.db import connection, connections, transaction

from .models import Membership, StatusCount

_TABLE = StatusCount._meta.db_table
# (status, memberships) of the BIN whose id is the parameter; also a part of the member list's
# first query (members.staff_views).
SUMS = (
    f"SELECT status, SUM(change) FROM {_TABLE} "  # noqa: S608 — a constant name
    "WHERE network_id = %s GROUP BY status HAVING SUM(change) <> 0"
)
# PostgreSQL folds in one statement: it deletes only the rows its snapshot sees, so a change
# committed meanwhile keeps its own row, and a reader sees either the old rows or the sums.
_FOLD_POSTGRESQL = (
    f"WITH folded AS (DELETE FROM {_TABLE} RETURNING network_id, status, change) "  # noqa: S608
    f"INSERT INTO {_TABLE} (network_id, status, change) "
    "SELECT network_id, status, SUM(change) FROM folded "
    "GROUP BY network_id, status HAVING SUM(change) <> 0"
)


def status_counts(network):
    """{status: memberships of `network`}; statuses without any are left out."""
    with connection.cursor() as cursor:
        cursor.execute(SUMS, [network.pk])
        return dict(cursor.fetchall())


def fold_status_counts():
    """Fold every BIN's rows into one per status (none for a status that sums to nothing), so
    that reading a BIN's counts stays a few rows; returns the number of rows left."""
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(_FOLD_POSTGRESQL)
            return cursor.rowcount
        # SQLite's transaction holds the write lock: nothing changes in between.
        cursor.execute(
            f"SELECT network_id, status, SUM(change) FROM {_TABLE} "  # noqa: S608
            "GROUP BY network_id, status HAVING SUM(change) <> 0"
        )
        sums = cursor.fetchall()
        cursor.execute(f"DELETE FROM {_TABLE}")  # noqa: S608
        StatusCount.objects.bulk_create(
            StatusCount(network_id=network, status=status, change=change)
            for network, status, change in sums
        )
        return len(sums)


_DRIFT = (
    "SELECT network_id, status, SUM(memberships) FROM ("  # noqa: S608 — constant names
    f"SELECT network_id, status, COUNT(*) AS memberships FROM {Membership._meta.db_table} "
    "GROUP BY network_id, status "
    f"UNION ALL SELECT network_id, status, -SUM(change) FROM {_TABLE} "
    "GROUP BY network_id, status"
    ") AS both_sides GROUP BY network_id, status HAVING SUM(memberships) <> 0 "
    "ORDER BY network_id, status"
)


def count_drift():
    """[(BIN id, status, memberships not counted)] wherever the rows of changes disagree with
    the memberships themselves; empty as long as the triggers run (the test suite checks it
    after every test that used the database)."""
    with connection.cursor() as cursor:
        cursor.execute(_DRIFT)
        return cursor.fetchall()


# SQLite's triggers, as members/migrations/0011 created them. On SQLite a migration that changes
# the membership table rebuilds it without its triggers, and Django's `flush` (between tests)
# deletes the memberships one table at a time, in no fixed order, so the triggers may write rows
# for memberships after the counts were emptied: after every `migrate` and `flush`, the
# triggers are created again if missing and the counts made again from the memberships.
_SQLITE_TRIGGERS = [
    """CREATE TRIGGER IF NOT EXISTS members_count_inserted AFTER INSERT
        ON members_membership BEGIN
        INSERT INTO members_statuscount (network_id, status, change)
        VALUES (NEW.network_id, NEW.status, 1);
    END""",
    """CREATE TRIGGER IF NOT EXISTS members_count_deleted AFTER DELETE
        ON members_membership BEGIN
        INSERT INTO members_statuscount (network_id, status, change)
        VALUES (OLD.network_id, OLD.status, -1);
    END""",
    """CREATE TRIGGER IF NOT EXISTS members_count_updated AFTER UPDATE OF network_id, status
        ON members_membership
        WHEN OLD.network_id IS NOT NEW.network_id OR OLD.status IS NOT NEW.status BEGIN
        INSERT INTO members_statuscount (network_id, status, change)
        VALUES (OLD.network_id, OLD.status, -1), (NEW.network_id, NEW.status, 1);
    END""",
]
_RECOUNT = (
    f"INSERT INTO {_TABLE} (network_id, status, change) "  # noqa: S608 — constant names
    f"SELECT network_id, status, COUNT(*) FROM {Membership._meta.db_table} "
    "GROUP BY network_id, status"
)


def recount_on_sqlite(using="default", **kwargs):
    """After `migrate` or `flush` on SQLite: the triggers in place and the counts made again
    (a few milliseconds for the demo's 100,000 memberships). PostgreSQL keeps its triggers
    through ALTER TABLE, and its `flush` truncates without firing them."""
    database = connections[using]
    if database.vendor != "sqlite":
        return
    with transaction.atomic(using=using), database.cursor() as cursor:
        tables = database.introspection.table_names(cursor)
        if not {_TABLE, Membership._meta.db_table} <= set(tables):
            return  # `migrate` of another app alone, on a new database
        for statement in _SQLITE_TRIGGERS:
            cursor.execute(statement)
        cursor.execute(f"DELETE FROM {_TABLE}")  # noqa: S608
        cursor.execute(_RECOUNT)
