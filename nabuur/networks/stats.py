from nabuur.operations.stats import count_by, stats_section

from .models import Network, NetworkStatus


@stats_section("bins")
def bins():
    return count_by(Network.objects.all(), "status", NetworkStatus)
