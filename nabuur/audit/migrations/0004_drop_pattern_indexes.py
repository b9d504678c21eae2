"""Drop the LIKE indexes PostgreSQL got for an audit entry's action and hash.

Django gives every indexed or unique CharField on PostgreSQL a second index with
varchar_pattern_ops, for LIKE 'prefix%' lookups. Nothing looks these two columns up by prefix,
only by equality (the audit viewer's filter, the chain's checks), which their own indexes serve.
Every page that shows personal data appends an entry, and each entry was written into both:
the hash, a random string, at a random place.

DROP INDEX CONCURRENTLY takes no lock that stops the web processes, and cannot run in a
transaction: hence a non-atomic migration. SQLite never had these indexes.
(Should a later AlterField of either field recreate one, drop it again the same way.)
"""

from django.db import migrations

# Django's names for them: the table, the column, a hash of both, "_like".
PATTERN_INDEXES = {
    "audit_auditentry_action_dee621eb_like": "action",
    "audit_auditentry_hash_718ebbcd_like": "hash",
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
            f"ON audit_auditentry ({column} varchar_pattern_ops)",
            params=None,
        )


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("audit", "0003_entry_zone")]

    operations = [migrations.RunPython(drop, create, atomic=False, elidable=False)]
