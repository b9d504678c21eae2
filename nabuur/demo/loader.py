"""Load the demo zone: reference data, streets, BINs, documents, personas and members.

Every step looks before it writes, so a second run finds everything in place, writes nothing
and takes a second or two.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.utils import timezone
from faker import Faker

from nabuur.accounts.models import User
from nabuur.accounts.services import allow_demo_persona_without_mfa
from nabuur.lib import clock
from nabuur.members.counts import fold_status_counts
from nabuur.members.models import Consent, ConsentChannel, Membership, MembershipStatus
from nabuur.networks.areas import update_areas
from nabuur.networks.models import BinType, Network, NetworkStatus, Segment
from nabuur.networks.zone_setup import ensure_bin_types
from nabuur.staff.models import Role, RoleAssignment, ScreeningResult
from nabuur.zones.documents import publish_house_rules, publish_privacy_notice
from nabuur.zones.models import Municipality, Street, Zone
from nabuur.zones.services import street_search_names

from . import data
from .history import add_history
from .members import add_members, read_sample_addresses

STARTED_ON = datetime.date(2023, 9, 1)


@dataclass
class DemoResult:
    zone: Zone
    networks: list[Network]
    personas: list[dict]
    members_created: int
    # True when this run wrote the year of history (the first run only).
    history_added: bool
    # The second zone, on its own host name, with its BINs.
    second_zone: Zone | None = None
    second_networks: list[Network] | None = None


def load_demo(members=3000, stdout=None, port=8000):
    """Load (or complete) the demo zones, the first with `members` generated members; return
    what they hold. `port` is the one the site is served on, for the personas' host names."""
    call_command("load_reference", stdout=stdout)
    call_command(
        "import_addresses",
        str(data.SAMPLE_CSV),
        *[f"--municipality={nis}" for nis in data.MUNICIPALITIES],
        stdout=stdout,
    )
    with transaction.atomic():
        zone = ensure_zone()
        networks = ensure_networks(zone)
        # The segments were bulk-created after the address import: draw the areas they cover.
        update_areas(networks.values())
        house_rules = publish_house_rules(zone)
        privacy_notice = publish_privacy_notice(zone)
        documents = [house_rules, privacy_notice]
        personas = ensure_personas(zone, networks, documents, port=port)
        ensure_other_staff(networks)
        second_zone, second_networks = ensure_second_zone()
        second_documents = [
            publish_house_rules(second_zone),
            publish_privacy_notice(second_zone),
        ]
        personas += ensure_personas(
            second_zone,
            second_networks,
            second_documents,
            specs=data.SECOND_ZONE_PERSONAS,
            port=port,
        )
    # Members come last, in their own transaction: the bulk path commits in one go.
    addresses = read_sample_addresses(data.SAMPLE_CSV, networks)
    created = add_members(networks, addresses, documents, total=members)
    history = add_history(networks, addresses)
    # On SQLite every new membership wrote its own row of the counts per status; folded, the
    # member lists read a few rows from the start (members/counts.py).
    fold_status_counts()
    return DemoResult(
        zone,
        list(networks.values()),
        personas,
        created,
        history,
        second_zone=second_zone,
        second_networks=list(second_networks.values()),
    )


def persona_host(zone, port):
    """The host (and port) a persona's zone is reached on: `<zone slug>.localhost:<port>`.

    The first zone has no host name of its own: it answers on every name no zone has (and so
    on demo.localhost); the second answers on its own (Zone.host)."""
    return f"{zone.host or f'{zone.slug}.localhost'}:{port}"


def ensure_second_zone():
    """The small second zone on its own host name, with its streets and two BINs."""
    zone, _ = Zone.objects.get_or_create(
        slug=data.SECOND_ZONE_SLUG,
        defaults={**data.SECOND_ZONE, "host": f"{data.SECOND_ZONE_SLUG}.localhost"},
    )
    municipalities = Municipality.objects.filter(nis_code__in=data.SECOND_ZONE_MUNICIPALITIES)
    if municipalities.exclude(zone__isnull=True).exclude(zone=zone).exists():
        raise CommandError("Bastogne already belongs to another zone; the demo needs it.")
    municipalities.filter(zone__isnull=True).update(zone=zone)
    ensure_bin_types(zone)
    municipality = zone.municipalities.get(nis_code=data.BASTOGNE)
    streets = {}
    for official_id, postcode, name_fr, max_number in data.SECOND_ZONE_STREETS:
        streets[name_fr], _ = Street.objects.get_or_create(
            municipality=municipality,
            official_id=official_id,
            defaults={
                "postcode": postcode,
                "name_fr": name_fr,
                "max_house_number": max_number,
                "search_names": street_search_names("", name_fr),
            },
        )
    bin_type = zone.bin_types.get(code=BinType.BIN)
    networks = {}
    for slug, name, street_names in data.SECOND_ZONE_BINS:
        network, created = Network.objects.get_or_create(
            slug=slug,
            defaults={
                "municipality": municipality,
                "bin_type": bin_type,
                "name": name,
                "status": NetworkStatus.ACTIVE,
                "start_date": STARTED_ON,
                "contact_email": f"{slug}@riq.ardenne.example",
                "contact_name": "Claire D.",
            },
        )
        if network.municipality_id != municipality.pk:
            raise CommandError(f"A BIN with slug {slug!r} exists outside the demo's second zone.")
        if created:
            Segment.objects.bulk_create(
                Segment(network=network, street=streets[street_name], number_from=1)
                for street_name in street_names
            )
        networks[slug] = network
    return zone, networks


def ensure_zone():
    zone, _ = Zone.objects.get_or_create(slug=data.ZONE_SLUG, defaults=data.ZONE)
    municipalities = Municipality.objects.filter(nis_code__in=data.MUNICIPALITIES)
    taken = municipalities.exclude(zone__isnull=True).exclude(zone=zone)
    if taken.exists():
        names = ", ".join(str(m) for m in taken)
        raise CommandError(f"{names} already belong to another zone; the demo needs them.")
    municipalities.filter(zone__isnull=True).update(zone=zone)
    ensure_bin_types(zone)
    return zone


def ensure_networks(zone):
    """The demo BINs by slug, each with its street segments, created once."""
    bin_types = {bin_type.code: bin_type for bin_type in zone.bin_types.all()}
    municipalities = {m.nis_code: m for m in zone.municipalities.all()}
    networks = {}
    for spec in data.BINS:
        municipality = municipalities[spec.nis_code]
        network, created = Network.objects.get_or_create(
            slug=spec.slug,
            defaults={
                "municipality": municipality,
                "bin_type": bin_types[spec.bin_type],
                "name": spec.name,
                "status": spec.status,
                "start_date": STARTED_ON if spec.status == NetworkStatus.ACTIVE else None,
                "contact_email": f"{spec.slug}@bin.vierbeken.example",
            },
        )
        if network.municipality_id != municipality.pk:
            raise CommandError(f"A BIN with slug {spec.slug!r} exists outside the demo zone.")
        if created:
            Segment.objects.bulk_create(
                Segment(
                    network=network,
                    street=find_street(municipality, segment.street),
                    number_from=segment.number_from,
                    number_to=segment.number_to,
                    side=segment.side,
                )
                for segment in spec.segments
            )
        networks[spec.slug] = network
    return networks


def find_street(municipality, name_nl):
    try:
        return Street.objects.get(municipality=municipality, name_nl=name_nl)
    except Street.DoesNotExist:
        raise CommandError(
            f"The address sample has no street {name_nl!r} in {municipality}."
        ) from None


def ensure_personas(zone, networks, documents, specs=data.PERSONAS, port=8000):
    """Create the personas once; return them as the personas JSON lists them."""
    municipalities = {m.nis_code: m for m in zone.municipalities.all()}
    officer = None
    result = []
    for spec in specs:
        user = ensure_user(spec)
        if spec.role == "officer":
            officer = user
        for role, scope_kind, scope in spec.roles:
            scope_object = {
                "zone": lambda _: zone,
                "municipality": municipalities.get,
                "network": networks.get,
            }[scope_kind](scope)
            ensure_role(user, role, **{scope_kind: scope_object}, screened_by=officer)
        if spec.member_of:
            ensure_persona_membership(user, networks[spec.member_of], documents)
        if spec.password and settings.NABUUR_ENV == "demo":
            # Visitors of a demo site log in as staff personas without an authenticator app.
            allow_demo_persona_without_mfa(spec.email)
        result.append(
            {
                "key": spec.key,
                "role": spec.role,
                "email": spec.email,
                "password": spec.password,
                "bins": persona_bins(spec, networks),
                "zone": zone.slug,
                "host": persona_host(zone, port),
            }
        )
    return result


def persona_bins(spec, networks):
    """The BINs a persona works with, as slugs: every BIN its roles reach, or its own BIN."""
    slugs = set()
    for _role, scope_kind, scope in spec.roles:
        if scope_kind == "zone":
            slugs.update(networks)
        elif scope_kind == "municipality":
            slugs.update(s for s, n in networks.items() if n.municipality.nis_code == scope)
        else:
            slugs.add(scope)
    if spec.member_of:
        slugs.add(spec.member_of)
    return sorted(slugs)


def ensure_user(spec):
    user = User.objects.filter(email=spec.email).first()
    if user is None:
        user = User.objects.create_user(
            spec.email,
            spec.password,
            first_name=spec.first_name,
            last_name=spec.last_name,
            language=spec.language,
        )
    return user


def ensure_role(user, role, screened_by=None, **scope):
    """An open role assignment; coordinators come screened and confirmed adult, as required."""
    defaults = {"started_on": STARTED_ON}
    if role in (Role.COORDINATOR, Role.CO_COORDINATOR, Role.GENERAL_COORDINATOR):
        defaults.update(
            screened_on=STARTED_ON - datetime.timedelta(days=30),
            screening_result=ScreeningResult.POSITIVE,
            screened_by=screened_by,
            adult_confirmed_at=timezone.make_aware(datetime.datetime(2023, 8, 1, 10, 0)),
        )
    RoleAssignment.objects.get_or_create(
        user=user, role=role, ended_on=None, **scope, defaults=defaults
    )


def ensure_persona_membership(user, network, documents):
    if Membership.objects.filter(user=user, network=network).exists():
        return
    street = network.segments.order_by("pk").first().street
    joined = timezone.make_aware(datetime.datetime(2024, 3, 4, 19, 30))
    Membership.objects.create(
        user=user,
        network=network,
        street=street,
        house_number=first_covered_number(network.segments.order_by("pk").first()),
        postcode=street.postcode,
        status=MembershipStatus.ACTIVE,
        requested_at=joined,
        confirmed_at=joined,
        approved_at=joined,
        status_changed_at=joined,
    )
    for document in documents:
        Consent.objects.create(
            user=user, document=document, accepted_at=joined, channel=ConsentChannel.WEB
        )


def first_covered_number(segment):
    number = segment.number_from
    while not segment.covers(number):
        number += 1
    return number


def ensure_other_staff(networks):
    """A volunteer coordinator for each BIN without a persona coordinator, and an officer."""
    fake = Faker("nl_BE")
    fake.seed_instance(data.SEED)
    officer = ensure_user(data.OTHER_OFFICER)
    for slug, network in networks.items():
        # Drawn for every BIN, so each BIN's coordinator keeps its name whatever exists.
        first_name, last_name = fake.first_name(), fake.last_name()
        if not open_roles(network, Role.OFFICER).exists():
            ensure_role(officer, Role.OFFICER, network=network)
        if not open_roles(network, Role.COORDINATOR).exists():
            volunteer = data.PersonaSpec(
                key=slug,
                role="coordinator",
                email=f"coordinator.{slug}@example.org",
                first_name=first_name,
                last_name=last_name,
                password=None,
            )
            ensure_role(ensure_user(volunteer), Role.COORDINATOR, network=network)
        if not network.contact_name:
            # What the coordinator agreed to publish: first name and initial, the BIN's address.
            coordinator = open_roles(network, Role.COORDINATOR).order_by("pk").first().user
            network.contact_name = f"{coordinator.first_name} {coordinator.last_name[:1]}."
            network.save(update_fields=["contact_name"])


def open_roles(network, role):
    return RoleAssignment.objects.held_on(clock.today()).filter(network=network, role=role)
