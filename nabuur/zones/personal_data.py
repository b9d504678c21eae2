"""What zones holds about a person: nothing; its contacts are organisations', not people's."""

from nabuur.privacy.registry import no_personal_data

no_personal_data(
    "zones.Zone", "the zone's and its controller's organisational contact details, not a person"
)
no_personal_data(
    "zones.Street", "reference data about public roads (max_house_number is not a person's)"
)
no_personal_data(
    "zones.Address",
    "BeSt Address, the public register of addresses and their points: it names no resident",
)
