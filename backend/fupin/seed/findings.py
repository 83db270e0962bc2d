"""Demo supervision findings (督查整改): two inspection batches raised by the city's inspection group (市专项督查组)
in the 双辽市 townships and beyond, worked through the findings' own services by the demo users whose job it is:
the township offices (and the county office for its own findings) start rectifying, add tasks, mark them done,
attach evidence and submit; the inspector returns one with a reason and closes others, transfers one to the
discipline commission (移交纪委) and re-inspects a closed one (回头看), which marks it reopened; the county office
pauses one deadline while it waits on the housing bureau. Then the daily deadlines check runs for `today`, so
overdue days, yellow and red warnings and escalations exist. So every findings screen (board, detail, reminders,
discipline inbox) and the assessment's findings indicators show real-looking work on first sight.

Each step runs on its own day (the findings clock set to that day), so closing days, task days and pauses are
plausible; the step history's timestamps are the moment of seeding, as the services stamp them. Once: nothing when
a finding exists."""

from __future__ import annotations

import hashlib
import struct
import uuid
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from fupin.adjustments import clock
from fupin.authz.deps import job_owner, job_scope
from fupin.authz.principal import Principal
from fupin.authz.roles import Permission
from fupin.authz.scope import unscoped
from fupin.config import Settings
from fupin.core.db import make_engine, make_sessionmaker
from fupin.evidence import service as evidence
from fupin.evidence import storage
from fupin.evidence.schemas import EvidenceForm
from fupin.findings import deadlines, service, tasks, workflow
from fupin.findings import evidence as _finding_evidence  # noqa: F401  (registers findings as evidence owners)
from fupin.findings.models import OPEN_STATES, Finding
from fupin.findings.schemas import FindingCreate, FindingTransitionIn, PauseIn, TaskIn, TaskUpdate
from fupin.households.models import Household
from fupin.measures.models import Measure
from fupin.projects.models import Project
from fupin.seed.regions import DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP
from fupin.users.models import User

COUNTY = "220382000000"  # 双辽市
MAOLIN = "220382100000"  # 茂林镇
FUXIAN = "220382103000"  # 服先镇
WANGBEN = "220382104000"  # 王奔镇
LISHU = "220322100000"  # 梨树县 梨树镇
# who rectifies the findings of a region (a township without a demo login: the county office, as it does)
RECTIFIER = {DEMO_TOWNSHIP: "township", OTHER_TOWNSHIP: "township2", DEMO_VILLAGE: "village", COUNTY: "county_office"}
INSPECTOR = "inspector"
# the daily check's run as the seed makes it (recorded as `by` on the escalations)
SEED_RUN = "demo-seed"


# ---------------------------------------------------------------- evidence files, made here


def demo_png(width: int = 96, height: int = 64, seed: int = 0) -> bytes:
    """A small real PNG (a soft gradient standing in for a photo of the rectification)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    rows = b"".join(
        b"\x00"
        + bytes(
            value
            for x in range(width)
            for value in ((90 + x + seed * 17) % 256, (140 + y * 2) % 256, (170 + (x + y) // 2 + seed * 31) % 256)
        )
        for y in range(height)
    )
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def demo_pdf(title: str) -> bytes:
    """A small real one-page PDF whose text is `title` (ASCII: the standard fonts have no Chinese)."""
    text = title.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)").encode("ascii")
    content = b"BT /F1 18 Tf 72 760 Td (" + text + b") Tj ET"
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> "
        b"/Contents 5 0 R >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Length " + str(len(content)).encode() + b" >>\nstream\n" + content + b"\nendstream",
    ]
    out = b"%PDF-1.4\n"
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += f"{number} 0 obj\n".encode() + body + b"\nendobj\n"
    xref = len(out)
    out += f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode()
    out += b"".join(f"{offset:010d} 00000 n \n".encode() for offset in offsets)
    out += f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
    return out


def _staged(root: Path, content: bytes) -> storage.Staged:
    """A file staged as an upload is: checked by content, counted and hashed, in the staging folder."""
    kind = storage.sniff(content)
    assert kind is not None, "the demo files are PNG or PDF"
    folder = root / ".staging"
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{uuid.uuid4().hex}.part"
    path.write_bytes(content)
    return storage.Staged(path, len(content), hashlib.sha256(content).hexdigest(), kind[0], kind[1])


# ---------------------------------------------------------------- the findings and their stories


@dataclass(frozen=True)
class Act:
    """One thing done to a finding on day `day` (days from today): `kind` with its values."""

    kind: Literal["start", "task", "evidence", "submit", "return", "close", "transfer", "pause"]
    day: int
    text: str = ""  # the reason, the rectification, the task, the file name or the pause's reason
    who: str = ""  # the task's who, the pause's waits_on
    due: int = 0  # the task's due day
    done: int | None = None  # the task's done day


@dataclass(frozen=True)
class Demo:
    batch: str  # "A" (the provincial inspection) or "B" (the effectiveness assessment)
    region: str
    category: str
    severity: str
    timeframe: str
    unit: str
    person: str
    description: str
    raised: int  # days from today
    deadline: int  # days from today
    links: tuple[str, ...] = ()  # household, project, measure:<type>
    story: tuple[Act, ...] = ()
    reopens: int | None = None  # 回头看: the index of the closed finding found again
    lead: str = "双辽市扶贫办"


def _start(day: int, reason: str) -> Act:
    return Act("start", day, reason)


def _task(day: int, what: str, who: str, due: int, done: int | None = None) -> Act:
    return Act("task", day, what, who, due, done)


FINDINGS: tuple[Demo, ...] = (
    # 0: closed after one return
    Demo(
        "A",
        DEMO_TOWNSHIP,
        "precision",
        "serious",
        "short",
        "卧虎镇人民政府",
        "刘振华",
        "卧虎镇部分村建档立卡贫困户识别不精准: 抽查32户中有3户家庭成员为财政供养人员、2户在城区购有商品房仍被纳入, "
        "“两不愁三保障”核查表填写与实际不符。",
        -207,
        -140,
        ("household", "household"),
        (
            _start(-205, "已召开镇党委会专题部署, 成立整改工作专班"),
            _task(-204, "逐户复核建档立卡户家庭成员及财产信息", "卧虎镇扶贫工作站", -180, -182),
            _task(-204, "对不符合条件的5户履行清退程序并张榜公示", "各村“两委”", -165, -168),
            Act("evidence", -166, "入户核查照片.png"),
            Act("submit", -162, "已逐户复核全镇建档立卡户1126户, 清退不符合条件的5户, 并在各村公示7天无异议。"),
            Act("return", -158, "清退程序缺少村民代表大会评议记录, 请补充后重新申请销号"),
            _start(-157, "补充各村村民代表大会评议记录"),
            Act("evidence", -153, "村民代表大会评议记录.pdf"),
            Act(
                "submit",
                -152,
                "已逐户复核全镇建档立卡户1126户, 清退不符合条件的5户, 补充村民代表大会评议记录5份, 公示无异议。",
            ),
            Act("close", -148, "经抽查12户核实, 识别信息准确, 整改到位, 同意销号"),
        ),
    ),
    # 1: closed, then found again by the 回头看 (finding 11)
    Demo(
        "A",
        OTHER_TOWNSHIP,
        "policy",
        "general",
        "medium",
        "双山镇人民政府",
        "孙立军",
        "双山镇教育扶贫“雨露计划”补助政策宣传不到位, 抽查发现6户符合条件的建档立卡户子女就读中高职未申报补助。",
        -207,
        -120,
        ("household", "measure:education"),
        (
            _start(-200, "镇政府专题研究, 明确由扶贫工作站牵头排查"),
            _task(-199, "逐户排查在读中高职学生并组织补报", "双山镇扶贫工作站", -150, -155),
            _task(-199, "印发雨露计划政策明白纸并入户宣传", "各村第一书记", -140, -146),
            Act("evidence", -140, "补助发放公示照片.png"),
            Act("submit", -135, "已排查在读中高职学生41人, 为6户补报雨露计划补助1.8万元, 入户发放政策明白纸2300份。"),
            Act("close", -128, "核查补助发放记录和学籍证明, 整改到位, 同意销号"),
        ),
    ),
    # 2: returned, overdue about ten days: a yellow warning
    Demo(
        "A",
        DEMO_TOWNSHIP,
        "funds",
        "serious",
        "medium",
        "卧虎镇人民政府",
        "王海涛",
        "卧虎镇产业扶贫项目资金拨付滞后, 项目竣工验收后3个多月仍有部分资金未拨付到位, 造成资金闲置。",
        -205,
        -10,
        ("project",),
        (
            _start(-200, "已责成镇财政所会同项目实施单位限期整改"),
            _task(-199, "完成项目决算审计并拨付剩余资金", "卧虎镇财政所", -60, -45),
            _task(-199, "建立项目资金拨付台账, 按月报送拨付进度", "卧虎镇财政所", -40, -38),
            Act("evidence", -32, "资金拨付凭证.pdf"),
            Act("submit", -30, "项目剩余资金已全部拨付到位, 建立了资金拨付月报制度。"),
            Act("return", -24, "拨付凭证与项目资金台账金额不一致, 请核实后重新报送"),
        ),
    ),
    # 3: rectifying, long overdue: a red warning
    Demo(
        "A",
        OTHER_TOWNSHIP,
        "awareness",
        "serious",
        "short",
        "双山镇党委",
        "赵德明",
        "双山镇党委对脱贫攻坚主体责任认识不到位, 党委会专题研究扶贫工作次数偏少, 上半年仅研究1次, "
        "党委书记遍访贫困户工作未落实。",
        -205,
        -160,
        (),
        (
            _start(-200, "镇党委已召开专题民主生活会, 对照检视问题"),
            _task(-199, "镇党委每月至少专题研究一次脱贫攻坚工作", "双山镇党委", -150),
            _task(-199, "党委书记遍访全镇建档立卡贫困户", "双山镇党委书记", -120, -130),
        ),
    ),
    # 4: never started, long overdue: a red warning
    Demo(
        "A",
        FUXIAN,
        "conduct",
        "general",
        "short",
        "服先镇人民政府",
        "李春雨",
        "服先镇部分帮扶干部入户走访流于形式, 走访记录内容雷同、代填代签, 群众对帮扶工作满意度不高。",
        -205,
        -45,
        ("household",),
    ),
    # 5: transferred to the discipline commission (移交纪委)
    Demo(
        "A",
        DEMO_TOWNSHIP,
        "funds",
        "grave",
        "short",
        "卧虎镇人民政府",
        "刘振华",
        "卧虎镇某村村干部涉嫌虚报冒领产业扶贫到户补贴资金, 涉及建档立卡贫困户4户、金额2.4万元。",
        -203,
        -140,
        ("household", "household"),
        (Act("transfer", -190, "涉嫌违纪违法, 移交市纪委监委调查处理"),),
    ),
    # 6: the county office's own finding, submitted and waiting for the inspector
    Demo(
        "A",
        COUNTY,
        "system",
        "general",
        "medium",
        "双辽市扶贫办",
        "陈志刚",
        "双辽市扶贫开发领导小组成员单位职责分工不明确, 行业部门扶贫数据与扶贫办台账未定期比对, 数据共享机制未建立。",
        -205,
        20,
        (),
        (
            _start(-198, "领导小组办公室牵头制定整改方案"),
            _task(-197, "制定领导小组成员单位扶贫工作职责清单", "双辽市扶贫办", -120, -125),
            _task(-197, "建立行业部门扶贫数据按月比对机制", "双辽市扶贫办", -60, -50),
            Act("evidence", -5, "职责清单及数据比对制度.pdf"),
            Act("submit", -3, "已印发成员单位职责清单, 建立教育、卫健、住建、民政等部门数据按月比对机制, 已比对4轮。"),
        ),
        lead="四平市扶贫办",
    ),
    # 7: the village's own finding, closed
    Demo(
        "A",
        DEMO_VILLAGE,
        "other",
        "general",
        "short",
        "东方红村村委会",
        "周立平",
        "东方红村扶贫项目公告公示不规范, 村务公开栏信息未及时更新, 部分项目公示期不足7天。",
        -200,
        -150,
        ("project",),
        (
            _start(-198, "村“两委”会议研究整改"),
            _task(-198, "更新村务公开栏, 项目公示不少于7天", "东方红村村委会", -170, -172),
            Act("evidence", -170, "公示栏照片.png"),
            Act("submit", -168, "已更新村务公开栏, 补充公示扶贫项目3个, 公示期均不少于7天。"),
            Act("close", -160, "现场查看公示栏, 整改到位, 同意销号"),
        ),
    ),
    # 8: raised, not started yet
    Demo(
        "B",
        DEMO_TOWNSHIP,
        "precision",
        "general",
        "short",
        "卧虎镇人民政府",
        "王海涛",
        "卧虎镇扶贫开发信息系统数据质量不高, 抽查发现部分贫困户家庭人口、收入等信息与实际不符, 存在逻辑错误。",
        -72,
        30,
        ("household", "household", "household"),
    ),
    # 9: rectifying, overdue about twelve days: a yellow warning
    Demo(
        "B",
        DEMO_TOWNSHIP,
        "policy",
        "serious",
        "short",
        "卧虎镇人民政府",
        "刘振华",
        "卧虎镇健康扶贫“先诊疗后付费”政策落实不到位, 部分贫困患者住院时仍被要求缴纳押金。",
        -72,
        -12,
        ("measure:health",),
        (
            _start(-65, "约谈镇卫生院负责人, 部署整改"),
            _task(-64, "在镇卫生院全面落实“先诊疗后付费”", "卧虎镇卫生院", -40, -42),
            _task(-64, "对已收取押金的贫困患者逐一退还", "卧虎镇卫生院", -20),
        ),
    ),
    # 10: rectifying, within its deadline
    Demo(
        "B",
        OTHER_TOWNSHIP,
        "funds",
        "general",
        "medium",
        "双山镇人民政府",
        "孙立军",
        "双山镇光伏扶贫电站收益分配不规范, 收益资金未按规定用于设置公益岗位和奖补, 部分资金长期滞留村集体账户。",
        -72,
        40,
        ("project",),
        (
            _start(-60, "镇政府研究制定光伏收益分配整改方案"),
            _task(-59, "制定光伏收益分配方案并经村民代表大会通过", "双山镇扶贫工作站", -20, -25),
            _task(-59, "开发村级公益岗位并按月发放工资", "各村村委会", 30),
        ),
    ),
    # 11: 回头看 of finding 1: the closed finding is marked reopened
    Demo(
        "B",
        OTHER_TOWNSHIP,
        "policy",
        "serious",
        "short",
        "双山镇人民政府",
        "孙立军",
        "“回头看”发现: 双山镇已销号的“雨露计划”补助问题整改不彻底, 新学期又有3户符合条件的贫困户子女未纳入补助, "
        "长效机制未建立。",
        -70,
        15,
        ("household",),
        (
            _start(-62, "重新部署排查, 由镇长牵头"),
            _task(-61, "建立在读学生信息与教育部门每学期比对机制", "双山镇扶贫工作站", 10),
        ),
        reopens=1,
    ),
    # 12: the deadline paused while the housing bureau appraises the houses
    Demo(
        "B",
        OTHER_TOWNSHIP,
        "policy",
        "general",
        "short",
        "双山镇人民政府",
        "孙立军",
        "双山镇危房改造政策落实不到位, 3户建档立卡户住房安全等级鉴定未完成, 仍居住在C级危房中。",
        -72,
        -10,
        ("household", "measure:housing"),
        (
            _start(-66, "镇政府已协调住建部门安排鉴定"),
            _task(-66, "协调住建部门完成3户住房安全等级鉴定", "双山镇扶贫工作站", -20),
            Act(
                "pause", -25, "住房安全等级鉴定须由市住建局委托专业机构实施, 鉴定结果尚未出具", "双辽市住房和城乡建设局"
            ),
        ),
    ),
    # 13: submitted, waiting for the inspector
    Demo(
        "B",
        OTHER_TOWNSHIP,
        "conduct",
        "general",
        "short",
        "双山镇党委",
        "赵德明",
        "双山镇部分村驻村工作队员在岗时间不足, 考勤记录不完整, 存在“走读”现象。",
        -72,
        10,
        (),
        (
            _start(-68, "镇党委组织委员牵头整改"),
            _task(-67, "建立驻村工作队员考勤打卡制度", "双山镇党委组织委员", -50, -52),
            _task(-67, "对在岗时间不足的2名队员进行约谈", "双山镇党委", -45, -47),
            Act("evidence", -8, "驻村考勤记录.png"),
            Act("submit", -5, "已建立驻村考勤打卡和周报制度, 约谈在岗不足队员2名, 近两个月在岗率100%。"),
        ),
    ),
    # 14: not started, overdue about a week: a yellow warning
    Demo(
        "B",
        MAOLIN,
        "other",
        "general",
        "short",
        "茂林镇人民政府",
        "张宏伟",
        "茂林镇扶贫档案资料管理不规范, 部分村“一户一档”资料缺失, 档案归档不及时。",
        -72,
        -8,
        ("household",),
    ),
    # 15: not started, over a month overdue: a red warning
    Demo(
        "B",
        WANGBEN,
        "precision",
        "serious",
        "short",
        "王奔镇人民政府",
        "马文斌",
        "王奔镇动态调整工作不规范, 2户返贫风险户未及时纳入监测对象, 新识别贫困户未经村民代表大会评议。",
        -72,
        -35,
        ("household",),
    ),
    # 16: closed within its deadline
    Demo(
        "B",
        DEMO_TOWNSHIP,
        "awareness",
        "general",
        "short",
        "卧虎镇人民政府",
        "王海涛",
        "卧虎镇部分村“两委”干部对产业扶贫政策理解不透, 产业发展规划与贫困户实际需求脱节。",
        -72,
        20,
        ("measure:industry",),
        (
            _start(-68, "镇政府组织专题学习"),
            _task(-67, "组织村“两委”干部产业扶贫政策专题培训", "卧虎镇扶贫工作站", -40, -41),
            Act("evidence", -38, "培训签到表.pdf"),
            Act("submit", -30, "已组织专题培训2期, 培训村“两委”干部86人次, 各村修订产业发展规划。"),
            Act("close", -10, "查阅培训记录和各村产业规划, 整改到位, 同意销号"),
        ),
    ),
    # 17: another county's township, raised and not started
    Demo(
        "B",
        LISHU,
        "other",
        "general",
        "medium",
        "梨树镇人民政府",
        "韩建军",
        "梨树镇扶贫项目资产管理台账不健全, 部分已建成项目资产未确权移交村集体。",
        -70,
        45,
        ("project",),
        lead="梨树县扶贫办",
    ),
)


def batches(today: date) -> dict[str, tuple[str, str]]:
    """The two batches (name, source), named by the year of their raising: the provincial inspection, and the
    effectiveness assessment of the half year before the assessment's raising."""
    first = today + timedelta(days=min(f.raised for f in FINDINGS if f.batch == "A"))
    second = today + timedelta(days=min(f.raised for f in FINDINGS if f.batch == "B"))
    half = f"{second.year}年上半年" if second.month >= 7 else f"{second.year - 1}年下半年"
    return {
        "A": (f"{first.year}年省委第三巡视组专项巡视", "provincial_inspection"),
        "B": (f"{half}扶贫成效考核", "effectiveness_assessment"),
    }


# ---------------------------------------------------------------- acting as the demo users


@dataclass
class Seeder:
    session: AsyncSession
    settings: Settings
    today: date
    users: dict[str, User]
    principals: dict[tuple[str, Permission], Principal] = field(default_factory=dict)
    files: int = 0
    households_used: dict[str, int] = field(default_factory=dict)  # per region: linked ones, so each differs
    clock_day: date | None = None

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    async def as_user(self, username: str, needs: Permission) -> Principal:
        """The demo user as a request would see them, refused (OwnerGone) without the permission the step needs."""
        key = (username, needs)
        if key not in self.principals:
            user = self.users[username]
            self.principals[key] = await job_owner(
                self.session,
                owner_type="user",
                owner_id=str(user.public_id),
                region_code=user.region_code,
                needs=needs,
            )
        return self.principals[key]

    @contextmanager
    def on(self, offset: int) -> Iterator[None]:
        """The findings clock on that day, so what the services date by it (closing day, task and pause checks)
        reads as done then. Nested: the day before it again afterwards; outermost: the configured clock."""
        before = self.clock_day
        self.clock_day = self.day(offset)
        clock.configure(self.settings.model_copy(update={"adjustment_today": self.clock_day}))
        try:
            yield
        finally:
            self.clock_day = before
            restored = (
                self.settings if before is None else self.settings.model_copy(update={"adjustment_today": before})
            )
            clock.configure(restored)

    async def links(self, principal: Principal, demo: Demo) -> list[dict[str, Any]]:
        """Real records of the finding's region, seen through the raiser's area: the first households, the first
        projects of the region, measures of a type."""
        scope = principal.scope.narrowed_to(demo.region)
        wanted: dict[str, int] = {}
        for link in demo.links:
            wanted[link] = wanted.get(link, 0) + 1
        found: list[dict[str, Any]] = []
        for link, count in wanted.items():
            kind, _, measure_type = link.partition(":")
            stmt: Any
            if kind == "household":
                used = self.households_used.get(demo.region, 0)
                self.households_used[demo.region] = used + count
                stmt = scope.select(Household.public_id, area_of=Household).where(Household.status != "removed")
                stmt = stmt.order_by(Household.id).offset(used)
            elif kind == "project":
                stmt = scope.select(Project.public_id, area_of=Project).order_by(Project.id)
            else:
                stmt = scope.select(Measure.public_id, area_of=Measure).where(Measure.type == measure_type)
                stmt = stmt.order_by(Measure.id)
            ids = (await self.session.execute(stmt.limit(count))).scalars().all()
            found += [{"type": kind, "id": public_id} for public_id in ids]
        return found

    async def raise_finding(self, demo: Demo, names: dict[str, tuple[str, str]], raised: dict[int, Finding]) -> Finding:
        inspector = await self.as_user(INSPECTOR, Permission.FINDINGS_WRITE)
        batch, source = names[demo.batch]
        data = FindingCreate.model_validate(
            {
                "source": "re_inspection" if demo.reopens is not None else source,
                "batch": batch,
                "category": demo.category,
                "severity": demo.severity,
                "timeframe": demo.timeframe,
                "description": demo.description,
                "region_code": demo.region,
                "lead_unit": demo.lead,
                "responsible_unit": demo.unit,
                "responsible_person": demo.person,
                "raised_on": self.day(demo.raised),
                "deadline": self.day(demo.deadline),
                "links": await self.links(inspector, demo),
                "reopens_id": raised[demo.reopens].public_id if demo.reopens is not None else None,
            }
        )
        with self.on(demo.raised):
            return await service.create_finding(self.session, inspector, data=data)

    async def play(self, demo: Demo, finding: Finding) -> None:
        """The finding's story, each act by the demo user whose job it is, on its day."""
        rectifier = RECTIFIER.get(demo.region, "county_office")
        evidence_ids: list[uuid.UUID] = []
        for act in demo.story:
            with self.on(act.day):
                await self.act(demo, finding, act, rectifier, evidence_ids)

    async def act(self, demo: Demo, finding: Finding, act: Act, rectifier: str, files: list[uuid.UUID]) -> None:
        session, fid = self.session, finding.public_id
        if act.kind in ("start", "submit"):
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            move = (
                FindingTransitionIn(to="rectifying", reason=act.text)
                if act.kind == "start"
                else FindingTransitionIn(to="submitted", rectification=act.text, evidence_ids=files)
            )
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
            files.clear()
        elif act.kind == "task":
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            task = await tasks.create_task(
                session, who, finding_id=fid, data=TaskIn(what=act.text, who=act.who, due_on=self.day(act.due))
            )
            if act.done is not None:  # marked done on its day, as the township does it
                with self.on(act.done):
                    await tasks.update_task(
                        session,
                        who,
                        finding_id=fid,
                        task_id=task.public_id,
                        expected_version=None,
                        data=TaskUpdate(done_on=self.day(act.done)),
                    )
        elif act.kind == "evidence":
            who = await self.as_user(rectifier, Permission.FINDINGS_RECTIFY)
            self.files += 1
            content = (
                demo_pdf(f"Rectification evidence {finding.year}-{finding.number}")
                if act.text.endswith(".pdf")
                else demo_png(seed=self.files)
            )
            root = self.settings.evidence_root
            staged = _staged(root, content)
            try:
                form = EvidenceForm(owner_type="finding", owner_id=fid)
                added = await evidence.attach(session, who, form=form, filename=act.text, staged=staged, root=root)
            except BaseException:
                staged.discard()
                raise
            files.append(added.public_id)
        elif act.kind in ("return", "close"):
            who = await self.as_user(INSPECTOR, Permission.FINDINGS_CLOSE)
            to = "returned" if act.kind == "return" else "closed"
            move = FindingTransitionIn(to=to, reason=act.text)
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
        elif act.kind == "transfer":
            who = await self.as_user(INSPECTOR, Permission.FINDINGS_WRITE)
            move = FindingTransitionIn(to="transferred", reason=act.text)
            await workflow.transition(session, who, finding_id=fid, expected_version=None, data=move)
        elif act.kind == "pause":
            who = await self.as_user("county_office", Permission.FINDINGS_WRITE)
            pause = PauseIn(reason=act.text, starts_on=self.day(act.day), waits_on=act.who)
            await deadlines.start_pause(session, who, finding_id=fid, data=pause)
        else:
            raise ValueError(f"unknown act {act.kind!r}")

    async def check_deadlines(self) -> None:
        """The daily deadlines check for today, over every open finding (what the job `findings.deadlines` does)."""
        # the job's own area: the whole system, as the calendar queues it
        stmt = job_scope(None).select(Finding).where(Finding.state.in_(OPEN_STATES)).order_by(Finding.id)
        stmt = stmt.with_for_update()
        for finding in (await self.session.execute(stmt)).scalars().all():
            await deadlines.check(self.session, finding, today=self.today, by=SEED_RUN)
        await self.session.flush()


async def seed_findings(settings: Settings, today: date) -> int:
    """Raise and work the demo findings once (0 when a finding exists or a demo user is missing); how many were
    added."""
    engine = make_engine(settings.database_url, 1)
    try:
        # the services' own guard: every read of an area-scoped table goes through the acting user's scope
        async with make_sessionmaker(engine, area_guard=True)() as session, session.begin():
            exists = select(Finding.id).limit(1).execution_options(**unscoped("is any finding seeded?"))
            if (await session.execute(exists)).first():
                return 0
            needed = {INSPECTOR, *RECTIFIER.values()}
            stmt = select(User).where(User.username.in_(needed)).execution_options(**unscoped("the demo users"))
            users = {u.username: u for u in (await session.execute(stmt)).scalars()}
            if set(users) != needed:
                return 0
            seeder = Seeder(session, settings, today, users)
            names = batches(today)
            # raised in the order of their days (the numbers follow), then worked; a 回头看 once the finding it finds
            # again is closed
            first = sorted((i for i, f in enumerate(FINDINGS) if f.reopens is None), key=lambda i: FINDINGS[i].raised)
            again = [i for i, f in enumerate(FINDINGS) if f.reopens is not None]
            raised: dict[int, Finding] = {}
            for i in first:
                raised[i] = await seeder.raise_finding(FINDINGS[i], names, raised)
            for i in first:
                await seeder.play(FINDINGS[i], raised[i])
            for i in again:
                raised[i] = await seeder.raise_finding(FINDINGS[i], names, raised)
                await seeder.play(FINDINGS[i], raised[i])
            await seeder.check_deadlines()
            return len(raised)
    finally:
        await engine.dispose()
