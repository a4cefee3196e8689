"""Roster and campaign import from CSV/YAML: each change is an event; unchanged rows publish
nothing; a bad row imports nothing."""

from __future__ import annotations

import textwrap

import pytest

from services.intake.cli import import_items, main
from services.intake.domain.errors import InputError
from services.intake.importing import campaign_items, roster_items

pytestmark = pytest.mark.integration


@pytest.fixture(scope="module")
async def bare(infra):
    from tests.integration.intake.harness import start_intake
    async for it in start_intake(infra.kafka_bootstrap, infra.database_url, with_doors=False):
        yield it


def write(tmp_path, name: str, text: str):
    p = tmp_path / name
    p.write_text(textwrap.dedent(text), encoding="utf-8")
    return p


async def test_csv_and_yaml_roster_and_campaign(bare, tmp_path, infra):
    dsn = infra.database_url
    units = write(tmp_path, "units.csv", """\
        unit_id,name,kind,level
        JYJ,县教育局,department,county
        CGZ,城关镇人民政府,township,county
        """)
    assert await import_items(dsn, bare.schema, roster_items(units), bare.topics) == (2, 2)
    assert await import_items(dsn, bare.schema, roster_items(units), bare.topics) == (2, 0)
    people = write(tmp_path, "people.yaml", """\
        people:
          - {person_id: p1, name: 张三, unit_id: JYJ, phone: "13800001111",
             roles: [{role: leader, effective_from: 2024-01-01, effective_to: 2026-05-31}]}
          - {person_id: p2, name: 李四, unit_id: JYJ,
             roles: [{role: leader, effective_from: 2026-06-01}, {role: liaison, effective_from: 2026-05-01}]}
        """)
    assert await import_items(dsn, bare.schema, roster_items(people), bare.topics) == (5, 5)
    campaign = write(tmp_path, "campaign.yaml", """\
        campaign_id: xiaoneng-2026
        year: 2026
        title: 2026年效能建设
        phases: [{code: mobilise, name: 学习动员, start: 2026-05-01, end: 2026-05-15}]
        reports:
          - {kind: implementation_plan, name: 实施方案, due: 2026-05-15}
          - {kind: problem_findings, name: 查摆问题情况, due: 2026-05-30}
          - {kind: rectification_plan, name: 整改方案, due: 2026-06-20}
          - {kind: rectification_summary, name: 整改结果及总结汇报材料, due: 2026-07-25}
        """)
    assert await import_items(dsn, bare.schema, campaign_items(campaign), bare.topics) == (1, 1)
    roster = await bare.wait_events(bare.topics.roster, 8)
    assert [e.event_type for e in roster].count("person.appointed") == 3
    assert roster[-1].payload["unit_ids"] == ["CGZ", "JYJ"]

    # A renamed unit is one change, one event.
    renamed = write(tmp_path, "units2.csv", "unit_id,name,kind\nJYJ,县教育体育局,department\n")
    assert await import_items(dsn, bare.schema, roster_items(renamed), bare.topics) == (1, 1)

    # A bad row: nothing of the file is imported, and the error says where and what.
    bad = write(tmp_path, "bad.csv", """\
        person_id,name,unit_id,role,effective_from
        p3,王五,JYJ,handler,2026-05-01
        p4,赵六,NOPE,handler,2026-05-01
        """)
    with pytest.raises(InputError) as exc:
        await import_items(dsn, bare.schema, roster_items(bad), bare.topics)
    assert exc.value.where == "bad.csv:3" and exc.value.reason == "unit_id: unknown unit 'NOPE'"
    assert await bare.count("people", "person_id = 'p3'") == 0


def test_cli_prints_the_key_once_and_reports_bad_rows(bare, tmp_path, infra, monkeypatch, capsys):
    monkeypatch.setenv("XN_DATABASE_URL", infra.database_url)
    assert main(["--schema", bare.schema, "apikey", "create", "12345-hotline"]) == 0
    assert "xn_" in capsys.readouterr().out
    bad = write(tmp_path, "u.csv", "unit_id,name,kind\nX,某单位,ministry\n")
    assert main(["--schema", bare.schema, "roster", "import", str(bad)]) == 2
    err = capsys.readouterr().err
    assert "u.csv:2: kind: Input should be 'department' or 'township'" in err
