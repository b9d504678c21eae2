"""The HTTP API (/api/v1/): public endpoints answer everyone alike; token endpoints answer no
session at all, whoever is signed in (401 without a token)."""

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}
# A session is no token: every persona, zone administrators included, gets 401.
TOKEN_ONLY = {**PUBLIC, "ok": (401,)}

ENTRIES = {
    "api:api-root": {**PUBLIC, "ok": (302,)},
    "api:docs": PUBLIC,
    "api:openapi-json": PUBLIC,
    "api:lookup": {**PUBLIC, "data": {"postcode": "2650", "street": "Kerkstraat"}},
    "api:zone": PUBLIC,
    "api:bins": PUBLIC,
    "api:bin": {**PUBLIC, "kwargs": lambda ctx: {"slug": ctx.bin_a.slug}},
    "api:not_found": {**PUBLIC, "kwargs": {"rest": "nothing"}, "ok": (404,)},
    "api:dispatch_lookup": {**TOKEN_ONLY, "data": {"postcode": "2650", "street": "Kerkstraat"}},
    "api:statistics": {**TOKEN_ONLY, "kwargs": {"year": 2025}},
    "api:bin_statistics": {
        **TOKEN_ONLY,
        "kwargs": lambda ctx: {"year": 2025, "slug": ctx.bin_a.slug},
    },
}
