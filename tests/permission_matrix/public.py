"""Public pages: everyone, signed in or not, gets the same answer."""

import base64

from django.utils import timezone

PUBLIC = {"capability": "public", "object": None, "kwargs": {}}
# A 1×1 PNG: the zone's logo for the logo's address.
PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg=="
)


def _with_logo(ctx):
    ctx.zone.logo, ctx.zone.logo_content_type = PNG, "image/png"
    ctx.zone.logo_updated_at = timezone.now()
    ctx.zone.save(update_fields=["logo", "logo_content_type", "logo_updated_at"])


ENTRIES = {
    "public:home": PUBLIC,
    "public:find": PUBLIC,
    "public:network": {**PUBLIC, "kwargs": lambda ctx: {"slug": ctx.bin_a.slug}},
    "public:house_rules": PUBLIC,
    "public:privacy": PUBLIC,
    "public:zone_house_rules": {**PUBLIC, "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug}},
    "public:zone_privacy": {**PUBLIC, "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug}},
    "public:accessibility": PUBLIC,
    # The zone's look: every page links its colour and logo, for everyone.
    "public:zone_theme": {**PUBLIC, "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug}},
    "public:zone_logo": {
        **PUBLIC,
        "kwargs": lambda ctx: {"zone_slug": ctx.zone.slug},
        "setup": _with_logo,
    },
}
