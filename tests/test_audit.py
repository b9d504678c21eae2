import contextlib
import datetime
import hashlib
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction
from django.db.migrations.executor import MigrationExecutor
from django.test.utils import CaptureQueriesContext

from nabuur.audit.models import GENESIS_HASH, AppendOnlyError, AuditEntry, AuditHead
from nabuur.audit.services import ChainBreak, current_head, record, verify_chain
from nabuur.lib import clock
from nabuur.members.models import AddressRequest
from nabuur.staff import auditing

from . import factories
from .audit_tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x' WHERE seq = 1",
        "UPDATE audit_auditentry SET zone_id = 999 WHERE seq = 1",
        "DELETE FROM audit_auditentry WHERE seq = 1",
    ],
)
def test_the_database_refuses_to_change_entries_on_postgresql(three_entries, sql):
    refused = pytest.raises(DatabaseError, match="audit entries are append-only")
    with refused, transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(sql)
    assert AuditEntry.objects.count() == 3
    assert verify_chain() is None


@pytest.fixture
def three_entries(zone_admin, member_a):
    return [
        record(zone_admin, "members.view_list", role="zone_admin", subjects=[member_a]),
        record(zone_admin, "members.export", role="zone_admin", subjects=[member_a.pk, 999]),
        record(None, "system.purge", details={"count": 2}),
    ]


def test_record_chains_entries_with_ids_only(zone_admin, member_a, bin_a):
    moment = datetime.datetime(2026, 3, 1, 9, 30, tzinfo=datetime.UTC)
    with clock.frozen_at(moment):
        first = record(zone_admin, "networks.edit", role="zone_admin", target=bin_a)
        second = record(
            zone_admin, "members.view", role="zone_admin", subjects=[member_a, member_a.pk]
        )

    first.refresh_from_db()
    assert (first.seq, first.prev_hash) == (1, GENESIS_HASH)
    assert (first.object_type, first.object_id) == ("networks.network", str(bin_a.pk))
    assert first.actor_id == zone_admin.pk
    assert first.created_at == moment
    assert second.prev_hash == first.hash
    assert second.subjects == [member_a.pk]
    assert first.compute_hash() == first.hash
    head = AuditHead.objects.get()
    assert (head.seq, head.hash) == (2, second.hash)
    assert verify_chain() is None


def test_entries_cannot_be_changed_or_deleted_through_the_orm(three_entries):
    entry = three_entries[0]
    entry.action = "something.else"
    with pytest.raises(AppendOnlyError):
        entry.save()
    with pytest.raises(AppendOnlyError):
        entry.delete()
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.filter(seq=1).update(action="x")
    with pytest.raises(AppendOnlyError):
        AuditEntry.objects.all().delete()
    assert AuditEntry.objects.count() == 3


def test_record_rolls_back_with_the_callers_transaction(zone_admin):
    with pytest.raises(RuntimeError), transaction.atomic():
        record(zone_admin, "staff.invite", role="zone_admin")
        raise RuntimeError("the action failed")
    assert AuditEntry.objects.count() == 0
    assert current_head()["seq"] == 0


def test_verify_chain_detects_a_modified_entry(three_entries):
    tamper("UPDATE audit_auditentry SET subjects = %s WHERE seq = 2", ["[]"])
    assert verify_chain() == ChainBreak(2, "modified")


def test_verify_chain_detects_a_rewritten_hash(three_entries):
    tamper(
        "UPDATE audit_auditentry SET action = %s, hash = %s WHERE seq = 1",
        ["members.nothing", "f" * 64],
    )
    assert verify_chain() == ChainBreak(1, "modified")


def test_verify_chain_detects_a_deleted_entry(three_entries):
    tamper("DELETE FROM audit_auditentry WHERE seq = 2", [])
    assert verify_chain() == ChainBreak(2, "missing (deleted)")


def test_verify_chain_detects_a_deleted_last_entry(three_entries):
    tamper("DELETE FROM audit_auditentry WHERE seq = 3", [])
    assert verify_chain() == ChainBreak(3, "missing (deleted)")


def test_verify_audit_command_names_the_broken_entry(three_entries):
    tamper("DELETE FROM audit_auditentry WHERE seq = 2", [])
    with pytest.raises(CommandError) as error:
        call_command("verify_audit")
    assert str(error.value) == "The audit log is broken at audit entry #2: missing (deleted)."


def test_verify_audit_command_exits_non_zero(three_entries, capsys):
    tamper("UPDATE audit_auditentry SET actor_role = %s WHERE seq = 3", ["officer"])
    from nabuur.cli import main

    with pytest.raises(SystemExit) as exit_info:
        main(["verify_audit"])
    assert exit_info.value.code == 1
    assert "audit entry #3: modified" in capsys.readouterr().err


def test_verify_audit_passes_on_an_intact_log(three_entries, capsys):
    call_command("verify_audit")
    assert capsys.readouterr().out == (
        f"The audit log is intact: 3 entries, head {three_entries[2].hash}.\n"
    )


def test_export_audit_head_prints_the_head(three_entries, capsys):
    call_command("export_audit_head")
    exported = json.loads(capsys.readouterr().out)
    assert exported == {
        "seq": 3,
        "hash": three_entries[2].hash,
        "time": three_entries[2].created_at.isoformat(),
    }


def test_verify_audit_detects_a_rebuilt_chain_with_the_exported_head(three_entries, zone_admin):
    exported = f"3:{three_entries[2].hash}"
    # Someone rewrites entry 3 and recomputes the hashes and the head: the chain looks fine…
    tamper("DELETE FROM audit_auditentry WHERE seq = 3", [])
    tamper("UPDATE audit_audithead SET seq = 2, hash = %s WHERE id = 1", [three_entries[1].hash])
    record(zone_admin, "system.purge", details={"count": 0})
    assert verify_chain() is None
    # …but not to the head kept elsewhere.
    with pytest.raises(CommandError) as error:
        call_command("verify_audit", expect=exported)
    assert "no longer contains the exported head 3:" in str(error.value)


@pytest.mark.postgres_only
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("inside", [transaction.atomic, contextlib.nullcontext])
def test_concurrent_appends_keep_the_chain_linear(django_user_model, inside):
    # Inside an action's transaction, and alone in autocommit as a page that only shows data
    # records (the statement that appends locks the head; the next writer waits for it).
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    actor = django_user_model.objects.create_user("writer@example.org", first_name="W")
    errors = []
    start = threading.Barrier(4)

    def write():
        try:
            start.wait()
            for index in range(25):
                with inside():
                    record(actor, "test.concurrent", details={"i": index})
        except Exception as error:  # noqa: BLE001 — reported by the assertion below
            errors.append(error)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=write) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert list(AuditEntry.objects.order_by("seq").values_list("seq", flat=True)) == list(
        range(1, 101)
    )
    assert verify_chain() is None


def test_the_canonical_parts_put_together_are_what_the_hash_covers(zone_admin):
    # On PostgreSQL the database hashes these parts around the previous hash and the number.
    entry = AuditEntry(
        seq=99,
        created_at=clock.now(),
        actor_id=zone_admin.pk,
        actor_role="coördinator",
        action="test.parts",
        object_type="members.membership",
        object_id="7",
        subjects=[3, 12],
        details={"ß": 'a "quote", a \\ and\na line', "nested": [1, {"none": None}]},
        zone_id=4,
        hash_version=2,
        prev_hash="ab" * 32,
    )
    for version in (2, 1):
        entry.hash_version = version
        entry.zone_id = 4 if version == 2 else None
        before, between, after = entry.canonical_parts()
        text = before + entry.prev_hash + between + str(entry.seq) + after
        assert hashlib.sha256(text.encode()).hexdigest() == entry.compute_hash()


@pytest.mark.postgres_only
def test_the_database_hashes_each_entry_as_the_chain_check_does(zone_admin, zone):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    # The first entry of a new install creates the head (the locked path); the others are one
    # statement each, the number passing from one digit to two.
    entries = [
        record(zone_admin, "test.hashed", details={"n": n, "word": "één 😀"}, zone=zone)
        for n in range(12)
    ]
    with CaptureQueriesContext(connection) as queries:
        last = record(zone_admin, "test.hashed", subjects=[zone_admin], details={"n": 12})
    assert len(queries) == 1
    for entry in [*entries, last]:
        stored = AuditEntry.objects.get(pk=entry.pk)
        assert (stored.seq, stored.hash, stored.prev_hash) == (
            entry.seq,
            entry.hash,
            entry.prev_hash,
        )
        assert stored.hash == stored.compute_hash()
    assert [entry.seq for entry in entries] == list(range(1, 13))
    assert last.prev_hash == entries[-1].hash
    head = current_head()
    assert (head["seq"], head["hash"]) == (13, last.hash)
    assert verify_chain() is None


# The zone: inside the hash of new entries (version 2); older entries keep their version 1 hash.


def test_record_puts_the_zone_inside_the_hash(zone_admin, zone):
    entry = record(zone_admin, "zones.settings_changed", role="zone_admin", zone=zone)
    entry.refresh_from_db()
    assert (entry.zone_id, entry.hash_version) == (zone.pk, 2)
    assert entry.canonical_fields()["zone_id"] == zone.pk
    assert entry.compute_hash() == entry.hash
    assert record(None, "system.purge", zone=zone.pk).zone_id == zone.pk
    assert record(None, "system.purge").zone_id is None
    assert verify_chain() is None


@pytest.mark.parametrize("new_zone", ["NULL", "12345"], ids=["removed", "moved"])
def test_verify_chain_detects_a_changed_zone(zone_admin, zone, new_zone):
    record(zone_admin, "networks.edit", role="zone_admin", zone=zone)
    record(zone_admin, "networks.edit", role="zone_admin", zone=zone)
    tamper(f"UPDATE audit_auditentry SET zone_id = {new_zone} WHERE seq = 1")  # noqa: S608
    assert verify_chain() == ChainBreak(1, "modified")


def test_verify_chain_detects_an_entry_passed_off_as_version_1(zone_admin, zone):
    record(zone_admin, "networks.edit", role="zone_admin", zone=zone)
    # Without the zone, under the old rule: the hash no longer matches.
    tamper("UPDATE audit_auditentry SET hash_version = 1, zone_id = NULL WHERE seq = 1")
    assert verify_chain() == ChainBreak(1, "modified")
    tamper("UPDATE audit_auditentry SET hash_version = 3 WHERE seq = 1")
    assert verify_chain() == ChainBreak(1, "modified")


def version_1_hash(fields):
    """The hash of an entry as Nabuur computed it before entries carried a zone."""
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


BEFORE_ZONES = [("audit", "0002_append_only_trigger")]


@pytest.mark.django_db(transaction=True)
def test_entries_written_before_the_zone_still_verify_after_the_migration(zone):
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE_ZONES)
    old_apps = executor.loader.project_state(BEFORE_ZONES).apps
    OldEntry = old_apps.get_model("audit", "AuditEntry")
    OldHead = old_apps.get_model("audit", "AuditHead")
    previous = GENESIS_HASH
    for seq in (1, 2):
        fields = {
            "seq": seq,
            "created_at": f"2026-03-0{seq}T09:30:00.000000+00:00",
            "actor_id": 7,
            "actor_role": "zone_admin",
            "action": "members.view_list",
            "object_type": "networks.network",
            "object_id": "3",
            "subjects": [11, 12],
            "details": {"path": "/nl/staff/"},
            "prev_hash": previous,
        }
        entry_hash = version_1_hash(fields)
        OldEntry.objects.create(
            **{**fields, "created_at": datetime.datetime.fromisoformat(fields["created_at"])},
            hash=entry_hash,
        )
        previous = entry_hash
    OldHead.objects.create(pk=1, seq=2, hash=previous)

    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())

    old = AuditEntry.objects.get(seq=1)
    assert (old.hash_version, old.zone_id) == (1, None)
    assert verify_chain() is None
    new = record(None, "system.purge", zone=zone)
    assert (new.seq, new.prev_hash, new.hash_version) == (3, previous, 2)
    assert verify_chain() is None
    # A version 1 hash does not cover the zone, so an old entry given a zone is caught anyway.
    tamper("UPDATE audit_auditentry SET zone_id = %s WHERE seq = 2", [zone.pk])
    assert verify_chain() == ChainBreak(2, "modified")


# staff.auditing fills in the zone from the place or the target.


@pytest.fixture
def zone_b(db):
    return factories.ZoneFactory(slug="pz-ander", name="Politiezone Ander")


def test_the_zone_of_an_entry_follows_its_place(
    zone, zone_b, municipality, bin_a, coordinator_a, municipality_contact, zone_admin, member_a
):
    def zone_of_entry(**where):
        return auditing.record(zone_admin, "test.action", **where).zone_id

    membership = member_a.memberships.get()
    request = AddressRequest.objects.create(
        zone=zone_b, first_name="An", last_name="Peeters", email="an@example.org",
        street_name="Dorpsstraat", house_number="1", postcode="9999",
    )  # fmt: skip
    assert zone_of_entry(target=zone) == zone.pk
    assert zone_of_entry(target=municipality) == zone.pk
    assert zone_of_entry(target=bin_a) == zone.pk
    assert zone_of_entry(target=membership) == zone.pk
    # A role by its scope: a BIN, a municipality, a zone.
    assert zone_of_entry(target=coordinator_a.roles.get()) == zone.pk
    assert zone_of_entry(target=municipality_contact.roles.get()) == zone.pk
    assert zone_of_entry(target=zone_admin.roles.get()) == zone.pk
    assert zone_of_entry(target=request) == zone_b.pk
    # The place wins over the target, an explicit zone over both.
    assert zone_of_entry(place=zone_b, target=bin_a) == zone_b.pk
    assert zone_of_entry(place=bin_a, target=request, zone=zone_b) == zone_b.pk
    # No place: no zone (only the installation's administrators read those entries).
    assert zone_of_entry(target=("accounts.user", 5)) is None
    assert zone_of_entry(target=member_a) is None
    assert zone_of_entry() is None
    outside = factories.MunicipalityFactory(zone=None, nis_code="99999")
    assert zone_of_entry(target=outside) is None


def test_record_view_names_the_zone_of_the_page(rf, coordinator_a, bin_a, zone):
    request = rf.get("/nl/staff/members/centrum/")
    request.user = coordinator_a
    entry = auditing.record_view(request, "members.list_viewed", [5], target=bin_a)
    assert (entry.zone_id, entry.actor_role, entry.hash_version) == (zone.pk, "coordinator", 2)
