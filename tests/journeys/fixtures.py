"""The places the journeys walk in: a Flemish BIN (Dutch only, by law) and a bilingual Brussels
BIN (Dutch or French, as each resident chooses), each in its own police zone."""

from dataclasses import dataclass

from nabuur.lib import clock
from nabuur.lib.languages import LanguageRegime
from nabuur.messaging.models import Message, MessageKind, MessageVariant
from nabuur.messaging.services import queue_message
from nabuur.staff.models import Role
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from tests import factories


@dataclass(frozen=True)
class Place:
    """Where a journey happens, as a resident of it writes their address."""

    zone_slug: str
    zone_name: str
    nis_code: str
    municipality_nl: str
    municipality_fr: str
    regime: str
    street_nl: str
    street_fr: str
    postcode: str
    bin_name: str
    bin_slug: str

    def street(self, language):
        return self.street_fr if language == "fr" and self.street_fr else self.street_nl


# Dutch walks: Edegem, a Flemish municipality, where Nabuur speaks Dutch only.
EDEGEM = Place(
    zone_slug="pz-minos",
    zone_name="Politiezone Minos",
    nis_code="11013",
    municipality_nl="Edegem",
    municipality_fr="Edegem",
    regime=LanguageRegime.DUTCH,
    street_nl="Kerkstraat",
    street_fr="",
    postcode="2650",
    bin_name="BIN Centrum",
    bin_slug="centrum",
)
# French walks: Koekelberg, bilingual Brussels, as in the demo.
KOEKELBERG = Place(
    zone_slug="pz-bruxelles-ouest",
    zone_name="Zone de police Bruxelles-Ouest",
    nis_code="21011",
    municipality_nl="Koekelberg",
    municipality_fr="Koekelberg",
    regime=LanguageRegime.BRUSSELS,
    street_nl="Basilieklaan",
    street_fr="Avenue de la Basilique",
    postcode="1081",
    bin_name="BIN Basiliek / RIQ Basilique",
    bin_slug="koekelberg-basiliek",
)
PLACES = {"nl": EDEGEM, "fr": KOEKELBERG}


def make_zone(place):
    """The zone, its municipality and one street of it, with published house rules and privacy
    notice (a resident must read them to join)."""
    zone = factories.ZoneFactory(slug=place.zone_slug, name=place.zone_name)
    municipality = factories.MunicipalityFactory(
        nis_code=place.nis_code,
        name_nl=place.municipality_nl,
        name_fr=place.municipality_fr,
        zone=zone,
        language_regime=place.regime,
    )
    street = factories.SearchableStreetFactory(
        municipality=municipality,
        name_nl=place.street_nl,
        name_fr=place.street_fr,
        postcode=place.postcode,
        max_house_number=120,
    )
    publish_house_rules(zone)
    publish_privacy_notice(zone)
    return zone, municipality, street


def make_bin(place, language, *, requires_approval=True):
    """A zone with one BIN covering numbers 1–99 of the street, its coordinator (reading the
    journey's language) and its zone administrator."""
    zone, municipality, street = make_zone(place)
    network = factories.NetworkFactory(
        municipality=municipality,
        name=place.bin_name,
        slug=place.bin_slug,
        requires_approval=requires_approval,
    )
    factories.SegmentFactory(network=network, street=street, number_from=1, number_to=99)
    coordinator = factories.RoleFactory(
        role=Role.COORDINATOR,
        network=network,
        user__first_name="Lies",
        user__last_name="Janssens",
        user__language=language,
    ).user
    return {"zone": zone, "network": network, "street": street, "coordinator": coordinator}


TIPS = {
    "nl": ("Preventietip: sluit uw ramen", "Sluit uw ramen als u vertrekt."),
    "fr": ("Conseil de prévention : fermez vos fenêtres", "Fermez vos fenêtres en partant."),
}


def send_tip(network, author, languages):
    """The coordinator's prevention tip to the BIN, queued as the compose flow queues it."""
    message = Message.objects.create(kind=MessageKind.PREVENTION, author=author)
    message.targets.set([network])
    for language in languages:
        subject, text = TIPS[language]
        MessageVariant.objects.create(
            message=message,
            language=language,
            subject=subject,
            body_markdown=text,
            body_html=f"<p>{text}</p>",
            body_text=text,
        )
    queue_message(message, now=clock.now())
    return message
