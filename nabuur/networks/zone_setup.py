"""A new police zone on a fresh install: `nabuur create_zone`.

A production install starts empty (the demo is refused there). This makes the one thing no page
can make: the zone itself, with its municipalities, the built-in BIN types and the first
versions of its privacy notice and house rules. Everything else (settings, BINs, staff) is done
on the zone administrator's pages after `nabuur invite_admin`.
"""

from dataclasses import dataclass

from django.db import transaction

from nabuur.staff.auditing import record
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import ControllerKind, Municipality, Zone

from .models import BinType

# The BIN types the circular describes, present in every zone; a zone may add its own.
BUILT_IN_BIN_TYPES = [
    {
        "code": BinType.BIN,
        "name_nl": "BIN",
        "name_fr": "RIQ",
        "name_de": "BIN",
        "name_en": "BIN",
        "for_businesses": False,
    },
    {
        "code": BinType.BIN_Z,
        "name_nl": "BIN-Z",
        "name_fr": "RIQ-I",
        "name_de": "BIN-Z",
        "name_en": "BIN-Z",
        "for_businesses": True,
    },
]


class ZoneSetupError(ValueError):
    """The zone cannot be made as asked; the message says why, for the operator."""


@dataclass(frozen=True)
class ZoneDetails:
    slug: str
    name: str
    email: str
    phone: str
    postal_address: str
    dpo_name: str
    dpo_email: str


def ensure_bin_types(zone):
    for spec in BUILT_IN_BIN_TYPES:
        BinType.objects.get_or_create(
            zone=zone, code=spec["code"], defaults={**spec, "built_in": True}
        )


def create_zone(details: ZoneDetails, nis_codes) -> Zone:
    """Make the zone, give it the municipalities with these NIS codes (none may belong to
    another zone), its BIN types and its documents. The zone is its own data controller until
    its administrator says otherwise on the settings page."""
    nis_codes = sorted(set(nis_codes))
    with transaction.atomic():
        if Zone.objects.filter(slug=details.slug).exists():
            raise ZoneSetupError(f"A zone with slug {details.slug!r} exists already.")
        municipalities = list(Municipality.objects.filter(nis_code__in=nis_codes))
        missing = sorted(set(nis_codes) - {m.nis_code for m in municipalities})
        if missing:
            raise ZoneSetupError(
                f"Unknown NIS codes: {', '.join(missing)} (run `nabuur load_reference` first)."
            )
        taken = [m for m in municipalities if m.zone_id is not None]
        if taken:
            names = ", ".join(f"{m.nis_code} {m}" for m in taken)
            raise ZoneSetupError(f"These municipalities belong to another zone: {names}.")
        if not municipalities:
            raise ZoneSetupError("A zone needs at least one municipality.")
        zone = Zone.objects.create(
            slug=details.slug,
            name=details.name,
            email=details.email,
            phone=details.phone,
            postal_address=details.postal_address,
            controller_kind=ControllerKind.POLICE_ZONE,
            controller_name=details.name,
            controller_address=details.postal_address,
            controller_email=details.email,
            dpo_name=details.dpo_name,
            dpo_email=details.dpo_email,
            accessibility_email=details.email,
        )
        Municipality.objects.filter(pk__in=[m.pk for m in municipalities]).update(zone=zone)
        ensure_bin_types(zone)
        publish_privacy_notice(zone)
        publish_house_rules(zone)
        record(
            None,
            "zones.zone_created",
            target=zone,
            zone=zone,
            role="system",
            details={"municipalities": nis_codes},
        )
    return zone
