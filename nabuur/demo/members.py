"""Generate the demo's members in bulk: thousands of people in a few seconds.

Members are made in batches with bulk_create, never with save() per row: 100,000 members load
in seconds on SQLite. They have no usable password (residents log in by e-mailed link), so one
unusable hash serves them all.
"""

import csv
import datetime
import random
import re
from dataclasses import dataclass
from itertools import batched

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Max
from faker import Faker

from nabuur.accounts.models import User
from nabuur.lib import clock
from nabuur.lib.text import fold
from nabuur.members.models import (
    Basis,
    Consent,
    ConsentChannel,
    EndReason,
    Membership,
    MembershipStatus,
    person_keys,
    street_key,
)
from nabuur.networks.models import NetworkStatus

from . import data

BATCH_SIZE = 5000
NAME_POOL_SIZE = 400
# Most members are active; a realistic few wait, pause, were suspended or left.
STATUS_WEIGHTS = {
    MembershipStatus.ACTIVE: 85,
    MembershipStatus.PENDING: 5,
    MembershipStatus.PAUSED: 4,
    MembershipStatus.LEFT: 4,
    MembershipStatus.SUSPENDED: 2,
}
# Unconfirmed sign-ups are at most this old: within the zone's retention (7 days by default).
UNCONFIRMED_DAYS = 5
_NUMBER = re.compile(r"(\d+)(.*)")
_NOT_LOCAL_PART = re.compile(r"[^a-z0-9]+")


@dataclass(frozen=True)
class Address:
    street_id: int
    street_key: str
    postcode: str
    house_number: int
    suffix: str
    box: str


def read_sample_addresses(path, networks):
    """The current addresses of the BeSt sample inside each BIN's segments, by BIN slug."""
    segments_by_street = {}
    for network in networks.values():
        for segment in network.segments.select_related("street__municipality"):
            key = (segment.street.municipality.nis_code, segment.street.official_id)
            segments_by_street.setdefault(key, []).append((network, segment))
    addresses = {slug: [] for slug in networks}
    with open(path, encoding="utf-8-sig", newline="") as stream:
        for row in csv.DictReader(stream):
            if row["status"] != "current":
                continue
            found = segments_by_street.get((row["municipality_id"], row["street_id"]))
            number = _NUMBER.fullmatch(row["house_number"].strip())
            if not found or number is None:
                continue
            house_number = int(number.group(1))
            for network, segment in found:
                if segment.covers(house_number):
                    addresses[network.slug].append(
                        Address(
                            street_id=segment.street_id,
                            street_key=street_key(
                                segment.street.name_nl,
                                segment.street.name_fr,
                                segment.street.name_de,
                            ),
                            postcode=row["postcode"],
                            house_number=house_number,
                            suffix=number.group(2).strip(),
                            box=row["box_number"].strip(),
                        )
                    )
    return addresses


def add_members(networks, addresses, documents, total):
    """Bring the demo to its `total` generated members; return how many were added.

    The n-th generated member is the same person on every run and every machine, and whoever
    of them is there already is skipped: running again adds nobody, a larger total adds the
    rest, and people whom a job or a visitor removed meanwhile (an erasure, an unconfirmed
    sign-up purged) come back.
    """
    demo_memberships = Membership.objects.filter(network__in=networks.values())
    added = 0
    with transaction.atomic():
        first_new_id = (demo_memberships.aggregate(last=Max("pk"))["last"] or 0) + 1
        for batch in batched(generate(networks, addresses, total), BATCH_SIZE):
            emails = [person["email"] for person, _ in batch]
            present = set(User.objects.filter(email__in=emails).values_list("email", flat=True))
            batch = [(person, place) for person, place in batch if person["email"] not in present]
            if not batch:
                continue
            insert_rows(User, [person for person, _ in batch])
            added_emails = [person["email"] for person, _ in batch]
            user_ids = dict(User.objects.filter(email__in=added_emails).values_list("email", "pk"))
            insert_rows(
                Membership,
                [{**place, "user_id": user_ids[person["email"]]} for person, place in batch],
            )
            added += len(batch)
        if added:
            copy_consents(networks, documents, first_new_id)
    return added


def insert_rows(model, rows):
    """INSERT `rows` (dicts by attname) in one executemany; other fields get their default.

    bulk_create spends most of its time compiling every value of every field of every row:
    30 s for 100,000 members on SQLite. Here each given value goes through its field's own
    conversion (get_db_prep_save, so every database gets what bulk_create would send) and
    defaults are converted once: the same rows in a fraction of the time.
    """
    fields = [field for field in model._meta.concrete_fields if not field.primary_key]
    defaults = [field.get_db_prep_save(field.get_default(), connection) for field in fields]
    quote = connection.ops.quote_name
    # Table and column names come from our own models, never from input.
    sql = "INSERT INTO {table} ({columns}) VALUES ({values})".format(  # noqa: S608
        table=quote(model._meta.db_table),
        columns=", ".join(quote(field.column) for field in fields),
        values=", ".join(["%s"] * len(fields)),
    )
    values = [
        [
            field.get_db_prep_save(row[field.attname], connection)
            if field.attname in row
            else default
            for field, default in zip(fields, defaults, strict=True)
        ]
        for row in rows
    ]
    with connection.cursor() as cursor:
        cursor.executemany(sql, values)


def copy_consents(networks, documents, first_membership_id):
    """Each new member accepted the documents when they signed up.

    One INSERT … SELECT per document instead of 2 × members Consent objects: the same rows,
    written by the database in a fraction of the time.
    """
    consent, membership = Consent._meta, Membership._meta
    network_ids = [network.pk for network in networks.values()]
    placeholders = ", ".join(["%s"] * len(network_ids))
    with connection.cursor() as cursor:
        for document in documents:
            cursor.execute(
                f"INSERT INTO {consent.db_table} "  # noqa: S608 - names come from our models
                "(user_id, document_id, accepted_at, channel, source_note) "
                f"SELECT user_id, %s, requested_at, %s, '' FROM {membership.db_table} "
                f"WHERE id >= %s AND network_id IN ({placeholders})",
                [document.pk, ConsentChannel.WEB, first_membership_id, *network_ids],
            )


class NamePools:
    """A few hundred Belgian-looking first and last names per language, drawn once."""

    def __init__(self, seed):
        self.first, self.last = {}, {}
        for language, locale in (("nl", "nl_BE"), ("fr", "fr_BE")):
            fake = Faker(locale)
            fake.seed_instance(seed)
            self.first[language] = [fake.first_name() for _ in range(NAME_POOL_SIZE)]
            self.last[language] = [fake.last_name() for _ in range(NAME_POOL_SIZE)]


def generate(networks, addresses, total):
    """Yield (person, membership) field values for members 1 … total, always the same ones.

    Plain dicts, not model instances: skipping the members that exist already stays cheap.
    """
    rng = random.Random(data.SEED)
    names = NamePools(data.SEED)
    now = clock.now()
    today = clock.today()
    unusable = make_password(None)
    specs = {spec.slug: spec for spec in data.BINS}
    slugs = [slug for slug in networks if addresses[slug]]
    weights = [specs[slug].weight for slug in slugs]
    statuses, status_weights = list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values())

    for index in range(1, total + 1):
        slug = rng.choices(slugs, weights)[0]
        network = networks[slug]
        address = rng.choice(addresses[slug])
        bilingual = network.municipality.nis_code == data.KOEKELBERG
        name_language = rng.choice(("nl", "fr")) if bilingual else "nl"
        # In Brussels a person may also leave the language open: they then get both.
        language = "" if bilingual and rng.random() < 0.1 else name_language
        first_name = rng.choice(names.first[name_language])
        last_name = rng.choice(names.last[name_language])
        status = rng.choices(statuses, status_weights)[0]
        if network.status == NetworkStatus.PREPARATION:
            # A BIN that has not started yet only collects sign-ups.
            status = MembershipStatus.PENDING
        requested_at = now - datetime.timedelta(days=rng.uniform(20, 900))
        place = {
            "network_id": network.pk,
            "street_id": address.street_id,
            "street_key": address.street_key,
            "house_number": address.house_number,
            "house_number_suffix": address.suffix,
            "box": address.box,
            "postcode": address.postcode,
            "basis": Basis.BUSINESS
            if network.bin_type.for_businesses
            else (Basis.WORKS if rng.random() < 0.03 else Basis.LIVES),
            "status": status,
            "requested_at": requested_at,
            "status_changed_at": requested_at,
        }
        if status == MembershipStatus.PENDING:
            days = rng.uniform(0, 14)
            if rng.random() < 0.5:
                place["confirmed_at"] = now - datetime.timedelta(days=days, hours=-1)
            else:
                # Older ones the worker's first run would delete (purge_unconfirmed).
                days = days * UNCONFIRMED_DAYS / 14
            place["requested_at"] = now - datetime.timedelta(days=days)
            place["status_changed_at"] = place["requested_at"]
        else:
            place["confirmed_at"] = requested_at + datetime.timedelta(minutes=20)
            place["approved_at"] = requested_at + datetime.timedelta(days=rng.uniform(0, 3))
            place["status_changed_at"] = place["approved_at"]
        if status == MembershipStatus.PAUSED:
            place["paused_until"] = today + datetime.timedelta(days=rng.randint(1, 30))
        elif status == MembershipStatus.SUSPENDED:
            place["suspended_until"] = today + datetime.timedelta(days=rng.randint(14, 90))
        elif status == MembershipStatus.LEFT:
            place["left_at"] = now - datetime.timedelta(days=rng.uniform(1, 19))
            place["status_changed_at"] = place["left_at"]
            place["end_reason"] = EndReason.LEFT
        local_part = ".".join(
            _NOT_LOCAL_PART.sub("", fold(part)) for part in (first_name, last_name)
        )
        person = {
            "email": f"{local_part}.{index}@{rng.choice(data.MEMBER_EMAIL_DOMAINS)}",
            "first_name": first_name,
            "last_name": last_name,
            "language": language,
            "password": unusable,
            "date_joined": place["requested_at"],
        }
        place.update(person_keys(first_name, last_name, person["email"]))
        yield person, place
