"""Change the audit log behind the application's back, as someone with full database access."""

from django.db import connection

TRIGGER = "audit_entry_append_only"


def tamper(sql, params=()):
    # On PostgreSQL the append-only trigger must be switched off first (the table's owner may).
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry DISABLE TRIGGER {TRIGGER}")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute(f"ALTER TABLE audit_auditentry ENABLE TRIGGER {TRIGGER}")
