"""Appeals freeze and restore, exemptions withdraw, and the operator's CLI over the live data:
rule-book load (refused / hot), what-if, replay check, explain, scores, bulletin."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import yaml

from services.accountability import cli
from shared.events.cases import InspectionFindingRecorded
from shared.events.office import AppealDecided, AppealLodged, ExemptionGranted
from tests.integration.accountability.conftest import T0
from tests.integration.accountability.harness import DEFAULT_BOOK, env
from tests.support.waiting import wait_for

pytestmark = pytest.mark.integration
DAY = timedelta(days=1)


def finding(n: int, severity: str = "serious", unit: str = "WJJ", person: str = "p-zhao", at=T0 + DAY):
    return env(InspectionFindingRecorded(finding_id=f"F-{n}", unit_id=unit, person_id=person,
                                         area="work_style", issue="absent_from_post",
                                         severity=severity, inspected_at=at), f"F-{n}", at)


async def rows(svc, sql, **kw):
    return await svc.query(sql, **kw)


async def run_cli(svc, *argv) -> tuple[int, str]:
    out = io.StringIO()
    code = await cli.run([*svc.cli_args, "--accountability-topic", svc.topics.accountability,
                          *argv], out)
    return code, out.getvalue()


async def test_appeal_freezes_then_revoked_restores_score_and_is_announced(svc):
    await svc.publish(svc.topics.inspections, finding(1))
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1)
    mid = m.payload["measure_id"]
    assert m.payload["measure"] == "public_criticism"
    await wait_for(lambda: _score(svc, "WJJ", 80), what="score 80")

    await svc.publish(svc.topics.office, env(AppealLodged(
        appeal_id="A-1", measure_id=mid, person_id="p-zhao", lodged_at=T0 + 3 * DAY,
        grounds="当日公出，有派车记录"), mid, T0 + 3 * DAY, unit_id="WJJ"))
    await wait_for(lambda: _status(svc, mid, "frozen"), what="measure frozen")
    [sc] = await svc.query("SELECT score, confirmed_score, provisional FROM {s}.scores")
    assert tuple(sc) == (80, 100, True)  # the deduction is provisional while frozen

    await svc.publish(svc.topics.office, env(AppealDecided(
        appeal_id="A-1", measure_id=mid, decision="revoked", decided_at=T0 + 8 * DAY,
        decided_by="county-office", reasoning="派车记录属实"), mid, T0 + 8 * DAY, unit_id="WJJ"))
    [ruled] = await svc.wait_events(svc.topics.accountability, "appeal.ruled", 1)
    assert ruled.payload["decision"] == "revoked" and ruled.payload["measure_id"] == mid
    await wait_for(lambda: _score(svc, "WJJ", 100), what="score restored")
    changes = await svc.events(svc.topics.accountability, "score.changed")
    assert [c.payload["score"] for c in changes][-1] == 100
    code, text = await run_cli(svc, "explain", mid)
    assert code == 0 and "已撤销" in text and "派车记录属实" in text
    assert (await run_cli(svc, "replay"))[0] == 0


async def test_a_reduction_on_appeal_is_marked_as_the_rulings_doing(svc):
    """The revision a 'reduced' ruling makes carries the ruling, so notify leaves telling the
    appellant to appeal.ruled instead of announcing the change twice; appeal.ruled names the
    measure appealed against."""
    await svc.publish(svc.topics.inspections, finding(1))
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1)
    mid = m.payload["measure_id"]
    assert m.payload["appeal_ruling"] is None
    await svc.publish(svc.topics.office, env(AppealLodged(
        appeal_id="A-1", measure_id=mid, person_id="p-zhao", lodged_at=T0 + 3 * DAY,
        grounds="情节较轻"), mid, T0 + 3 * DAY, unit_id="WJJ"))
    await wait_for(lambda: _status(svc, mid, "frozen"), what="measure frozen")
    await svc.publish(svc.topics.office, env(AppealDecided(
        appeal_id="A-1", measure_id=mid, decision="reduced", reduced_to="admonition",
        decided_at=T0 + 8 * DAY, decided_by="county-office", reasoning="情节较轻"), mid,
        T0 + 8 * DAY, unit_id="WJJ"))
    [ruled] = await svc.wait_events(svc.topics.accountability, "appeal.ruled", 1)
    # Named (the code when ruled on), because the revision below reaches consumers first.
    assert ruled.payload["original_measure"] == "public_criticism"
    [revised] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1,
                                      where=lambda e: e.payload["revision"] > 0)
    assert revised.payload["measure"] == "admonition"
    assert revised.payload["appeal_ruling"] == "reduced"
    assert revised.payload["status"] == "in_force" and not revised.payload["superseded"]
    # The freeze alone published nothing: what recipients were told did not change.
    assert [e.payload["revision"] for e in await svc.events(
        svc.topics.accountability, "measure.decided")] == [0, 1]


async def test_late_appeal_and_unknown_measure_are_dead_lettered(svc):
    await svc.publish(svc.topics.inspections, finding(2, severity="general"))
    [m] = await svc.wait_events(svc.topics.accountability, "measure.decided", 1)
    mid = m.payload["measure_id"]
    late = env(AppealLodged(appeal_id="A-2", measure_id=mid, person_id="p-zhao",
                            lodged_at=T0 + 20 * DAY, grounds="迟到的申诉"), mid, T0 + 20 * DAY)
    ghost = env(AppealLodged(appeal_id="A-3", measure_id="00000000-0000-0000-0000-000000000000",
                             person_id="p-zhao", lodged_at=T0 + 2 * DAY, grounds="x"), "x", T0 + 2 * DAY)
    await svc.publish(svc.topics.office, late, ghost)
    letters = await wait_for(lambda: _letters(svc, 2), what="two dead letters")
    why = {d["error_type"]: d["error"] for d in letters}  # two keys, two partitions: any order
    assert "13 working days after notification on 2026-03-03; the window is 5 working days" in why["appeal_refused"]
    assert "unknown measure 00000000-0000-0000-0000-000000000000" in why["unknown_measure"]
    assert await _status(svc, mid, "in_force")


async def test_exemption_withdraws_the_measure_and_later_faults_are_recounted(svc):
    # three general findings: the third is 从重 (督办 → 效能告诫)
    for i in range(3):  # one by one, so no revision comes from arrival order
        await svc.publish(svc.topics.inspections, finding(10 + i, "general", at=T0 + i * DAY))
        await wait_for(lambda: _live(svc, i + 1), what=f"{i + 1} measures")
    codes = await svc.query("SELECT code FROM {s}.measures m JOIN {s}.faults f USING (fault_id) "
                            "WHERE f.subject_id = 'F-12'")
    assert codes == [("admonition",)]
    await svc.publish(svc.topics.office, env(ExemptionGranted(
        subject_id="F-10", unit_id="WJJ", reason="force_majeure", note="台风停电，县应急局证明",
        granted_at=T0 + 5 * DAY), "F-10", T0 + 5 * DAY))
    await wait_for(lambda: _code_of(svc, "F-12", "supervision"), what="third fault recounted")
    superseded = await svc.wait_events(svc.topics.accountability, "measure.decided", 1,
                                       where=lambda e: e.payload["superseded"])
    assert superseded[0].payload["revision"] == 1
    revised = await svc.wait_events(svc.topics.accountability, "measure.decided", 1,
                                    where=lambda e: e.payload["revision"] == 1 and not e.payload["superseded"])
    assert revised[0].payload["measure"] == "supervision"
    assert (await run_cli(svc, "replay"))[0] == 0


async def test_rulebook_cli_refuses_bad_books_and_hot_loads_a_new_version(svc, tmp_path):
    raw = yaml.safe_load(DEFAULT_BOOK.read_text(encoding="utf-8"))
    bad = dict(raw, version="2026.2", measures=[dict(m, points=None) if m["code"] == "reminder" else m
                                                for m in raw["measures"]])
    bad["rules"] = raw["rules"] + [{"id": "R99", "measure": "caning", "liable": {"handler": "primary"}}]
    (tmp_path / "bad.yaml").write_text(yaml.safe_dump(bad, allow_unicode=True), encoding="utf-8")
    code, text = await run_cli(svc, "rulebook", "load", str(tmp_path / "bad.yaml"))
    assert code == 1
    assert "measure 'reminder' has no point value (points)" in text
    assert "unknown measure 'caning'" in text
    assert [r[0] for r in await svc.query("SELECT version FROM {s}.rulebooks")] == ["2026.1"]

    # 2026.2 from April: inspection findings of 一般 get 效能告诫 instead of 督办
    new = dict(raw, version="2026.2", effective_from=date(2026, 4, 1))
    new["rules"] = [dict(r, measure="admonition") if r["id"] == "R08-inspection-general" else r
                    for r in raw["rules"]]
    (tmp_path / "new.yaml").write_text(yaml.safe_dump(new, allow_unicode=True), encoding="utf-8")
    assert (await run_cli(svc, "rulebook", "check", str(tmp_path / "new.yaml")))[0] == 0
    await svc.publish(svc.topics.inspections, finding(20, "general", unit="GTJ", person="p-wang"))
    await wait_for(lambda: _code_of(svc, "F-20", "supervision"), what="March finding under 2026.1")
    code, text = await run_cli(svc, "whatif", str(tmp_path / "new.yaml"))
    # what-if applies 2026.2 to every recorded fault, whatever its date: F-20 would change
    assert code == 0 and "1 changed measures" in text and "supervision" in text, text
    code, text = await run_cli(svc, "rulebook", "load", str(tmp_path / "new.yaml"))
    assert code == 0, text
    await svc.publish(svc.topics.inspections, finding(21, "general", unit="GTJ", person="p-wang",
                                                      at=T0 + 40 * DAY))
    await wait_for(lambda: _code_of(svc, "F-21", "admonition"), what="April finding under 2026.2")
    [m] = await svc.query("SELECT m.body->'explanation'->>'rulebook_version' FROM {s}.measures m "
                          "JOIN {s}.faults f USING (fault_id) WHERE f.subject_id = 'F-21'")
    assert m[0] == "2026.2"


async def test_scores_ranking_and_bulletin(svc):
    await svc.publish(svc.topics.inspections, finding(30))  # WJJ: 通报批评
    await wait_for(lambda: _score(svc, "WJJ", 80), what="WJJ scored")
    code, text = await run_cli(svc, "scores", "--period", "2026-Q1")
    lines = text.splitlines()
    assert code == 0 and lines[0] == "效能考评 2026-Q1"
    assert lines[-1].split()[1] == "WJJ" and lines[-1].split()[-1] == "80"
    code, text = await run_cli(svc, "bulletin", "2026", "3", "--publish")
    assert code == 0 and "WJJ局 承办人 p-zhao" in text and "通报批评" in text
    [b] = await svc.wait_events(svc.topics.accountability, "bulletin.published", 1)
    assert b.payload["month"] == 3 and "通报批评" in b.payload["text"]


async def _score(svc, unit, value):
    r = await svc.query("SELECT score FROM {s}.scores WHERE unit_id = :u", u=unit)
    return bool(r) and r[0][0] == value


async def _status(svc, mid, status):
    r = await svc.query("SELECT status FROM {s}.measures WHERE measure_id = CAST(:m AS uuid)", m=mid)
    return bool(r) and r[0][0] == status


async def _live(svc, n):
    return (await svc.query("SELECT count(*) FROM {s}.measures WHERE NOT superseded"))[0][0] >= n


async def _code_of(svc, subject, code):
    r = await svc.query("SELECT m.code FROM {s}.measures m JOIN {s}.faults f USING (fault_id) "
                        "WHERE f.subject_id = :s AND NOT m.superseded AND m.body->>'role' = 'handler'", s=subject)
    return bool(r) and r[0][0] == code


async def _letters(svc, n):
    found = await svc.dead_letters()
    return found if len(found) >= n else None
