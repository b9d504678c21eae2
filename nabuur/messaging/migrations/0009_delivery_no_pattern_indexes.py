"""Drop the LIKE indexes PostgreSQL got for Delivery's token and Message-ID.

Django gives every unique CharField on PostgreSQL a second index with varchar_pattern_ops, for
LIKE 'prefix%' lookups. Nothing looks these two columns up by prefix, only by equality, which
the unique indexes serve. Both hold random strings, so each queued e-mail wrote into two more
indexes at a random place: at 300,000 recipients they came to 44 MB that queueing kept
rewriting, and made queue_message() slower than linear (docs/performance.md,
national_queue_ratio).

DROP INDEX CONCURRENTLY takes no lock that stops the workers or the web processes, and cannot
run in a transaction: hence a non-atomic migration. SQLite never had these indexes.
(Should a later AlterField of either field recreate one, drop it again the same way.)
"""

from django.db import migrations

# Django's names for them: the table, the column, a hash of both, "_like".
PATTERN_INDEXES = {
    "messaging_delivery_message_id_header_4a3ce192_like": "message_id_header",
    "messaging_delivery_token_1b801ead_like": "token",
}


def drop(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in PATTERN_INDEXES:
        schema_editor.execute(f"DROP INDEX CONCURRENTLY IF EXISTS {name}", params=None)


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name, column in PATTERN_INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX CONCURRENTLY IF NOT EXISTS {name} "
            f"ON messaging_delivery ({column} varchar_pattern_ops)",
            params=None,
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("messaging", "0008_skip_opted_out")]

    operations = [migrations.RunPython(drop, create, atomic=False, elidable=False)]
