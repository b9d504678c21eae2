"""Create, share, withdraw from and revoke API tokens, and record their use. Every verb writes the
audit log."""

import secrets

from django.db import transaction

from nabuur.lib import clock
from nabuur.staff.auditing import record
from nabuur.staff.permissions import Capability

from .models import ApiToken, TokenZone, digest

# Marks a Nabuur token in logs and secret scanners; not a secret.
SECRET_PREFIX = "nbr_"  # noqa: S105


def create_token(actor, zone, name, scopes):
    """A new token for `zone`, created by one of its administrators: (token, secret).

    The secret is returned once, to be shown once; only its digest is stored.
    """
    secret = SECRET_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(
            name=name,
            prefix=secret[:12],
            digest=digest(secret),
            scopes=sorted(scopes),
            created_by=actor,
        )
        TokenZone.objects.create(token=token, zone=zone, added_by=actor)
        record(
            actor,
            "api.token_created",
            place=zone,
            capability=Capability.MANAGE_ZONE,
            target=token,
            details={"token": token.prefix, "name": name, "scopes": token.scopes},
        )
    return token, secret


def add_zone(actor, token, zone):
    """`zone`'s administrator agrees that `token` (made in another zone) reads `zone` too."""
    with transaction.atomic():
        _, created = TokenZone.objects.get_or_create(
            token=token, zone=zone, defaults={"added_by": actor}
        )
        if created:
            record(
                actor,
                "api.token_zone_added",
                place=zone,
                capability=Capability.MANAGE_ZONE,
                target=token,
                details={"token": token.prefix},
            )
    return created


def withdraw_zone(actor, token, zone):
    """`zone`'s administrator no longer agrees that `token` reads `zone`; the other zones keep
    it. False when `zone` is the only zone the token reads: then only revoking stops it. Each
    zone the token read is told in its own log."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        zone_ids = list(token.token_zones.values_list("zone_id", flat=True))
        if zone.pk not in zone_ids or len(zone_ids) == 1:
            return False
        token.token_zones.filter(zone=zone).delete()
        for zone_id in zone_ids:
            record(
                actor,
                "api.token_zone_withdrawn",
                place=zone,
                capability=Capability.MANAGE_ZONE,
                target=token,
                zone=zone_id,
                details={"token": token.prefix, "zone": zone.pk},
            )
    return True


def revoke_token(actor, token, zone):
    """Stop `token` for every zone it covers. Any covered zone's administrator may: one zone
    that no longer agrees must be able to stop it at once. Each covered zone's log says so."""
    with transaction.atomic():
        token = ApiToken.objects.select_for_update().get(pk=token.pk)
        if token.revoked_at is not None:
            return token
        token.revoked_at = clock.now()
        token.save(update_fields=["revoked_at"])
        for zone_id in token.token_zones.values_list("zone_id", flat=True):
            record(
                actor,
                "api.token_revoked",
                place=zone,
                capability=Capability.MANAGE_ZONE,
                target=token,
                zone=zone_id,
                details={"token": token.prefix},
            )
    return token


def record_use(token, path, status):
    """Write that `token` was used (audit log of each zone it covers) and when it was last used.

    The path has no query string: the address asked about stays out of the log.
    """
    with transaction.atomic():
        token.last_used_at = clock.now()
        token.save(update_fields=["last_used_at"])
        for zone_id in token.token_zones.values_list("zone_id", flat=True):
            record(
                None,
                "api.token_used",
                role="api_token",
                target=token,
                zone=zone_id,
                details={"token": token.prefix, "path": path, "status": status},
            )
