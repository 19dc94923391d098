"""The audit log in the database: same-transaction writes, append-only rows, and `hiroba audit verify`."""

from __future__ import annotations

import threading
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from hiroba.core.audit import Actor, audit_record, audit_verify
from hiroba.core.auditchain import GENESIS, Link
from hiroba.core.models import AuditChain, AuditRecord

OPERATOR = Actor.command_line()


def record(n: int = 1, municipality: str | None = None) -> None:
    for i in range(n):
        with transaction.atomic():
            audit_record(
                tag="test:thing:done", actor=OPERATOR, subject=f"thing:{i}", data={"i": i}, municipality=municipality
            )


@pytest.mark.django_db
def test_records_chain_per_municipality_and_verify() -> None:
    record(3, "202177")
    record(2)
    counts, breaks = audit_verify()
    assert counts == {"202177": 3, "platform": 2}
    assert breaks == []
    first, second = AuditRecord.objects.filter(chain_id="202177").order_by("seq")[:2]
    assert second.prev_hash == first.hash


@pytest.mark.django_db(transaction=True)
def test_audit_record_refuses_to_run_outside_a_transaction() -> None:
    with pytest.raises(RuntimeError):
        audit_record(tag="test:thing:done", actor=OPERATOR, subject="x")
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db
def test_audit_record_refuses_floats_and_plain_tags() -> None:
    with pytest.raises(TypeError), transaction.atomic():
        audit_record(tag="test:thing:done", actor=OPERATOR, subject="x", data={"amount": 1.5})
    with pytest.raises(ValueError, match="namespaced"), transaction.atomic():
        audit_record(tag="plain", actor=OPERATOR, subject="x")
    assert not AuditRecord.objects.exists()


@pytest.mark.django_db
def test_a_rolled_back_act_leaves_no_record() -> None:
    def act_then_fail() -> None:
        with transaction.atomic():
            audit_record(tag="test:thing:done", actor=OPERATOR, subject="x")
            raise ZeroDivisionError

    with pytest.raises(ZeroDivisionError):
        act_then_fail()
    assert not AuditRecord.objects.exists()
    assert audit_verify()[1] == []


@pytest.mark.django_db
def test_the_database_refuses_to_change_a_record() -> None:
    record(1, "202177")
    with pytest.raises(IntegrityError), transaction.atomic():
        AuditRecord.objects.filter(chain_id="202177").update(data={"i": 99})
    assert AuditRecord.objects.get(chain_id="202177").data == {"i": 0}


@pytest.mark.django_db
def test_verify_command_reports_a_deleted_record_and_fails() -> None:
    # given
    record(4, "202177")
    AuditRecord.objects.filter(chain_id="202177", seq=2).delete()
    err = StringIO()
    # when / then
    with pytest.raises(CommandError, match="verification failed"):
        call_command("audit_verify", stdout=StringIO(), stderr=err)
    assert "chain 202177 record 3" in err.getvalue()


@pytest.mark.django_db
def test_verify_command_reports_a_rewritten_record_even_with_the_trigger_dropped() -> None:
    # given someone with database superuser rights drops the trigger and rewrites history
    record(3, "202177")
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            cursor.execute("ALTER TABLE core_auditrecord DISABLE TRIGGER core_auditrecord_no_update")
        else:
            cursor.execute("DROP TRIGGER core_auditrecord_no_update")
    AuditRecord.objects.filter(chain_id="202177", seq=2).update(actor="user:someone-else")
    # when
    out, err = StringIO(), StringIO()
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=out, stderr=err)
    # then
    assert "record 2: content does not match its hash" in err.getvalue()


@pytest.mark.django_db
def test_verify_command_reports_a_truncated_tail() -> None:
    record(3, "202177")
    AuditRecord.objects.filter(chain_id="202177", seq=3).delete()
    with pytest.raises(CommandError):
        call_command("audit_verify", stdout=StringIO(), stderr=StringIO())
    call_command("audit_verify", "--chain", "platform", stdout=StringIO())  # other chains are unaffected


@pytest.mark.django_db
def test_verify_command_passes_on_an_intact_log() -> None:
    record(2, "202177")
    out = StringIO()
    call_command("audit_verify", stdout=out)
    assert "ok: 1 chains, 2 records intact" in out.getvalue()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_writers_on_one_chain_keep_it_intact() -> None:
    # given 8 threads each appending 25 records to the same municipality's chain at once
    barrier = threading.Barrier(8)
    failures: list[BaseException] = []

    def writer(worker: int) -> None:
        try:
            barrier.wait()
            for i in range(25):
                with transaction.atomic():
                    audit_record(
                        tag="test:thing:done", actor=OPERATOR, subject=f"w{worker}:{i}", data={}, municipality="202177"
                    )
        except BaseException as error:  # noqa: BLE001 (reported to the main thread below)
            failures.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=writer, args=(w,)) for w in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    # then no write was lost and the chain is gap-free and intact
    assert failures == []
    assert AuditChain.objects.get(key="202177").last_seq == 200
    assert sorted(AuditRecord.objects.filter(chain_id="202177").values_list("seq", flat=True)) == list(range(1, 201))
    assert audit_verify() == ({"202177": 200}, [])


@pytest.mark.django_db
def test_a_chain_written_in_format_1_continues_in_format_2_and_verifies() -> None:
    # given a record of the first format, as written before the head moved in the database
    occurred_at = timezone.now()
    old = Link("202177", 1, GENESIS, occurred_at, "operator", "", "cli", "test:thing:done", "thing:0", {}, version=1)
    head = AuditChain.objects.create(key="202177", last_seq=1, last_hash=old.digest())
    AuditRecord.objects.create(
        chain=head, seq=1, occurred_at=occurred_at, actor="operator", channel="cli", tag="test:thing:done",
        subject="thing:0", data={}, prev_hash=GENESIS, hash=old.digest(), version=1,
    )  # fmt: skip
    # when
    record(2, "202177")
    # then
    new = AuditRecord.objects.get(chain_id="202177", seq=2)
    assert (new.version, new.prev_hash) == (2, old.digest())
    assert audit_verify() == ({"202177": 3}, [])
