"""Code tables (代码表) with national codes and zh-CN / en labels. Values in the API are the codes."""

from __future__ import annotations

Entry = tuple[str, str, str]  # code, zh-CN, en

TABLES: dict[str, list[Entry]] = {
    "household_status": [
        ("not_exited", "未脱贫", "Not exited"),
        ("exited_with_policy", "已脱贫(享受政策)", "Exited, policies kept"),
        ("exited_no_policy", "已脱贫(不再享受政策)", "Exited, policies ended"),
        ("returned", "返贫", "Returned to poverty"),
        ("removed", "注销", "Removed (wrongly registered)"),
    ],
    "attribute": [
        ("general", "一般贫困户", "General poor household"),
        ("dibao", "低保贫困户", "Subsistence-allowance household"),
        ("tekun", "特困供养贫困户", "Extreme-poverty support household"),
    ],
    "identification_standard": [
        ("national", "国家标准", "National standard"),
        ("province", "省定标准", "Provincial standard"),
        ("city", "市定标准", "City standard"),
    ],
    "poverty_cause": [
        ("01", "因病", "Illness"), ("02", "因残", "Disability"), ("03", "因学", "Schooling"),
        ("04", "因灾", "Disaster"), ("05", "缺土地", "Lack of land"), ("06", "缺水", "Lack of water"),
        ("07", "缺技术", "Lack of skills"), ("08", "缺劳动力", "Lack of labour"),
        ("09", "缺资金", "Lack of funds"), ("10", "交通条件落后", "Poor transport"),
        ("11", "自身发展动力不足", "Lack of motivation"), ("99", "其他", "Other"),
    ],
    "gender": [("1", "男", "Male"), ("2", "女", "Female")],
    "id_type": [("resident_id", "居民身份证", "Resident ID card"), ("other", "其他证件", "Other document")],
    "relation": [
        ("01", "户主", "Head of household"), ("02", "配偶", "Spouse"), ("03", "之子", "Son"),
        ("04", "之女", "Daughter"), ("05", "之儿媳", "Daughter-in-law"), ("06", "之女婿", "Son-in-law"),
        ("07", "之孙子", "Grandson"), ("08", "之孙女", "Granddaughter"), ("09", "之外孙子", "Grandson (daughter's)"),
        ("10", "之外孙女", "Granddaughter (daughter's)"), ("11", "之父", "Father"), ("12", "之母", "Mother"),
        ("13", "之岳父", "Father-in-law (wife's)"), ("14", "之岳母", "Mother-in-law (wife's)"),
        ("15", "之公公", "Father-in-law (husband's)"), ("16", "之婆婆", "Mother-in-law (husband's)"),
        ("17", "之祖父", "Grandfather"), ("18", "之祖母", "Grandmother"), ("19", "之兄弟姐妹", "Sibling"),
        ("99", "其他", "Other"),
    ],
    "education": [
        ("illiterate", "文盲或半文盲", "Illiterate or semi-literate"), ("primary", "小学", "Primary school"),
        ("junior", "初中", "Junior secondary"), ("senior", "高中", "Senior secondary"),
        ("college", "大专及以上", "College or above"), ("preschool", "学龄前儿童", "Pre-school child"),
    ],
    "school_status": [
        ("none", "非在校生", "Not in school"), ("preschool", "学前", "Pre-school"),
        ("primary", "小学", "Primary school"), ("grade7_9", "七至九年级", "Grades 7-9"),
        ("senior1", "高中/中职/高职一年级", "Senior/vocational year 1"),
        ("senior2", "高中/中职/高职二年级", "Senior/vocational year 2"),
        ("senior3", "高中/中职/高职三年级", "Senior/vocational year 3"),
        ("college", "大专及以上", "College or above"),
    ],
    "health": [
        ("healthy", "健康", "Healthy"), ("chronic", "长期慢性病", "Chronic illness"),
        ("serious", "患有大病", "Serious illness"), ("disabled", "残疾", "Disabled"),
    ],
    "labour": [
        ("ordinary", "普通劳动力", "Ordinary labour"), ("skilled", "技能劳动力", "Skilled labour"),
        ("weak", "弱或半劳动力", "Weak or half labour"), ("lost", "丧失劳动力", "Lost labour capacity"),
        ("none", "无劳动力", "No labour capacity"),
    ],
    "work_status": [
        ("none", "未务工", "Not working away"), ("in_township", "乡内", "Within the township"),
        ("in_county", "县内", "Within the county"), ("in_province", "县外省内", "Outside county, in province"),
        ("out_of_province", "省外", "Outside the province"),
    ],
    "member_add_reason": [
        ("initial", "建档", "Registered"), ("newborn", "新生儿", "Newborn"), ("married_in", "嫁入", "Married in"),
        ("transfer_in", "其他转入", "Other transfer in"),
    ],
    "member_remove_reason": [
        ("death", "死亡", "Death"), ("married_out", "嫁出", "Married out"),
        ("emigrated", "出国定居", "Settled abroad"), ("imprisoned", "判刑收监", "Imprisoned"),
        ("transfer_out", "其他转出", "Other transfer out"),
    ],
    "housing_safety": [
        ("A", "A级", "Grade A"), ("B", "B级", "Grade B"), ("C", "C级(局部危房)", "Grade C (partly unsafe)"),
        ("D", "D级(整栋危房)", "Grade D (unsafe)"),
    ],
    "road_type": [
        ("cement", "水泥路", "Cement"), ("asphalt", "沥青路", "Asphalt"), ("gravel", "砂石路", "Gravel"),
        ("dirt", "泥土路", "Dirt"), ("none", "未通路", "No road"),
    ],
    "fuel": [
        ("firewood", "柴草", "Firewood"), ("coal", "煤炭", "Coal"), ("gas", "燃气", "Gas"),
        ("electricity", "电", "Electricity"), ("other", "其他", "Other"),
    ],
    "poverty_line_scope": [
        ("national", "国家标准", "National"), ("province", "省定标准", "Provincial"), ("city", "市定标准", "City"),
    ],
    "role": [
        ("admin", "系统管理员", "System administrator"), ("city_office", "市扶贫办", "City office"),
        ("county_office", "县扶贫办", "County office"), ("township", "乡镇", "Township"),
        ("village", "村", "Village"), ("department", "行业部门", "Line department"),
        ("inspector", "督查组", "Inspector"), ("auditor", "纪检审计", "Discipline and audit"),
        ("integration", "系统对接", "Integration client"),
    ],
    "ethnicity": [
        (f"{i:02d}", zh, en)
        for i, (zh, en) in enumerate(
            [
                ("汉族", "Han"), ("蒙古族", "Mongol"), ("回族", "Hui"), ("藏族", "Tibetan"), ("维吾尔族", "Uyghur"),
                ("苗族", "Miao"), ("彝族", "Yi"), ("壮族", "Zhuang"), ("布依族", "Buyei"), ("朝鲜族", "Korean"),
                ("满族", "Manchu"), ("侗族", "Dong"), ("瑶族", "Yao"), ("白族", "Bai"), ("土家族", "Tujia"),
                ("哈尼族", "Hani"), ("哈萨克族", "Kazakh"), ("傣族", "Dai"), ("黎族", "Li"), ("傈僳族", "Lisu"),
                ("佤族", "Wa"), ("畲族", "She"), ("高山族", "Gaoshan"), ("拉祜族", "Lahu"), ("水族", "Sui"),
                ("东乡族", "Dongxiang"), ("纳西族", "Nakhi"), ("景颇族", "Jingpo"), ("柯尔克孜族", "Kyrgyz"),
                ("土族", "Monguor"), ("达斡尔族", "Daur"), ("仫佬族", "Mulao"), ("羌族", "Qiang"),
                ("布朗族", "Blang"), ("撒拉族", "Salar"), ("毛南族", "Maonan"), ("仡佬族", "Gelao"),
                ("锡伯族", "Xibe"), ("阿昌族", "Achang"), ("普米族", "Pumi"), ("塔吉克族", "Tajik"),
                ("怒族", "Nu"), ("乌孜别克族", "Uzbek"), ("俄罗斯族", "Russian"), ("鄂温克族", "Evenki"),
                ("德昂族", "De'ang"), ("保安族", "Bonan"), ("裕固族", "Yugur"), ("京族", "Gin"),
                ("塔塔尔族", "Tatar"), ("独龙族", "Derung"), ("鄂伦春族", "Oroqen"), ("赫哲族", "Hezhen"),
                ("门巴族", "Monpa"), ("珞巴族", "Lhoba"), ("基诺族", "Jino"),
            ],
            start=1,
        )
    ],
}


def codes_of(table: str) -> frozenset[str]:
    return frozenset(code for code, _, _ in TABLES[table])


def label(table: str, code: str | None, lang: str = "zh") -> str | None:
    for c, zh, en in TABLES[table]:
        if c == code:
            return zh if lang == "zh" else en
    return None
