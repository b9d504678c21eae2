from django.conf import settings

from nabuur.zones.models import Zone


def site(request):
    """What every page needs: the demo flag and the zone whose numbers the notice shows."""
    return {
        "DEMO": settings.DEMO,
        "site_zone": Zone.objects.order_by("pk").first(),
    }
