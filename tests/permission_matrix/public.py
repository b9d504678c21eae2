"""Public pages: everyone, signed in or not, gets the same answer."""

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}

ENTRIES = {
    "public:home": PUBLIC,
    "public:find": PUBLIC,
    "public:network": {**PUBLIC, "kwargs": lambda ctx: {"slug": ctx.bin_a.slug}},
    "public:house_rules": PUBLIC,
    "public:privacy": PUBLIC,
    "public:zone_house_rules": {**PUBLIC, "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug}},
    "public:zone_privacy": {**PUBLIC, "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug}},
    "public:accessibility": PUBLIC,
}
