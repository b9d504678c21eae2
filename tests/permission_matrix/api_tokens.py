"""The zone administrator's API tokens (/<lang>/staff/api-tokens/<zone>/)."""

from nabuur.api import services
from nabuur.api.models import Scope
from nabuur.staff.permissions import Capability


def _token(ctx):
    token, _ = services.create_token(ctx.fixture("zone_admin"), ctx.zone, "101", [Scope.DISPATCH])
    return {"slug": ctx.zone.slug, "pk": token.pk}


ENTRIES = {
    "api_tokens:list": {
        "capability": Capability.MANAGE_ZONE,
        "object": "zone",
        "kwargs": lambda ctx: {"slug": ctx.zone.slug},
    },
    "api_tokens:withdraw": {
        "capability": Capability.MANAGE_ZONE,
        "object": "zone",
        "kwargs": _token,
        "method": "post",
        "ok": (302,),
    },
    "api_tokens:revoke": {
        "capability": Capability.MANAGE_ZONE,
        "object": "zone",
        "kwargs": _token,
        "method": "post",
        "ok": (302,),
    },
}
