"""Zone administration pages (/<lang>/staff/bins/…): BINs, segments, merge, stop, roles."""

from nabuur.staff.models import Role
from nabuur.staff.permissions import Capability as C
from tests import factories


def _bin_a(ctx):
    return {"slug": ctx.bin_a.slug}


def _segment_of_a(ctx):
    return {"slug": ctx.bin_a.slug, "pk": factories.SegmentFactory(network=ctx.bin_a).pk}


def _coordinator_role_of_a(ctx):
    role = factories.RoleFactory(role=Role.CO_COORDINATOR, network=ctx.bin_a)
    return {"slug": ctx.bin_a.slug, "pk": role.pk}


ENTRIES = {
    "networks:list": {"capability": C.VIEW_NETWORKS, "object": None, "kwargs": {}},
    "networks:create": {"capability": C.MANAGE_NETWORKS, "object": None, "kwargs": {}},
    "networks:detail": {"capability": C.VIEW_NETWORKS, "object": "bin_a", "kwargs": _bin_a},
    "networks:edit": {"capability": C.MANAGE_NETWORKS, "object": "bin_a", "kwargs": _bin_a},
    "networks:segment_add": {
        "capability": C.MANAGE_NETWORKS,
        "object": "bin_a",
        "kwargs": _bin_a,
    },
    "networks:segment_import": {
        "capability": C.MANAGE_NETWORKS,
        "object": "bin_a",
        "kwargs": _bin_a,
    },
    "networks:segment_edit": {
        "capability": C.MANAGE_NETWORKS,
        "object": "bin_a",
        "kwargs": _segment_of_a,
    },
    "networks:segment_delete": {
        "capability": C.MANAGE_NETWORKS,
        "object": "bin_a",
        "kwargs": _segment_of_a,
    },
    "networks:merge": {"capability": C.MANAGE_NETWORKS, "object": "bin_a", "kwargs": _bin_a},
    "networks:stop": {"capability": C.MANAGE_NETWORKS, "object": "bin_a", "kwargs": _bin_a},
    # The BE-Alert hand-off (networks.cap.EXPORT_CAPABILITY): officers and zone administrators.
    "networks:cap": {"capability": C.EXPORT_ALERTS, "object": "bin_a", "kwargs": _bin_a},
    "networks:roles": {
        "capability": C.INVITE_COORDINATORS,
        "object": "bin_a",
        "kwargs": _bin_a,
    },
    "networks:role_end": {
        "capability": C.INVITE_COORDINATORS,
        "object": "bin_a",
        "kwargs": _coordinator_role_of_a,
    },
    "networks:role_replace": {
        "capability": C.INVITE_COORDINATORS,
        "object": "bin_a",
        "kwargs": _coordinator_role_of_a,
    },
    "networks:role_screening": {
        "capability": C.INVITE_COORDINATORS,
        "object": "bin_a",
        "kwargs": _coordinator_role_of_a,
    },
    "networks:measures": {
        "capability": C.COORDINATOR_MEASURES,
        "object": "bin_a",
        "kwargs": _coordinator_role_of_a,
    },
}
