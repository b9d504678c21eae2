"""The LIKE indexes Django adds on PostgreSQL, where nothing looks a column up by prefix and
every row written would pay for them (audit/0004, messaging/0009)."""

import pytest
from django.db import connection

pytestmark = [pytest.mark.postgres_only, pytest.mark.django_db]


def pattern_indexes(table):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname FROM pg_indexes WHERE tablename = %s "
            "AND indexdef LIKE '%%varchar_pattern_ops%%' ORDER BY indexname",
            [table],
        )
        return [name for (name,) in cursor.fetchall()]


@pytest.mark.parametrize("table", ["audit_auditentry", "messaging_delivery"])
def test_written_on_every_page_or_e_mail_without_like_indexes(table):
    assert pattern_indexes(table) == []


def test_the_check_finds_the_like_indexes_left_elsewhere():
    # The check itself can fail: Django still makes these indexes where nothing drops them.
    assert pattern_indexes("zones_zone") == ["zones_zone_slug_852ae3f6_like"]
