"""Staff pages (/<lang>/staff/…): anonymous visitors log in first."""

ENTRIES = {
    "staff:dashboard": {"capability": "staff", "object": None, "kwargs": {}},
}
