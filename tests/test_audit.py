import datetime
import json
import threading

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import DatabaseError, connection, connections, transaction

from nabuur.audit.models import GENESIS_HASH, AppendOnlyError, AuditEntry, AuditHead
from nabuur.audit.services import ChainBreak, current_head, record, verify_chain
from nabuur.lib import clock

from .audit_tamper import tamper

pytestmark = pytest.mark.django_db


@pytest.mark.postgres_only
@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE audit_auditentry SET action = 'x' WHERE seq = 1",
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
def test_concurrent_appends_keep_the_chain_linear(django_user_model):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL (DATABASE_URL=postgres://…)")
    actor = django_user_model.objects.create_user("writer@example.org", first_name="W")
    errors = []
    start = threading.Barrier(4)

    def write():
        try:
            start.wait()
            for index in range(25):
                with transaction.atomic():
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
