"""Fetch what a signed-in resident may see: their own rows only; anything else is a 404."""

from django.shortcuts import get_object_or_404

from nabuur.zones.site import only_host_zone

from .models import CURRENT_STATUSES


def own_memberships(user):
    """The user's current memberships; on a zone's own host name only those in that zone, so
    a person who lives in two zones sees each on its own site."""
    return only_host_zone(
        user.memberships.filter(status__in=CURRENT_STATUSES), "network__municipality__zone"
    )


def get_membership_for_member(user, membership_id):
    """The user's own current membership with this id, or 404 ("not yours" looks like missing)."""
    return get_object_or_404(
        own_memberships(user).select_related(
            "network__municipality", "network__bin_type", "street"
        ),
        pk=membership_id,
    )
