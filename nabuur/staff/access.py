"""Fetch an object only if the person may act on it.

Outside the person's scope the object answers 404, exactly as if it did not exist; inside the
scope without the capability, 403.
"""

from django.core.exceptions import PermissionDenied
from django.http import Http404

from nabuur.networks.models import Network
from nabuur.zones.models import Municipality, Zone

from .permissions import can, in_scope


def _check(user, capability, obj):
    if obj is None or not in_scope(user, obj):
        raise Http404
    if not can(user, capability, obj):
        raise PermissionDenied
    return obj


def get_network_for(user, capability, slug):
    """The BIN with this slug if `user` holds `capability` over it; 404 outside scope, else 403."""
    network = Network.objects.select_related("municipality__zone").filter(slug=slug).first()
    return _check(user, capability, network)


def get_municipality_for(user, capability, nis_code):
    """The municipality if `user` holds `capability` over it; 404 outside scope, else 403."""
    municipality = Municipality.objects.select_related("zone").filter(nis_code=nis_code).first()
    return _check(user, capability, municipality)


def get_zone_for(user, capability, slug):
    """The zone if `user` holds `capability` over it; 404 outside scope, else 403."""
    return _check(user, capability, Zone.objects.filter(slug=slug).first())
