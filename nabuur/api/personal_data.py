"""What the API app holds about a person: the tokens they created or added their zone to."""

from nabuur.privacy.registry import in_zone, register, rows_of

from .models import ApiToken, TokenZone


def erase_token_creator(user, zone=None):
    # The token belongs to the zone(s) it serves and keeps working; only the link to the person
    # goes (the audit log keeps who created it, by id).
    in_zone(ApiToken.objects.filter(created_by=user), "zones", zone).update(created_by=None)


def erase_zone_agreement(user, zone=None):
    in_zone(TokenZone.objects.filter(added_by=user), "zone", zone).update(added_by=None)


register(
    "api.ApiToken",
    export=rows_of(
        ApiToken, "created_by", ["name", "prefix", "created_at", "revoked_at"], zone_field="zones"
    ),
    erase=erase_token_creator,
)
register(
    "api.TokenZone",
    export=rows_of(TokenZone, "added_by", ["token__prefix", "zone__slug", "added_at"], "zone"),
    erase=erase_zone_agreement,
)
