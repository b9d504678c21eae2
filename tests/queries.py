"""Query counts that differ between the two databases the suite runs on."""

from django.db import connection

# An audit entry's statements: on PostgreSQL one (the head locked and moved, the entry written);
# on SQLite, inside a savepoint (in a test's transaction), the head read and locked, the entry,
# the head's move, the savepoint's release.
AUDIT_QUERIES = 1 if connection.vendor == "postgresql" else 5
