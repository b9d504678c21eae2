"""What keeps queue_message() linear on PostgreSQL (docs/performance.md, national_queue_ratio):
the deliveries table carries no index that queueing must write and nothing reads, and the
statement that writes the rows runs without JIT and gives the setting back."""

import datetime

import pytest
from django.db import connection, transaction

from nabuur.messaging.models import Delivery, Message, MessageKind
from nabuur.messaging.services import queue_message

from . import factories

NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=datetime.UTC)

pytestmark = pytest.mark.postgres_only


def delivery_indexes():
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = %s ORDER BY indexname",
            [Delivery._meta.db_table],
        )
        return dict(cursor.fetchall())


@pytest.mark.django_db
def test_deliveries_have_no_pattern_index_only_their_unique_ones():
    indexes = delivery_indexes()

    assert [name for name, sql in indexes.items() if "pattern_ops" in sql] == []
    assert indexes["messaging_delivery_token_key"].endswith("USING btree (token)")
    assert indexes["messaging_delivery_message_id_header_key"].endswith(
        "USING btree (message_id_header)"
    )


@pytest.mark.django_db
def test_queue_message_turns_jit_off_for_its_insert_only(bin_a):
    factories.MembershipFactory(network=bin_a)
    message = Message.objects.create(kind=MessageKind.PREVENTION)
    message.targets.set([bin_a])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = on")

        assert queue_message(message, now=NOW) == 1

        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("on",)
