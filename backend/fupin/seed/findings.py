"""Demo supervision findings (督查问题整改台账): two inspection batches, a provincial inspection's feedback and a
city supervision round, with findings in every state across townships and villages of the demo city, every
category and several sources, their rectification tasks, their step history (raised by the city office or the
inspector, rectified by the township, closed or returned by the inspector), links to seeded households, projects,
measures and disbursements, and one closed finding found again by a 回头看 finding of the later round. Once:
nothing is added when a finding exists.

Dates follow the app's day (`findings.clock.today()`, passed in as `today`): the provincial feedback was raised 210
days before it and the city round 80 days before it, so short-term findings still open are overdue and long-term
ones are not. Numbers are gap-free per year, continuing the year's counter row (`finding_counters`), which is left
at the last number given so a finding raised later through the API gets the next one. The audit events
(`seed.findings`) are one per finding and kind of record (the finding, its tasks) on the finding's trail, with
their change-feed entries, and one per household link on the household's trail (as the API writes them)."""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from sqlalchemy import Connection, Table, select

from fupin.audit import chain
from fupin.audit.chain import Actor, FeedItem
from fupin.authz.scope import code_range
from fupin.core.models import utcnow
from fupin.findings.models import Finding, FindingCounter, FindingLink, FindingStep, FindingTask
from fupin.projects.beneficiaries import POOR
from fupin.projects.models import FundDisbursement
from fupin.seed.bulk import Writer
from fupin.seed.projects.places import Regions, load_regions
from fupin.seed.projects.tables import HOUSEHOLDS, MEASURES, PROJECTS
from fupin.seed.projects.values import work_time
from fupin.seed.regions import DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP

FINDINGS: Table = Finding.__table__  # type: ignore[assignment]
COUNTERS: Table = FindingCounter.__table__  # type: ignore[assignment]
LINKS: Table = FindingLink.__table__  # type: ignore[assignment]
TASKS: Table = FindingTask.__table__  # type: ignore[assignment]
STEPS: Table = FindingStep.__table__  # type: ignore[assignment]
DISBURSEMENTS: Table = FundDisbursement.__table__  # type: ignore[assignment]

SEED_ACTOR = Actor("system", None, "fupin seed")
COUNTY = DEMO_TOWNSHIP[:6] + "000000"  # 双辽市
PROVINCIAL_DAYS = 210  # the provincial feedback: days before today
CITY_DAYS = 80  # the city round
REINSPECTION_DAYS = 30  # the 回头看 finding
TIMEFRAME_DAYS = {"short": 60, "medium": 150, "long": 300}
PEOPLE = ("王建国", "李春生", "张立军", "刘海峰", "陈玉山", "赵德明", "孙广义", "周永福")

# the places: the demo township and village, the other demo township, other townships of the county, and
# townships and villages of other counties ("t"/"v" + which: 0 the demo's, 1 the other demo township, 2.. others)
Place = tuple[str, int]


@dataclass(frozen=True)
class Spec:
    batch: str  # "provincial" or "city"
    source: str
    category: str
    severity: str
    timeframe: str
    state: str
    place: Place
    description: str
    links: tuple[str, ...] = ()
    reopens: int | None = None  # the index of the closed finding it finds again


SPECS: tuple[Spec, ...] = (
    # 省委巡视反馈
    Spec("provincial", "provincial_inspection", "precision", "serious", "short", "closed", ("v", 0),
         "东方红村部分贫困户家庭收入核算不准确, 未将外出务工收入计入家庭纯收入", ("household", "household")),
    Spec("provincial", "provincial_inspection", "policy", "serious", "short", "closed", ("t", 0),
         "危房改造补助资金未按规定时限拨付到户, 个别户拖欠超过三个月", ("project", "disbursement")),
    Spec("provincial", "provincial_inspection", "funds", "grave", "short", "rectifying", ("t", 1),
         "扶贫项目资金闲置超过一年, 未及时发挥效益", ("project",)),
    Spec("provincial", "provincial_inspection", "awareness", "general", "medium", "submitted", ("t", 2),
         "乡镇党委对脱贫攻坚主体责任认识不到位, 专题研究部署不足"),
    Spec("provincial", "provincial_inspection", "system", "general", "medium", "returned", ("t", 4),
         "驻村工作队考勤管理制度不健全, 存在“走读”现象"),
    Spec("provincial", "provincial_inspection", "conduct", "grave", "short", "transferred", ("v", 0),
         "村干部在低保和贫困户评定中优亲厚友", ("household",)),
    Spec("provincial", "provincial_inspection", "precision", "general", "short", "pending", ("v", 1),
         "部分已脱贫户返贫风险监测不及时, 未按期开展动态核查", ("household",)),
    Spec("provincial", "effectiveness_assessment", "policy", "general", "short", "closed", ("v", 0),
         "教育资助政策落实不到位, 个别在校学生未享受雨露计划补助", ("measure",)),
    Spec("provincial", "provincial_inspection", "other", "general", "long", "rectifying", ("t", 5),
         "扶贫档案资料不规范, 户档与系统信息不一致"),
    Spec("provincial", "provincial_inspection", "policy", "serious", "medium", "submitted", ("v", 0),
         "健康扶贫“先诊疗后付费”政策落实不到位, 个别患病群众仍需垫付", ("measure", "household")),
    Spec("provincial", "effectiveness_assessment", "precision", "general", "medium", "closed", ("v", 3),
         "贫困人口识别公示程序不规范, 未张贴公示记录", ("household",)),
    Spec("provincial", "provincial_inspection", "funds", "serious", "medium", "rectifying", ("t", 3),
         "产业扶贫项目资产管理不清, 未建立资产台账"),
    # 市专项督查
    Spec("city", "special_supervision", "conduct", "general", "short", "rectifying", ("t", 0),
         "帮扶干部入户走访流于形式, 帮扶手册填写不实"),
    Spec("city", "public_report", "policy", "serious", "short", "pending", ("t", 1),
         "群众反映饮水安全工程建成后水质不达标", ("project",)),
    Spec("city", "audit", "funds", "serious", "short", "returned", ("t", 0),
         "产业项目收益分配未按方案落实到户", ("project", "household")),
    Spec("city", "special_supervision", "system", "general", "medium", "submitted", ("t", 1),
         "防返贫监测预警机制运行不畅, 部门数据比对不及时"),
    Spec("city", "discipline", "funds", "grave", "short", "transferred", ("t", 0),
         "村级光伏电站收益资金被挪作他用", ("project", "disbursement")),
    Spec("city", "special_supervision", "precision", "general", "medium", "pending", ("v", 2),
         "“两不愁三保障”核查台账数据与实际不符"),
    Spec("city", "public_report", "other", "general", "short", "closed", ("v", 4),
         "群众反映村务公开栏长期未更新扶贫项目信息"),
    Spec("city", "re_inspection", "precision", "serious", "short", "rectifying", ("v", 0),
         "回头看发现东方红村贫困户收入核算问题整改不彻底, 问题反弹", ("household",), reopens=0),
    Spec("city", "special_supervision", "awareness", "general", "long", "rectifying", ("t", 2),
         "村“两委”班子对巩固脱贫成果认识不足, 存在松劲懈怠思想"),
    Spec("city", "audit", "funds", "serious", "short", "pending", ("t", 3),
         "扶贫小额信贷贴息资金发放不及时", ("measure",)),
)  # fmt: skip

TASKS_OF = {
    "precision": ("逐户复核家庭人口和收入, 重新核算并更新系统信息", "召开村民代表会议评议, 结果张榜公示"),
    "policy": ("对照政策清单逐户排查落实情况", "补发应享未享的补助并公示"),
    "funds": ("清查项目资金拨付和使用台账", "追回或规范使用问题资金, 完善报账手续"),
    "system": ("修订完善相关管理制度", "组织相关人员开展业务培训"),
    "conduct": ("约谈相关责任人并责令整改", "开展作风问题专项整治"),
    "awareness": ("召开党委专题会议研究部署整改", "开展脱贫攻坚政策专题学习"),
    "other": ("规范整理扶贫档案资料", "建立档案管理长效机制"),
}
RECTIFIED = {
    "precision": "已逐户复核{n}户家庭收入, 更正系统信息, 评议结果已公示无异议。",
    "policy": "已完成逐户排查, 应享未享补助全部补发到位并公示。",
    "funds": "已清查资金台账, 问题资金已追回并规范使用, 报账手续补充完整。",
    "system": "已修订完善管理制度并印发执行, 组织培训两期。",
    "conduct": "已约谈相关责任人, 开展专项整治, 建立长效机制。",
    "awareness": "党委已召开专题会议研究部署, 组织专题学习三次。",
    "other": "档案资料已全部整理规范, 建立档案管理制度。",
}
RETURNED = "整改佐证材料不完整, 未提供补发到户的银行流水, 请补充后重新申请销号"
TRANSFERRED = "问题线索涉嫌违纪, 移交市纪委监委处理"


def _batches(today: date) -> dict[str, tuple[str, date]]:
    provincial = today - timedelta(days=PROVINCIAL_DAYS)
    city = today - timedelta(days=CITY_DAYS)
    return {
        "provincial": (f"{provincial.year}年省委第三巡视组巡视反馈", provincial),
        "city": (f"{city.year}年市专项督查组第二轮督查", city),
    }


def _user(name: str) -> str:
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-user:{name}"))


INSPECTOR = ("user", _user("inspector"), "市专项督查组")
CITY_OFFICE = ("user", _user("city_office"), "四平市扶贫办")


class Places:
    def __init__(self, reg: Regions) -> None:
        self.reg = reg
        county = DEMO_TOWNSHIP[:6]
        others = [t for t in reg.townships.get(county, []) if t not in (DEMO_TOWNSHIP, OTHER_TOWNSHIP)]
        elsewhere = [ts[0] for c, ts in sorted(reg.townships.items()) if c != county and ts]
        self.townships = [DEMO_TOWNSHIP, OTHER_TOWNSHIP, *others[:2], *elsewhere[:2]]
        self.villages = [DEMO_VILLAGE]
        for township in self.townships[1:]:
            self.villages += reg.villages.get(township[:9], [])[:1]

    def code(self, place: Place) -> str:
        kind, which = place
        codes = self.townships if kind == "t" else self.villages
        return codes[which % len(codes)]

    def unit(self, code: str) -> str:
        if code[9:] != "000":
            return self.reg.names.get(code, "") + "村民委员会"
        return self.reg.names.get(code, "") + "人民政府"

    def rectifier(self, code: str) -> tuple[str, str, str]:
        """Who rectifies: the demo township logins in their townships, the county office elsewhere in 双辽市, the
        township's office (no login) in the other counties."""
        if code.startswith(DEMO_TOWNSHIP[:9]):
            return "user", _user("township"), "卧虎镇扶贫工作站"
        if code.startswith(OTHER_TOWNSHIP[:9]):
            return "user", _user("township2"), "双山镇扶贫工作站"
        if code.startswith(COUNTY[:6]):
            return "user", _user("county_office"), "双辽市扶贫办"
        return "system", "fupin-seed", self.reg.names.get(code[:9] + "000", "") + "扶贫工作站"


class Targets:
    """The seeded records a finding may name, found within its region, each used once where possible."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.used: set[uuid.UUID] = set()

    def _pick(self, stmt: Any) -> tuple[Any, ...] | None:
        rows = list(self.conn.execute(stmt.limit(200)))
        fresh = [r for r in rows if r[0] not in self.used] or rows
        if not fresh:
            return None
        self.used.add(fresh[0][0])
        return tuple(fresh[0])

    def find(self, kind: str, code: str) -> tuple[Any, ...] | None:
        low, high = code_range(code)
        if kind == "household":
            h = HOUSEHOLDS.c
            stmt = select(h.public_id, h.village_code, h.external_id, h.source_system).where(
                h.village_code >= low, h.village_code < high, h.status.in_(POOR)
            )
            return self._pick(stmt.order_by(h.id)) or self._pick(
                select(h.public_id, h.village_code, h.external_id, h.source_system)
                .where(h.village_code >= low, h.village_code < high)
                .order_by(h.id)
            )
        if kind == "measure":
            m = MEASURES.c
            return self._pick(select(m.public_id).where(m.village_code >= low, m.village_code < high).order_by(m.id))
        if kind == "project":
            p = PROJECTS.c
            return self._pick(select(p.public_id).where(p.area_code >= low, p.area_code < high).order_by(p.id))
        d, p = DISBURSEMENTS.c, PROJECTS.c
        return self._pick(
            select(d.public_id)
            .join(PROJECTS, p.id == d.project_id)
            .where(p.area_code >= low, p.area_code < high)
            .order_by(d.id)
        )


def _days(spec: Spec, raised: date, today: date, rng: random.Random) -> list[tuple[str | None, str, date]]:
    """The steps (from, to, day) the finding's state passed through, between its raising and today."""
    span = (today - raised).days
    start = raised + timedelta(days=rng.randint(5, 10))
    steps: list[tuple[str | None, str, date]] = [(None, "pending", raised)]
    if spec.state == "pending":
        return steps
    if spec.state == "transferred":
        return [*steps, ("pending", "transferred", raised + timedelta(days=rng.randint(15, span // 3)))]
    steps.append(("pending", "rectifying", start))
    if spec.state == "rectifying":
        return steps
    submit = raised + timedelta(days=int(span * (0.85 if spec.state == "submitted" else 0.55)))
    steps.append(("rectifying", "submitted", submit))
    if spec.state == "closed":
        steps.append(("submitted", "closed", submit + timedelta(days=rng.randint(5, 10))))
    elif spec.state == "returned":
        steps.append(("submitted", "returned", submit + timedelta(days=rng.randint(5, 10))))
    return steps


def seed_findings(conn: Connection, today: date, *, seed: int = 2018) -> int:
    """The demo findings, once (nothing when a finding exists). Returns the number of findings added."""
    if conn.execute(select(FINDINGS.c.id).limit(1)).first() is not None:
        return 0
    reg = load_regions(conn)
    if not reg.townships.get(DEMO_TOWNSHIP[:6]):
        return 0
    rng = random.Random(seed)
    places = Places(reg)
    targets = Targets(conn)
    batches = _batches(today)
    now = utcnow()
    first_id = int(conn.execute(select(FINDINGS.c.id).order_by(FINDINGS.c.id.desc()).limit(1)).scalar() or 0) + 1
    counters = {int(y): int(v) for y, v in conn.execute(select(COUNTERS.c.year, COUNTERS.c.last_value))}
    numbers = dict(counters)
    findings: list[dict[str, Any]] = []
    links: list[dict[str, Any]] = []
    tasks: list[dict[str, Any]] = []
    steps: list[dict[str, Any]] = []
    events: list[tuple[dict[str, Any], list[FeedItem], list[tuple[str, tuple[Any, ...]]]]] = []
    ids: list[int] = []
    for index, spec in enumerate(SPECS):
        batch, raised = batches[spec.batch]
        if spec.reopens is not None:
            raised = today - timedelta(days=REINSPECTION_DAYS)
        raised += timedelta(days=index % 3)  # the feedback was entered over a few days
        fid = first_id + index
        ids.append(fid)
        public_id = uuid.uuid5(uuid.NAMESPACE_URL, f"fupin-demo-finding:{raised.year}:{index}")
        code = places.code(spec.place)
        unit = places.unit(code)
        numbers[raised.year] = numbers.get(raised.year, 0) + 1
        deadline = raised + timedelta(days=TIMEFRAME_DAYS[spec.timeframe])
        history = _days(spec, raised, today, rng)
        submitted = next((day for _, to, day in history if to == "submitted"), None)
        last = history[-1]
        rectifier = places.rectifier(code)
        raiser = CITY_OFFICE if spec.batch == "provincial" and spec.reopens is None else INSPECTOR
        for source, target, day in history:
            who = (
                raiser
                if source is None
                else INSPECTOR
                if target in ("closed", "returned", "transferred")
                else rectifier
            )
            reason = {"returned": RETURNED, "transferred": TRANSFERRED}.get(target)
            steps.append(
                {
                    "finding_id": fid,
                    "from_state": source,
                    "to_state": target,
                    "reason": reason,
                    "evidence_ids": [],
                    "actor_type": who[0],
                    "actor_id": who[1],
                    "actor_name": who[2],
                    "at": work_time(day, rng),
                }
            )
        # the tasks: none done while pending, some while rectifying, all by the time it was submitted
        feed = [FeedItem("finding", str(public_id), "created", code, 1, "seed")]
        if spec.state != "pending" or index % 2 == 0:
            started = history[1][2] if len(history) > 1 else raised
            for position, what in enumerate(TASKS_OF[spec.category]):
                due = min(deadline, raised + timedelta(days=(position + 1) * TIMEFRAME_DAYS[spec.timeframe] // 2))
                done: date | None = None
                if submitted is not None:
                    done = min(submitted, started + timedelta(days=(position + 1) * (submitted - started).days // 2))
                elif spec.state in ("rectifying", "transferred") and position == 0:
                    done = min(today, started + timedelta(days=rng.randint(3, 20)))
                task_id = uuid.uuid5(public_id, f"task:{position}")
                tasks.append(
                    {
                        "public_id": task_id,
                        "finding_id": fid,
                        "position": position,
                        "what": what,
                        "who": unit,
                        "due_on": due,
                        "done_on": done,
                        "created_at": work_time(started, rng),
                        "version": 1,
                    }
                )
                feed.append(FeedItem("finding_task", str(task_id), "created", code, 1, "seed"))
        linked: list[tuple[str, tuple[Any, ...]]] = []
        for kind in spec.links:
            if spec.reopens is not None and kind == "household":
                found = next((t for k, t in events[spec.reopens][2] if k == "household"), None)
            else:
                found = targets.find(kind, code)
            if found is None or any(t[0] == found[0] for _, t in linked):
                continue
            links.append({"finding_id": fid, "position": len(linked), "type": kind, "target_id": found[0]})
            linked.append((kind, found))
        rectification = None
        if submitted is not None:
            rectification = RECTIFIED[spec.category].format(n=rng.randint(12, 40))
        closed_on = last[2] if spec.state == "closed" else None
        row = {
            "id": fid,
            "public_id": public_id,
            "source_system": None,
            "external_id": None,
            "created_at": steps[-len(history)]["at"],
            "updated_at": steps[-1]["at"],
            "year": raised.year,
            "number": numbers[raised.year],
            "source": spec.source,
            "batch": batch,
            "category": spec.category,
            "severity": spec.severity,
            "timeframe": spec.timeframe,
            "description": spec.description,
            "region_code": code,
            "lead_unit": reg.county_name(code) + "扶贫办",
            "responsible_unit": unit,
            "responsible_person": PEOPLE[index % len(PEOPLE)],
            "raised_on": raised,
            "deadline": deadline,
            "state": spec.state,
            "state_reason": {"returned": RETURNED, "transferred": TRANSFERRED}.get(spec.state),
            "rectification": rectification,
            "closed_by": INSPECTOR[2] if closed_on else None,
            "closed_on": closed_on,
            "reopened": False,
            "reopened_by_id": None,
            "version": 1,
        }
        findings.append(row)
        events.append((row, feed, linked))
    writer = Writer(conn)
    writer.insert(FINDINGS, findings)
    writer.insert(LINKS, links)
    writer.insert(TASKS, tasks)
    writer.insert(STEPS, steps)
    writer.sync_sequences(FINDINGS)
    for index, spec in enumerate(SPECS):
        if spec.reopens is not None:
            conn.execute(
                FINDINGS.update()
                .where(FINDINGS.c.id == ids[spec.reopens])
                .values(reopened=True, reopened_by_id=ids[index], updated_at=now)
            )
            findings[spec.reopens]["reopened"] = True
    for year, last_value in numbers.items():
        if year in counters:
            conn.execute(COUNTERS.update().where(COUNTERS.c.year == year).values(last_value=last_value))
        else:
            conn.execute(COUNTERS.insert().values(year=year, last_value=last_value))
    _record(conn, events, findings)
    return len(findings)


def _record(
    conn: Connection,
    events: list[tuple[dict[str, Any], list[FeedItem], list[tuple[str, tuple[Any, ...]]]]],
    findings: list[dict[str, Any]],
) -> None:
    """One event per finding and kind of record (the finding, its tasks) on the finding's trail; one per household
    link on the household's trail."""
    for (row, feed, linked), final in zip(events, findings, strict=True):
        subject = str(row["public_id"])
        groups: dict[str, list[FeedItem]] = {}
        for item in feed:
            groups.setdefault(item.entity_type, []).append(item)
        for entity_type, items in groups.items():
            changes: dict[str, Any]
            if entity_type == "finding":
                changes = {
                    "number": [None, f"{row['year']}-{row['number']}"],
                    "batch": [None, row["batch"]],
                    "state": [None, row["state"]],
                    "reopened": [None, final["reopened"]],
                    "links": [None, [{"type": k, "id": str(t[0])} for k, t in linked]],
                }
            else:
                changes = {f"{entity_type}s": [None, len(items)]}
            chain.record_sync(
                conn,
                actor=SEED_ACTOR,
                action="seed.findings",
                entity_type=entity_type,
                entity_id=None,
                subject_id=subject,
                region_code=row["region_code"],
                changes=changes,
                feed=items,
            )
        for kind, target in linked:
            if kind != "household":
                continue
            household_id, village, external_id, source_system = target
            entity_id = str(uuid.uuid5(row["public_id"], str(household_id)))
            chain.record_sync(
                conn,
                actor=SEED_ACTOR,
                action="seed.findings",
                entity_type="finding_link",
                entity_id=None,  # a seed event: its entry names the link
                subject_id=str(household_id),
                region_code=village,
                changes={"finding_id": [None, subject], "finding_number": [None, f"{row['year']}-{row['number']}"]},
                feed=[FeedItem("finding_link", entity_id, "linked", village, None, "seed", external_id, source_system)],
            )
