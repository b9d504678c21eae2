"""The data migration that makes `ended_on` the last day a role is held."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from tests.factories import UserFactory, ZoneFactory

BEFORE = [("staff", "0002_screening")]
AFTER = [("staff", "0003_ended_on_is_the_last_day")]


@pytest.mark.django_db(transaction=True)
def test_ending_dates_move_back_one_day_so_nobody_gains_or_loses_a_day():
    zone, user = ZoneFactory(), UserFactory()
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    RoleAssignment = executor.loader.project_state(BEFORE).apps.get_model("staff", "RoleAssignment")
    # Under the old rule (held while ended_on > today) this role's last day was 9 March.
    ended = RoleAssignment.objects.create(
        user_id=user.pk,
        role="zone_admin",
        zone_id=zone.pk,
        started_on=datetime.date(2026, 1, 1),
        ended_on=datetime.date(2026, 3, 10),
    )
    open_role = RoleAssignment.objects.create(
        user_id=user.pk, role="zone_admin", zone_id=zone.pk, started_on=datetime.date(2026, 4, 1)
    )

    executor = MigrationExecutor(connection)
    executor.migrate(AFTER)
    new_apps = executor.loader.project_state(AFTER).apps
    RoleAssignment = new_apps.get_model("staff", "RoleAssignment")
    assert RoleAssignment.objects.get(pk=ended.pk).ended_on == datetime.date(2026, 3, 9)
    assert RoleAssignment.objects.get(pk=open_role.pk).ended_on is None

    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    RoleAssignment = executor.loader.project_state(BEFORE).apps.get_model("staff", "RoleAssignment")
    assert RoleAssignment.objects.get(pk=ended.pk).ended_on == datetime.date(2026, 3, 10)
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
