"""Health services end to end on the database: consent, imports, holds and reviews, rules and the award run."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from hiroba.core.audit import Actor
from hiroba.core.errors import Invalid, NotFound, PermissionDenied
from hiroba.core.models import Channel
from hiroba.health import services
from hiroba.health.models import Award, CheckupRecord, DayStatus, StepDay
from hiroba.health.samples.apple import export, record
from hiroba.health.samples.checkups import INSURER, Person, screening_csv, tokutei_archive
from hiroba.identity.models import Resident
from hiroba.identity.services import consent_grant
from hiroba.identity.tests.factories import make_resident
from hiroba.ledger.models import Account
from hiroba.ledger.selectors import ledger_verify
from hiroba.tenancy.models import Municipality

pytestmark = pytest.mark.django_db

SAKU, KOMORO = "202177", "202088"
OPERATOR = Actor.command_line()
RULE = {
    "version": 1,
    "step_tiers": [
        {"min_steps": 2000, "points": 1},
        {"min_steps": 5000, "points": 3},
        {"min_steps": 8000, "points": 5},
    ],
    "caps": {"daily": 10, "monthly": 1000, "fiscal_year": 1500},
    "checkup_bonus": {"tokutei": 500, "gastric": 100},
    "lapse_at_fiscal_year_end": True,
    "first_participation": {"points": 50},
    "late_sync_days": 7,
}
START = date(2026, 10, 1)


def consent(resident: Resident, *sources: str) -> None:
    for source in sources:
        consent_grant(
            resident=resident,
            purpose=services.consent_purpose(source),
            notice_version="2026-10",
            notice_text=f"{source} notice",
            language="ja",
            actor=OPERATOR,
        )


def walk(day: date, steps: int, *, source: str = "花子のiPhone") -> str:
    """One step record over `day`'s waking hours (JST), spread out so that it never looks too fast."""
    return record(f"{day} 08:00:00 +0900", f"{day} 20:00:00 +0900", steps, source=source)


def upload(resident: Resident, *records: str) -> services.ImportSummary:
    return services.steps_import(
        resident=resident, upload=export(*records), actor=OPERATOR, today=START + timedelta(30)
    )


def points(resident: Resident) -> int:
    account = Account.objects.filter(resident=resident, kind="resident_points").first()
    return account.balance if account else 0


@pytest.fixture
def hanako(demo: Any) -> Resident:
    resident = make_resident(SAKU)
    consent(resident, "apple_health", "paper", "checkups")
    services.rule_version_add(
        municipality=Municipality.objects.get(lg_code=SAKU),
        document=RULE,
        valid_from=START,
        note="pilot",
        actor=OPERATOR,
        today=START,
    )
    return resident


def test_a_source_without_consent_is_refused_and_nothing_is_stored(demo: Any) -> None:
    taro = make_resident(SAKU)
    with pytest.raises(PermissionDenied) as refused:
        upload(taro, walk(START, 6000))
    assert refused.value.code == "health.no_consent"
    assert not StepDay.objects.exists()


def test_an_export_becomes_one_figure_per_day_the_larger_device_and_a_reimport_changes_nothing(
    hanako: Resident,
) -> None:
    day = START + timedelta(days=1)
    walks = [walk(day, 6000), walk(day, 5200, source="花子のApple Watch"), walk(day + timedelta(1), 3000)]
    assert upload(hanako, *walks) == services.ImportSummary(imported=2, skipped=0, held=0)
    assert dict(StepDay.objects.values_list("day", "steps")) == {day: 6000, day + timedelta(1): 3000}
    assert upload(hanako, *walks) == services.ImportSummary(imported=0, skipped=2, held=0)
    device = StepDay.objects.get(day=day).device
    assert device
    assert "iPhone" not in device  # a keyed hash, not the device's (personal) name


def test_a_bad_file_is_refused_naming_the_line_and_stores_nothing(hanako: Resident) -> None:
    broken = io.BytesIO(export(walk(START, 4000)).getvalue()[:-40])
    with pytest.raises(Invalid) as refused:
        services.steps_import(resident=hanako, upload=broken, actor=OPERATOR)
    assert refused.value.code.startswith("import.")
    assert not StepDay.objects.exists()


def test_suspicious_days_are_held_then_reviewed_by_their_own_town_only(hanako: Resident) -> None:
    day = START + timedelta(days=2)
    summary = upload(hanako, walk(day, 60_000))
    assert summary.held == 1
    held = StepDay.objects.get(day=day)
    assert (held.status, held.hold_reasons) == (DayStatus.HELD, ["over_50000_steps"])
    with pytest.raises(NotFound):  # staff of 小諸市 cannot see, let alone decide, a 佐久市 resident's day
        services.day_review(lg_code=KOMORO, day_id=held.pk, approve=True, reason="ok", actor=OPERATOR)
    with pytest.raises(Invalid):
        services.day_review(lg_code=SAKU, day_id=held.pk, approve=False, reason=" ", actor=OPERATOR)
    services.day_review(lg_code=SAKU, day_id=held.pk, approve=False, reason="歩数計の誤作動", actor=OPERATOR)
    assert StepDay.objects.get(pk=held.pk).status == DayStatus.REJECTED


def test_paper_logs_by_counter_staff_count_without_a_device(hanako: Resident) -> None:
    staff = Actor(user=None, channel=Channel.COUNTER, ref="user:staff")
    summary = services.paper_steps_enter(resident=hanako, entries=[(START, 4200)], actor=staff)
    assert summary.held == 0
    assert StepDay.objects.get().entered_by == "staff"
    assert services.paper_steps_enter(resident=hanako, entries=[(START, 4200)], actor=staff, by_proxy=True).held == 1


def test_award_runs_grant_once_and_late_data_only_the_difference(hanako: Resident) -> None:
    day = START + timedelta(days=3)
    upload(hanako, walk(day, 5500))
    run_on = day + timedelta(days=1)
    [first] = services.award_run(on=run_on, actor=OPERATOR)
    assert (first.residents, first.points) == (1, 3 + 50)  # the 5,000 tier and first participation
    assert points(hanako) == 53
    assert services.award_run(on=run_on, actor=OPERATOR)[0].points == 0  # a re-run grants nothing
    upload(hanako, walk(day, 5500), walk(day, 3000, source="花子のiPhone"))  # the same day, synced again: 8,500
    later = services.award_run(on=run_on + timedelta(days=2), actor=OPERATOR)[0]
    assert later.points == 2  # 5 for the 8,000 tier, less the 3 already granted
    assert points(hanako) == 55
    assert sum(Award.objects.values_list("points", flat=True)) == 55
    assert ledger_verify()[1] == []


def test_a_checkup_archive_grants_the_bonus_to_the_linked_resident_and_keeps_no_results(hanako: Resident) -> None:
    saku = Municipality.objects.get(lg_code=SAKU)
    links = "pairwise_id,保険者番号,記号,番号,枝番\r\n" + f"{hanako.pairwise_id},{INSURER},佐久,1234,01\r\n"
    assert services.member_links_import(municipality=saku, upload=io.BytesIO(links.encode()), actor=OPERATOR) == 1
    day = START + timedelta(days=4)
    archive = tokutei_archive([Person("佐久", "1234", "01", day), Person("佐久", "1234", "02", day)])
    summary = services.checkups_import(
        municipality=saku, upload=io.BytesIO(archive), actor=OPERATOR, today=day + timedelta(1)
    )
    assert (summary.recorded, summary.unmatched) == (1, 1)  # the family member on the same card is someone else
    assert list(CheckupRecord.objects.values_list("resident_id", "kind", "day")) == [(hanako.pk, "tokutei", day)]
    assert services.award_run(on=day + timedelta(days=1), actor=OPERATOR)[0].points == 500
    again = services.checkups_import(municipality=saku, upload=io.BytesIO(archive), actor=OPERATOR, today=day)
    assert (again.recorded, again.already) == (0, 1)


def test_screening_csv_needs_the_checkup_consent(demo: Any) -> None:
    taro = make_resident(SAKU)
    saku = Municipality.objects.get(lg_code=SAKU)
    links = f"pairwise_id,保険者番号,記号,番号,枝番\n{taro.pairwise_id},{INSURER},佐久,99,01\n"
    services.member_links_import(municipality=saku, upload=io.BytesIO(links.encode()), actor=OPERATOR)
    csv = screening_csv([[INSURER, "佐久", "99", "01", "見本 太郎", "2026-10-05", "胃", "異常なし"]])
    summary = services.checkups_import(
        municipality=saku, upload=io.BytesIO(csv), actor=OPERATOR, today=START + timedelta(9)
    )
    assert (summary.recorded, summary.no_consent) == (0, 1)
    assert not CheckupRecord.objects.exists()


def test_rules_are_checked_and_start_in_the_future_only(hanako: Resident) -> None:
    saku = Municipality.objects.get(lg_code=SAKU)
    with pytest.raises(Invalid) as refused:
        services.rule_version_add(
            municipality=saku,
            document={**RULE, "caps": {"daily": -1}},
            valid_from=START + timedelta(60),
            note="",
            actor=OPERATOR,
            today=START,
        )
    assert refused.value.detail["problems"][0]["path"] == "caps.daily"
    with pytest.raises(Invalid, match="start"):
        services.rule_version_add(
            municipality=saku, document=RULE, valid_from=START - timedelta(1), note="", actor=OPERATOR, today=START
        )
    later = services.rule_version_add(
        municipality=saku, document=RULE, valid_from=START + timedelta(60), note="v2", actor=OPERATOR, today=START
    )
    assert later.number == 2


def test_the_award_command_prints_a_line_per_town(hanako: Resident) -> None:
    upload(hanako, walk(START + timedelta(days=1), 6000))
    out = io.StringIO()
    call_command("health_award", "--date", (START + timedelta(days=2)).isoformat(), stdout=out)
    assert out.getvalue().splitlines()[0].startswith("202177\t1 residents\t53 points\thealth:202177:")


def test_the_command_line_prints_one_summary_line_and_fails_on_bad_input(hanako: Resident, tmp_path: Any) -> None:
    good = tmp_path / "export.xml"
    good.write_bytes(export(walk(START, 4000), walk(START + timedelta(1), 70_000)).getvalue())
    out = io.StringIO()
    call_command("health_import_steps", "--municipality", SAKU, "--resident", hanako.pairwise_id, str(good), stdout=out)
    assert out.getvalue().strip() == "2 days imported, 0 skipped, 1 held"
    bad = tmp_path / "notes.txt"
    bad.write_text("not an export")
    with pytest.raises(CommandError, match=r"import\.unknown_kind"):
        call_command("health_import_steps", "--municipality", SAKU, "--resident", hanako.pairwise_id, str(bad))


def test_a_new_version_governs_the_days_from_its_start_and_the_next_run_uses_it(hanako: Resident) -> None:
    saku = Municipality.objects.get(lg_code=SAKU)
    switch = START + timedelta(days=10)
    generous = {**RULE, "step_tiers": [{"min_steps": 1000, "points": 9}]}
    v2 = services.rule_version_add(
        municipality=saku, document=generous, valid_from=switch, note="v2", actor=OPERATOR, today=START + timedelta(5)
    )
    upload(hanako, walk(switch - timedelta(days=1), 5500), walk(switch, 5500))
    services.award_run(on=switch + timedelta(days=1), actor=OPERATOR)
    by_day = {a.day: (a.rule_version.number, a.points) for a in Award.objects.filter(component="steps")}
    assert by_day == {switch - timedelta(days=1): (1, 3), switch: (v2.number, 9)}
