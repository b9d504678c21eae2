"""What the API app holds about a person: the tokens they created or added their zone to."""

from nabuur.privacy.registry import register, rows_of

from .models import ApiToken, TokenZone


def erase_token_creator(user):
    # The token belongs to the zone and keeps working; only the link to the person goes (the
    # audit log keeps who created it, by id).
    ApiToken.objects.filter(created_by=user).update(created_by=None)


def erase_zone_agreement(user):
    TokenZone.objects.filter(added_by=user).update(added_by=None)


register(
    "api.ApiToken",
    export=rows_of(ApiToken, "created_by", ["name", "prefix", "created_at", "revoked_at"]),
    erase=erase_token_creator,
)
register(
    "api.TokenZone",
    export=rows_of(TokenZone, "added_by", ["token__prefix", "zone__slug", "added_at"]),
    erase=erase_zone_agreement,
)
