from nabuur.operations.stats import stats_section

from .models import Municipality, Zone


@stats_section("zones")
def zones():
    return Zone.objects.count()


@stats_section("municipalities")
def municipalities():
    # Reference data holds all of Belgium; only the municipalities a zone runs count here.
    return Municipality.objects.filter(zone__isnull=False).count()
