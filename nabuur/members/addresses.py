"""Which BIN an address belongs to, for the join form and address changes.

The finder of nabuur.networks decides; this module turns the form's separate fields into its
question, and its answer into what a membership needs (the street row, the number, the BINs).
"""

from dataclasses import dataclass, field

from nabuur.networks.finder import FinderStatus, find_networks
from nabuur.networks.models import Network
from nabuur.zones.models import Street


@dataclass
class Location:
    status: str
    street: Street | None = None
    house_number: int | None = None
    suffix: str = ""
    networks: list[Network] = field(default_factory=list)
    zone: object = None

    @property
    def found(self):
        return self.status == FinderStatus.FOUND

    @property
    def outside_every_bin(self):
        """A known street and number that no BIN covers: the police decide which BIN fits."""
        return self.status == FinderStatus.NO_BIN_HERE


def locate(street_text: str, number_text: str, postcode: str) -> Location:
    """Ask the finder about '<street> <number>, <postcode>' (the box never changes the BIN)."""
    result = find_networks(f"{street_text} {number_text}, {postcode}")
    return Location(
        status=result.status,
        street=result.street,
        house_number=result.parsed.number,
        suffix=result.parsed.letter.upper(),
        networks=list(result.networks),
        zone=result.zone,
    )
