"""The audit log viewer (/<lang>/staff/audit/): zone administrators only."""

from nabuur.staff.permissions import Capability

ENTRIES = {
    "staff:audit_log": {"capability": Capability.VIEW_AUDIT_LOG, "object": None, "kwargs": {}},
    # An export: after the capability check, a fresh login is asked for first.
    "staff:audit_head": {
        "capability": Capability.VIEW_AUDIT_LOG,
        "object": None,
        "kwargs": {},
        "ok": (302,),
    },
}
