"""Query counts that differ between the two databases the suite runs on."""

from django.db import connection

# An audit entry's statements inside a test's transaction: its savepoint, the head read and
# locked, the entry and the head's move (one statement on PostgreSQL, two on SQLite), the
# savepoint's release.
AUDIT_QUERIES = 4 if connection.vendor == "postgresql" else 5
