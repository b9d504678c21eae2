"""Fetch an object only if the person may act on it.

Outside the person's scope the object answers 404, exactly as if it did not exist; inside the
scope without the capability, 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabuur.networks.models import Network
from nabuur.zones.models import Municipality, Zone

from .permissions import can, in_scope


def _unique(queryset, **lookup):
    """The one object matching `lookup` (a unique field), or None.

    Not .first(): its ORDER BY costs Django more to build than the query costs to run, and
    every staff page of a BIN asks this.
    """
    try:
        return queryset.get(**lookup)
    except queryset.model.DoesNotExist:
        return None


def _check(user, capability, obj):
    if obj is None or not in_scope(user, obj):
        raise Http404
    if not can(user, capability, obj):
        raise PermissionDenied
    return obj


def get_network_for(user, capability, slug):
    """The BIN with this slug if `user` holds `capability` over it; 404 outside scope, else 403."""
    network = _unique(Network.objects.select_related("municipality__zone"), slug=slug)
    return _check(user, capability, network)


def get_municipality_for(user, capability, nis_code):
    """The municipality if `user` holds `capability` over it; 404 outside scope, else 403."""
    municipality = _unique(Municipality.objects.select_related("zone"), nis_code=nis_code)
    return _check(user, capability, municipality)


def get_zone_for(user, capability, slug):
    """The zone if `user` holds `capability` over it; 404 outside scope, else 403."""
    return _check(user, capability, _unique(Zone.objects, slug=slug))
