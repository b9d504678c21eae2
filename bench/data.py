"""Bulk test data for the benchmark: one zone, BINs and N members, inserted fast."""

import datetime

from django.contrib.auth.hashers import make_password
from django.db import connection
from django.utils import timezone

from nabuur.accounts.models import User
from nabuur.lib.languages import LanguageRegime
from nabuur.members.models import Membership, MembershipStatus, person_keys, street_key
from nabuur.messaging.bulk import adapt_datetime, insert_rows
from nabuur.messaging.models import Message, MessageKind, MessageVariant
from nabuur.networks.models import BinType, Network, NetworkStatus
from nabuur.zones.models import Municipality, Street, Zone


def insert_with_defaults(model, columns, rows):
    """insert_rows, filling every other column with its field default (schemas keep growing)."""
    extra_columns, extra_values = [], []
    for field in model._meta.concrete_fields:
        if field.column in columns or (field.primary_key and field.column not in columns):
            continue
        value = field.get_default()
        extra_columns.append(field.column)
        extra_values.append(field.get_db_prep_save(value, connection))
    extra_values = tuple(extra_values)
    return insert_rows(model, (*columns, *extra_columns), (row + extra_values for row in rows))


def create_members(count, *, networks=4, tag="bench"):
    """Create a zone with `networks` BINs and `count` active members spread over them."""
    zone = Zone.objects.create(
        slug=f"{tag}-zone",
        name="Politiezone Bench",
        email="info@bench.example",
        phone="03 000 00 00",
        postal_address="Benchstraat 1\n2650 Edegem",
        controller_name="Politiezone Bench",
        controller_address="Benchstraat 1\n2650 Edegem",
        controller_email="privacy@bench.example",
        dpo_name="DPO",
        dpo_email="dpo@bench.example",
        accessibility_email="a11y@bench.example",
    )
    municipality = Municipality.objects.create(
        nis_code="99999" if tag == "bench" else tag[:5],
        name_nl="Benchgem",
        name_fr="Benchgem",
        zone=zone,
        language_regime=LanguageRegime.DUTCH,
    )
    bin_type = BinType.objects.create(
        zone=zone, code="bin", name_nl="BIN", name_fr="RIQ", name_de="BIN", name_en="BIN"
    )
    street = Street.objects.create(
        municipality=municipality, official_id="1", postcode="2650", name_nl="Benchstraat"
    )
    bins = [
        Network.objects.create(
            municipality=municipality,
            bin_type=bin_type,
            name=f"BIN Bench {n}",
            slug=f"{tag}-{n}",
            status=NetworkStatus.ACTIVE,
            contact_email=f"bin{n}@bench.example",
        )
        for n in range(networks)
    ]
    password = make_password(None)
    now = timezone.now()
    stamp = adapt_datetime(now)
    first = (User.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    insert_with_defaults(
        User,
        (
            "id",
            "email",
            "first_name",
            "last_name",
            "phone",
            "language",
            "password",
            "is_active",
            "is_staff",
            "is_superuser",
            "date_joined",
        ),
        (
            (
                first + n,
                f"member{n}@{tag}.example",
                "Bench",
                str(n),
                "",
                "nl",
                password,
                True,
                False,
                False,
                stamp,
            )
            for n in range(count)
        ),
    )
    insert_with_defaults(
        Membership,
        (
            "user_id",
            "network_id",
            "street_id",
            "house_number",
            "house_number_suffix",
            "box",
            "postcode",
            "basis",
            "enterprise_number",
            "status",
            "requested_at",
            "confirmed_at",
            "approved_at",
            "status_changed_at",
            "last_name_key",
            "first_name_key",
            "search_text",
            "street_key",
        ),
        (
            (
                first + n,
                bins[n % networks].pk,
                street.pk,
                1 + n % 200,
                "",
                "",
                "2650",
                "lives",
                "",
                MembershipStatus.ACTIVE.value,
                stamp,
                stamp,
                stamp,
                stamp,
                *person_keys("Bench", str(n), f"member{n}@{tag}.example").values(),
                street_key(street.name_nl),
            )
            for n in range(count)
        ),
    )
    if connection.vendor == "postgresql":
        # Explicit ids bypass the sequences; move them past what was written.
        with connection.cursor() as cursor:
            for model in (User, Membership):
                table = model._meta.db_table
                cursor.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT MAX(id) FROM {table}))"
                )
    return bins


def create_message(bins, *, author=None, body_paragraphs=6):
    """A two-kilobyte prevention tip to `bins`, with its Dutch variant."""
    message = Message.objects.create(kind=MessageKind.PREVENTION, author=author)
    message.targets.set(bins)
    paragraph = (
        "Sluit ramen en deuren, ook als u maar even weg bent. Laat geen sleutels in het slot "
        "aan de binnenkant zitten en leg waardevolle spullen uit het zicht van de straat."
    )
    text = "\n\n".join([paragraph] * body_paragraphs)
    html = "".join(f"<p>{paragraph}</p>" for _ in range(body_paragraphs))
    MessageVariant.objects.create(
        message=message,
        language="nl",
        subject="Preventietip: inbraak in de vakantie",
        body_markdown=text,
        body_html=html,
        body_text=text,
    )
    return message


def today():
    return datetime.date.today()
