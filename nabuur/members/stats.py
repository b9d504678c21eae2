from nabuur.operations.stats import count_by, stats_section

from .models import Membership, MembershipStatus


@stats_section("members")
def members():
    return count_by(Membership.objects.all(), "status", MembershipStatus)
