"""The audit log viewer: zone administrators only."""

ENTRIES = {}
