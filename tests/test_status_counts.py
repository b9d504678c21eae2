"""A BIN's memberships per status, kept by the database (members.StatusCount, migration 0011).

tests/conftest.py checks after every test that used the database that the counts still agree
with the memberships; these tests say what each kind of change does to them.
"""

import threading

import pytest
from django.db import connection, connections, transaction

from nabuur.members.counts import (
    count_drift,
    fold_status_counts,
    recount_on_sqlite,
    status_counts,
)
from nabuur.members.models import Membership, MembershipStatus, StatusCount

from . import factories

pytestmark = pytest.mark.django_db

ACTIVE, PENDING, LEFT = MembershipStatus.ACTIVE, MembershipStatus.PENDING, MembershipStatus.LEFT
TRIGGERS = {"members_count_inserted", "members_count_deleted", "members_count_updated"}


def triggers_on_memberships():
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT tgname FROM pg_trigger "
                "WHERE tgrelid = 'members_membership'::regclass AND NOT tgisinternal"
            )
        else:
            cursor.execute(
                "SELECT name FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'members_membership'"
            )
        return {name for (name,) in cursor.fetchall()}


def test_the_triggers_are_on_the_membership_table():
    # A later migration that rebuilds the table on SQLite drops them; it must create them again.
    assert triggers_on_memberships() >= TRIGGERS


def test_on_sqlite_migrate_and_flush_put_the_triggers_back_and_count_again(bin_a):
    if connection.vendor != "sqlite":
        pytest.skip("PostgreSQL keeps its triggers through ALTER TABLE and TRUNCATE")
    factories.MembershipFactory(network=bin_a)
    # As a migration that rebuilds the table leaves it.
    with connection.cursor() as cursor:
        cursor.execute("DROP TRIGGER members_count_inserted")
    factories.MembershipFactory(network=bin_a)
    assert count_drift() == [(bin_a.pk, ACTIVE, 1)]

    recount_on_sqlite()

    assert triggers_on_memberships() >= TRIGGERS
    assert count_drift() == []
    factories.MembershipFactory(network=bin_a)
    assert status_counts(bin_a) == {ACTIVE: 3}


def test_the_counts_follow_inserts_updates_moves_and_deletes(bin_a, bin_b):
    first, second, third = (factories.MembershipFactory(network=bin_a) for _ in range(3))
    waiting = factories.MembershipFactory(network=bin_a, status=PENDING, confirmed_at=None)
    assert status_counts(bin_a) == {ACTIVE: 3, PENDING: 1}
    assert status_counts(bin_b) == {}

    # Several rows in one statement.
    Membership.objects.bulk_create(
        Membership(
            user=factories.UserFactory(),
            network=bin_b,
            street=first.street,
            house_number=number,
            postcode=first.postcode,
            status=ACTIVE,
        )
        for number in (1, 3)
    )
    assert status_counts(bin_b) == {ACTIVE: 2}

    # An update that changes no status or BIN changes no count.
    Membership.objects.filter(network=bin_a).update(house_number=40)
    assert status_counts(bin_a) == {ACTIVE: 3, PENDING: 1}

    Membership.objects.filter(pk__in=[waiting.pk, first.pk]).update(status=LEFT)
    assert status_counts(bin_a) == {ACTIVE: 2, LEFT: 2}

    # A merge moves memberships to another BIN.
    Membership.objects.filter(pk=second.pk).update(network=bin_b)
    assert status_counts(bin_a) == {ACTIVE: 1, LEFT: 2}
    assert status_counts(bin_b) == {ACTIVE: 3}

    # A status that no membership has any more is left out.
    third.delete()
    Membership.objects.filter(pk=first.pk).delete()
    assert status_counts(bin_a) == {LEFT: 1}

    # Erasing a person deletes their memberships through the cascade.
    second.user.delete()
    assert status_counts(bin_b) == {ACTIVE: 2}
    assert count_drift() == []


def test_the_drift_check_finds_a_count_that_disagrees(bin_a):
    factories.MembershipFactory(network=bin_a)
    assert count_drift() == []
    StatusCount.objects.create(network=bin_a, status=ACTIVE, change=2)
    assert count_drift() == [(bin_a.pk, ACTIVE, -2)]
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM members_statuscount")
    assert count_drift() == [(bin_a.pk, ACTIVE, 1)]
    fold_status_counts()  # folding sums what is there; it does not count the memberships again
    StatusCount.objects.create(network=bin_a, status=ACTIVE, change=1)
    assert count_drift() == []


def test_folding_leaves_one_row_per_bin_and_status(bin_a, bin_b):
    members = [factories.MembershipFactory(network=bin_a) for _ in range(4)]
    factories.MembershipFactory(network=bin_b, status=PENDING, confirmed_at=None)
    for membership in members[:3]:
        Membership.objects.filter(pk=membership.pk).update(status=LEFT)
    # The one waiting request in B is approved: B has no waiting request left at all.
    Membership.objects.filter(network=bin_b).update(status=ACTIVE)
    before = {bin_a.pk: status_counts(bin_a), bin_b.pk: status_counts(bin_b)}
    assert StatusCount.objects.count() > 3

    assert fold_status_counts() == 3

    assert sorted(StatusCount.objects.values_list("network_id", "status", "change")) == sorted(
        [(bin_a.pk, ACTIVE, 1), (bin_a.pk, LEFT, 3), (bin_b.pk, ACTIVE, 1)]
    )
    assert {bin_a.pk: status_counts(bin_a), bin_b.pk: status_counts(bin_b)} == before
    assert fold_status_counts() == 3


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
def test_a_change_committed_while_folding_keeps_its_count(bin_a):
    factories.MembershipFactory(network=bin_a)
    factories.MembershipFactory(network=bin_a)
    joined, folded = threading.Event(), threading.Event()

    def join_meanwhile():
        # Another web process: its new membership's row is written, not yet committed, when
        # the fold runs, and committed after it.
        try:
            with transaction.atomic():
                factories.MembershipFactory(network=bin_a, status=PENDING, confirmed_at=None)
                joined.set()
                folded.wait(10)
        finally:
            connections.close_all()

    other = threading.Thread(target=join_meanwhile)
    other.start()
    assert joined.wait(10)
    assert fold_status_counts() == 1
    folded.set()
    other.join(10)

    assert status_counts(bin_a) == {ACTIVE: 2, PENDING: 1}
    assert count_drift() == []
