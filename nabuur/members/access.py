"""Fetch what a signed-in resident may see: their own rows only; anything else is a 404."""

from django.shortcuts import get_object_or_404

from .models import CURRENT_STATUSES, Membership


def get_membership_for_member(user, membership_id):
    """The user's own current membership with this id, or 404 ("not yours" looks like missing)."""
    return get_object_or_404(
        Membership.objects.select_related("network__municipality", "network__bin_type", "street"),
        pk=membership_id,
        user=user,
        status__in=CURRENT_STATUSES,
    )
