"""The demo findings and what happens to each (its story of acts, day by day), the demo regions and the users
who rectify them, and the two batches named by the days of their raising."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from fupin.seed.regions import DEMO_TOWNSHIP, DEMO_VILLAGE, OTHER_TOWNSHIP

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
