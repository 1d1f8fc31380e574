"""The demo county's organizations, themes (groups) and user accounts."""

from __future__ import annotations

import random
from dataclasses import dataclass

from portal.demo import codes
from portal.demo.places import MAIL_DOMAIN, TOWNS

BUREAU = "sx-sjzyj"
ZONE = "sx-jkq"


@dataclass(frozen=True)
class OrgSpec:
    name: str        # slug
    title: str
    type: str        # bureau, department, town, development_zone, public_utility
    abbr: str        # resource code segment, e.g. JY in 341324-JY-0001
    description: str
    parent: str | None = None
    code_kind: str = "11"  # GB 32100 kind: 11 government body, 91 company

    @property
    def short(self) -> str:
        """The title without the county prefix, e.g. 教育局."""
        return self.title.removeprefix("泗县").removeprefix("宿州市")

    @property
    def email(self) -> str:
        return f"{self.name.removeprefix('sx-')}@{MAIL_DOMAIN}"


_DEPARTMENTS = (
    ("sx-jyj", "泗县教育局", "JY", "负责全县各级各类教育的统筹管理，提供学校、幼儿园、学生资助和招生等数据。"),
    ("sx-wjw", "泗县卫生健康委员会", "WJ", "负责全县卫生健康事业管理，提供医疗机构、预防接种、家庭医生签约和出生登记等数据。"),
    ("sx-mzj", "泗县民政局", "MZ", "负责社会救助、养老服务、婚姻登记、社会组织管理，提供低保、特困、高龄津贴等数据。"),
    ("sx-rsj", "泗县人力资源和社会保障局", "RS", "负责就业创业、社会保险、职业培训，提供招聘岗位、失业登记和培训机构等数据。"),
    ("sx-ybj", "泗县医疗保障局", "YB", "负责医疗保险、生育保险和医疗救助，提供定点医药机构、医保结算和参保缴费等数据。"),
    ("sx-scjgj", "泗县市场监督管理局", "SC", "负责市场主体登记、食品药品安全和质量监管，提供企业登记、食品经营许可和抽检结果等数据。"),
    ("sx-jtysj", "泗县交通运输局", "JT", "负责公路建设养护和道路运输管理，提供公路路线、客运班线、公交线路等数据。"),
    ("sx-sthj", "宿州市泗县生态环境分局", "HB", "负责全县生态环境监测和监管，提供空气质量、地表水质、噪声和排污许可等数据。"),
    ("sx-gaj", "泗县公安局", "GA", "负责社会治安、户籍和道路交通管理，提供派出所、户籍人口统计和交通事故统计等数据。"),
    ("sx-zrzyj", "泗县自然资源和规划局", "ZR", "负责国土空间规划、土地供应和地质灾害防治，提供土地出让、规划许可和地灾隐患点等数据。"),
    ("sx-zjj", "泗县住房和城乡建设局", "ZJ", "负责房地产市场、保障性住房和建筑业管理，提供预售许可、住宅小区和建筑企业资质等数据。"),
    ("sx-nyncj", "泗县农业农村局", "NY", "负责农业生产和农村工作，提供农民专业合作社、家庭农场、农作物产量和农产品价格等数据。"),
    ("sx-wltj", "泗县文化旅游体育局", "WL", "负责文化、旅游、文物和体育工作，提供景区、文物保护单位、体育设施和游客接待等数据。"),
    ("sx-yjglj", "泗县应急管理局", "YJ", "负责安全生产和应急管理，提供应急避难场所、危险化学品企业和应急物资储备等数据。"),
    ("sx-tjj", "泗县统计局", "TJ", "负责全县统计调查和统计数据发布，提供地区生产总值、人口和主要经济指标等数据。"),
)

_UTILITIES = (
    ("sx-zls", "泗县自来水有限责任公司", "ZLS", "承担县城及部分乡镇的城乡供水，公开水质、水价、停水计划和营业网点信息。"),
    ("sx-gdgs", "国网安徽泗县供电公司", "GD", "负责全县电网运行和电力供应，公开停电计划、电价、营业厅和充电设施信息。"),
    ("sx-rqgs", "泗县港华燃气有限公司", "RQ", "负责县城管道天然气供应，公开气价、停气计划和营业网点信息。"),
    ("sx-gjgs", "泗县公共交通有限公司", "GJ", "负责城区及城乡公交运营，公开公交线路、站点、客流和充电站信息。"),
)


def _orgs() -> tuple[OrgSpec, ...]:
    out = [OrgSpec(BUREAU, "泗县数据资源管理局", "bureau", "SJ",
                   "县数据资源管理局是全县政务数据资源的主管部门，负责政务数据共享开放平台的建设运行、"
                   "政务数据资源目录的审核汇总和共享开放的统筹协调。")]
    out += [OrgSpec(n, t, "department", a, d) for n, t, a, d in _DEPARTMENTS]
    out += [OrgSpec(f"sx-{t.slug}", f"泗县{t.title}人民政府", "town", t.abbr,
                    f"{t.title}人民政府负责本镇行政区域内的政务服务和社会管理，下辖{len(t.villages)}个村（社区），"
                    "提供村（社区）基本情况、社会救助和公共服务设施等数据。", parent=BUREAU)
            for t in TOWNS]
    out.append(OrgSpec(ZONE, "泗县经济开发区管理委员会", "development_zone", "KFQ",
                       "县经济开发区管委会负责园区规划建设、招商引资和企业服务，提供入驻企业、标准化厂房和重点项目等数据。",
                       parent=BUREAU))
    out += [OrgSpec(n, t, "public_utility", a, d, code_kind="91") for n, t, a, d in _UTILITIES]
    return tuple(out)


ORGS: tuple[OrgSpec, ...] = _orgs()
ORGS_BY_NAME: dict[str, OrgSpec] = {o.name: o for o in ORGS}


def org_code(org: OrgSpec) -> str:
    """A unique, valid unified social credit code for the organization."""
    rng = random.Random(f"uscc:{org.name}")
    return codes.uscc(rng, org.code_kind, prefix="MB" if org.code_kind == "11" else "MA")


def town_org(town_slug: str) -> OrgSpec:
    return ORGS_BY_NAME[f"sx-{town_slug}"]


@dataclass(frozen=True)
class GroupSpec:
    name: str
    title: str
    description: str


GROUPS: tuple[GroupSpec, ...] = (
    GroupSpec("jiaoyu-wenhua", "教育文化", "学校、幼儿园、培训机构、文物、景区和文体设施等教育文化数据。"),
    GroupSpec("yiliao-weisheng", "医疗卫生", "医疗机构、预防接种、医保定点和卫生健康服务数据。"),
    GroupSpec("shehui-baozhang", "社会保障", "社会救助、养老服务、就业和社会保险数据。"),
    GroupSpec("jiaotong-chuxing", "交通出行", "公路、公交、客运、停车和充电设施数据。"),
    GroupSpec("shengtai-huanjing", "生态环境", "空气、水、噪声监测和污染源管理数据。"),
    GroupSpec("shichang-jianguan", "市场监管", "市场主体登记、许可和食品安全抽检数据。"),
    GroupSpec("nongye-nongcun", "农业农村", "农业生产、农村经营主体、涉农补贴和农产品价格数据。"),
    GroupSpec("gonggong-anquan", "公共安全", "治安、交通安全、应急避难和安全生产数据。"),
    GroupSpec("jingji-fazhan", "经济发展", "统计指标、重点项目、园区企业和财政数据。"),
    GroupSpec("chengxiang-jianshe", "城乡建设", "规划、土地、住房、市政和公用事业数据。"),
)


@dataclass(frozen=True)
class DemoUser:
    name: str
    password: str
    fullname: str
    organization: str
    role: str          # sysadmin, admin or editor
    sysadmin: bool = False

    @property
    def email(self) -> str:
        return f"{self.name}@{MAIL_DOMAIN}"


DEMO_PASSWORD = "shuyuan-demo"

USERS: tuple[DemoUser, ...] = (
    DemoUser("admin", DEMO_PASSWORD, "数据资源管理局管理员", BUREAU, "sysadmin", sysadmin=True),
    DemoUser("jyj-admin", DEMO_PASSWORD, "教育局数据管理员", "sx-jyj", "admin"),
    DemoUser("jyj-editor", DEMO_PASSWORD, "教育局信息员", "sx-jyj", "editor"),
    DemoUser("mzj-admin", DEMO_PASSWORD, "民政局数据管理员", "sx-mzj", "admin"),
    DemoUser("mzj-editor", DEMO_PASSWORD, "民政局信息员", "sx-mzj", "editor"),
    DemoUser("wjw-editor", DEMO_PASSWORD, "卫健委信息员", "sx-wjw", "editor"),
)
