"""A realistic demo county: about 30 units (county departments and townships), each with a
principal leader, a deputy, a liaison, handlers, a reviewer and an approver. Contact data is
fictitious (numbers in the 1380000xxxx block, addresses at county.example)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from shared.events.vocab import COUNTY_OFFICE

DEPARTMENTS = [
    ("FGJ", "县发展和改革局"), ("JYJ", "县教育局"), ("KJJ", "县科学技术局"), ("MZJ", "县民政局"),
    ("SFJ", "县司法局"), ("CZJ", "县财政局"), ("RSJ", "县人力资源和社会保障局"),
    ("ZRZYJ", "县自然资源局"), ("STHJ", "县生态环境分局"), ("ZJJ", "县住房和城乡建设局"),
    ("JTJ", "县交通运输局"), ("SLJ", "县水利局"), ("NYNCJ", "县农业农村局"), ("SWJ", "县商务局"),
    ("WGLJ", "县文化广电旅游局"), ("WJJ", "县卫生健康局"), ("TYJRJ", "县退役军人事务局"),
    ("YJGLJ", "县应急管理局"), ("SJJ", "县审计局"), ("SCJGJ", "县市场监督管理局"),
    ("TJJ", "县统计局"), ("YBJ", "县医疗保障局"), ("XZSPJ", "县行政审批服务局"),
    ("CGJ", "县城市管理局"),
]
TOWNSHIPS = [
    ("CGZ", "城关镇"), ("DBZ", "东坝镇"), ("XHX", "西河乡"), ("NSZ", "南山镇"),
    ("BLX", "北岭乡"), ("SQZ", "石桥镇"),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蔡蒋余"
GIVEN = ["伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛",
         "明", "超", "秀英", "华", "建国", "志强", "海燕", "晓东", "春梅", "国庆", "立新"]
ROLES = ("leader", "deputy", "liaison", "handler", "handler", "handler", "reviewer", "approver")


@dataclass(frozen=True)
class Person:
    person_id: str
    name: str
    unit_id: str
    role: str
    phone: str
    email: str


@dataclass
class Unit:
    unit_id: str
    name: str
    kind: str
    people: list[Person] = field(default_factory=list)

    def by_role(self, role: str) -> list[Person]:
        return [p for p in self.people if p.role == role]


def build_county(unit_count: int | None = None) -> list[Unit]:
    departments = [(c, n, "department") for c, n in DEPARTMENTS]
    townships = [(c, n, "township") for c, n in TOWNSHIPS]
    entries = departments + townships
    if unit_count is not None:  # a smaller county keeps both kinds (at least two townships)
        n_towns = min(len(townships), max(2, unit_count - len(departments)))
        entries = departments[: max(unit_count - n_towns, 1)] + townships[:n_towns]
    # The efficiency office itself: complaints against a unit's leadership are routed to it
    # (分级负责), so its own clocks and faults need it on the roster like any unit.
    entries.append((COUNTY_OFFICE, "县效能建设办公室", "department"))
    units, serial = [], 0
    for code, name, kind in entries:
        unit = Unit(code, name, kind)
        for i, role in enumerate(ROLES):
            serial += 1
            pname = SURNAMES[serial % len(SURNAMES)] + GIVEN[(serial * 7) % len(GIVEN)]
            unit.people.append(Person(
                person_id=f"{code}-{role[:3]}{i}", name=pname, unit_id=code, role=role,
                phone=f"1380000{serial:04d}", email=f"{code.lower()}.{role}{i}@county.example"))
        units.append(unit)
    return units


# The campaign of the founding document (效能建设暨两项活动), for the given year.
def campaign(year: int, unit_ids: list[str]) -> dict:
    d = lambda m, day: date(year, m, day).isoformat()  # noqa: E731
    return {
        "campaign_id": f"xiaoneng-{year}",
        "year": year,
        "title": f"{year}年效能建设暨两项活动",
        "phases": [
            {"code": "mobilise", "name": "学习动员", "start": d(5, 1), "end": d(5, 12)},
            {"code": "self_check", "name": "查摆问题", "start": d(5, 13), "end": d(5, 31)},
            {"code": "rectify", "name": "整改规范", "start": d(6, 1), "end": d(7, 10)},
            {"code": "acceptance", "name": "检查验收", "start": d(7, 11), "end": d(8, 31)},
        ],
        "reports": [
            {"kind": "implementation_plan", "name": "实施方案", "due": d(5, 15)},
            {"kind": "self_check_report", "name": "查摆问题情况", "due": d(5, 30)},
            {"kind": "rectification_plan", "name": "整改方案", "due": d(6, 20)},
            {"kind": "final_report", "name": "整改结果及总结汇报材料", "due": d(7, 25)},
        ],
        "unit_ids": unit_ids,
    }
