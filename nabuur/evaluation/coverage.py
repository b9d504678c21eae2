"""Coverage: how many of the dwellings in a BIN's area have a member household.

Zones size a BIN by its dwellings and judge it by this rate. The dwellings are the BeSt
addresses its segments cover, every box counted (Network.dwellings, counted with the area in
networks.areas); a household is one address (street, number, letter, box) with at least one
member who joined and has not left.
"""

from dataclasses import dataclass

from nabuur.members.models import Membership, MembershipStatus

# Members who joined and still belong: a sign-up waiting for confirmation is no household yet.
HOUSEHOLD_STATUSES = [
    MembershipStatus.ACTIVE,
    MembershipStatus.PAUSED,
    MembershipStatus.SUSPENDED,
]


@dataclass(frozen=True)
class Coverage:
    dwellings: int
    households: int

    @property
    def percent(self):
        """Households per 100 dwellings, one decimal; None when the area has no dwelling."""
        if not self.dwellings:
            return None
        return round(100 * self.households / self.dwellings, 1)


def coverage_of(networks):
    """{network id: Coverage} for `networks` (Network instances), in one query."""
    networks = list(networks)
    households = dict.fromkeys((network.pk for network in networks), 0)
    # Distinct addresses per BIN: one row per household, counted here (a few thousand at most).
    rows = (
        Membership.objects.filter(network__in=list(households), status__in=HOUSEHOLD_STATUSES)
        .values_list("network", "street", "house_number", "house_number_suffix", "box")
        .distinct()
        .order_by()
    )
    for network_id, *_address in rows:
        households[network_id] += 1
    return {
        network.pk: Coverage(dwellings=network.dwellings, households=households[network.pk])
        for network in networks
    }


def coverage(network):
    """The Coverage of one BIN."""
    return coverage_of([network])[network.pk]
