"""Catalog templates of the bureau, the development zone, public utilities and towns."""

from __future__ import annotations

from portal.demo.catalog import Spec
from portal.demo.specs_departments import (
    AGRI,
    ECON,
    EDU,
    ENV,
    HEALTH,
    MARKET,
    RELIEF,
    SAFETY,
    SOCIAL,
    TRANSPORT,
    URBAN,
)

BUREAU_SPECS = (
    Spec("catalog-statistics", "{year}年泗县政务数据资源目录编制与共享情况", "catalog_stats",
         "政务服务/数据资源/目录统计", (ECON,), ("数据资源", "数据共享", "考核评估"), "monthly",
         "各部门政务数据资源目录数、挂接资源数、共享调用次数、开放数据集数和按期更新率。",
         access="internal", years=(2025, 2026), span=1, formats=("xlsx",)),
    Spec("service-catalog", "泗县政务服务事项目录", "gov_services", "政务服务/事项清单/县级事项", (ECON, SOCIAL),
         ("政务服务", "一网通办"), "monthly", "县级政务服务事项的类型、实施主体、办结时限和网办深度。",
         classification="thematic", rows=(36, 36), formats=("csv", "xlsx", "json"), api=True),
    Spec("service-halls", "泗县政务服务中心及便民服务网点", "service_outlets", "政务服务/服务场所/便民服务网点",
         (ECON, SOCIAL), ("政务服务中心", "便民服务"), "irregular",
         "县政务服务中心和各镇便民服务中心的地址、办理业务和服务时间。", rows=(14, 20), formats=("csv", "json"),
         extra={"brand": "泗县政务服务", "services": "综合受理、帮办代办、自助办理"}),
    Spec("key-projects", "{year}年泗县重点项目建设计划", "projects", "经济发展/投资建设/重点项目", (ECON, URBAN),
         ("重点项目", "投资"), "quarterly", "全县年度重点项目的建设单位、总投资、年度计划和形象进度。",
         classification="thematic", years=(2024, 2025, 2026), span=1, rows=(40, 80),
         formats=("xlsx", "csv")),
)

ZONE_SPECS = (
    Spec("resident-enterprises", "泗县经济开发区入驻企业名录", "zone_enterprises", "经济发展/园区经济/入驻企业",
         (ECON, MARKET), ("开发区", "园区企业", "规上企业"), "quarterly",
         "开发区入驻企业的产业、用地、从业人数和产值。", rows=(150, 260), formats=("csv", "xlsx", "json")),
    Spec("standard-factories", "泗县经济开发区标准化厂房", "factories", "经济发展/园区经济/标准化厂房", (ECON,),
         ("标准化厂房", "招商"), "quarterly", "开发区标准化厂房的面积、层数、使用状态和租金标准。",
         rows=(40, 90), formats=("csv", "xlsx")),
    Spec("zone-projects", "泗县经济开发区在建项目", "projects", "经济发展/园区经济/在建项目", (ECON,),
         ("开发区", "在建项目"), "monthly", "开发区在建工业和基础设施项目的投资和进度。", rows=(20, 40),
         formats=("xlsx",)),
    Spec("zone-jobs", "泗县经济开发区企业用工需求", "job_postings", "社会保障/就业服务/园区用工", (ECON, SOCIAL),
         ("用工", "招聘", "开发区"), "monthly", "开发区企业发布的用工岗位和薪资范围。", editions="monthly",
         count=3, rows=(60, 120), formats=("csv", "json")),
    Spec("zone-air", "{year}年泗县经济开发区空气质量监测", "air_quality", "生态环境/环境质量/园区空气质量",
         (ENV,), ("开发区", "空气质量"), "daily", "开发区监测站逐日空气质量。", editions="quarterly", count=2,
         years=(2026,), formats=("csv",), extra={"stations": 1}),
    Spec("zone-services", "泗县经济开发区企业服务事项", "gov_services", "经济发展/营商环境/企业服务",
         (ECON, MARKET), ("营商环境", "企业服务"), "irregular", "开发区为企业提供的代办和审批服务事项。",
         rows=(8, 10), formats=("csv",), extra={"dept": "开发区"}),
)


def _utility(brand: str, utility: str, outage: str, services: str, kinds: str) -> tuple[Spec, ...]:
    group = (URBAN,)
    return (
        Spec("tariffs", f"泗县{kinds}价格标准", "tariffs", f"城乡建设/公用事业/{kinds}价格", group,
             (kinds, "价格", "阶梯价格"), "irregular", f"居民和非居民用{utility}的阶梯价格及价格文件。",
             formats=("csv", "json"), extra={"utility": utility}),
        Spec("outage-plans", f"{{year}}年泗县计划{outage}信息", "outage_plans", f"城乡建设/公用事业/计划{outage}",
             group, (outage, kinds), "weekly", f"计划检修和临时抢修{outage}的时间、范围和工作内容。",
             editions="quarterly", count=4, years=(2024, 2025), rows=(30, 60),
             formats=("csv", "json"), extra={"utility": outage}),
        Spec("outage-plans", f"{{year}}年泗县计划{outage}信息", "outage_plans", f"城乡建设/公用事业/计划{outage}",
             group, (outage, kinds), "weekly", f"计划检修和临时抢修{outage}的时间、范围和工作内容。",
             editions="monthly", count=6, years=(2026,), rows=(8, 20), formats=("csv", "json"),
             api=True,
             extra={"utility": outage}),
        Spec("service-outlets", f"{brand}营业网点", "service_outlets", f"城乡建设/公用事业/{kinds}营业网点",
             group, (kinds, "营业厅"), "irregular", f"{brand}营业厅和服务点的地址、业务和营业时间。",
             rows=(10, 14), formats=("csv", "xlsx"), extra={"brand": brand, "services": services}),
        Spec("operation-stats", f"{{year}}年{brand}供应运行指标", "utility_stats", f"城乡建设/公用事业/{kinds}运行",
             group + (ECON,), (kinds, "运行指标"), "monthly", f"{kinds}供应量、用户数和运行质量指标。",
             access="open-cond", editions="monthly", count=6, years=(2026,), formats=("xlsx",),
             extra={"utility": utility}),
    )


WATER = _utility("泗县自来水公司", "水", "停水", "报装、过户、缴费、水表报修", "供水") + (
    Spec("tap-water-quality", "{year}年泗县城市供水水质日检信息", "drinking_water", "城乡建设/公用事业/供水水质",
         (URBAN, HEALTH), ("饮用水", "水质"), "daily", "水厂出厂水和管网末梢水浑浊度、余氯、菌落总数等日检结果。",
         editions="monthly", count=6, years=(2026,), formats=("csv", "xlsx"), extra={"points": 3}),
    Spec("tap-water-quality", "{year}年泗县城市供水水质日检信息", "drinking_water", "城乡建设/公用事业/供水水质",
         (URBAN, HEALTH), ("饮用水", "水质"), "daily", "水厂出厂水和管网末梢水浑浊度、余氯、菌落总数等日检结果。",
         editions="quarterly", count=4, years=(2024, 2025), formats=("csv",), extra={"points": 2}),
)
POWER = _utility("国网泗县供电公司", "电", "停电", "用电报装、电费缴纳、故障报修、光伏并网", "电力") + (
    Spec("charging-stations", "泗县电动汽车充电站", "charging_stations", "交通出行/充电设施/充电站",
         (TRANSPORT, URBAN), ("充电桩", "新能源汽车"), "monthly", "公共充电站的运营商、快慢充桩数和收费标准。",
         rows=(30, 60), formats=("csv", "json"), api=True),
)
GAS = _utility("泗县港华燃气", "气", "停气", "开户、缴费、安检预约、燃气报修", "燃气")
BUS = (
    Spec("bus-routes", "泗县公交线路信息", "bus_routes", "交通出行/公共交通/公交线路", (TRANSPORT,),
         ("公交", "线路", "首末班"), "irregular", "城区和城乡公交线路的起讫站、首末班时间、票价和发车间隔。",
         classification="thematic", rows=(20, 24), formats=("csv", "xlsx", "json"), api=True),
    Spec("bus-stops", "泗县公交站点信息", "bus_stops", "交通出行/公共交通/公交站点", (TRANSPORT,),
         ("公交", "站点"), "irregular", "各公交线路上下行站点顺序和坐标。", rows=(300, 420),
         formats=("csv", "json")),
    Spec("ridership", "{year}年泗县公交客运量统计", "ridership", "交通出行/公共交通/客运量", (TRANSPORT, ECON),
         ("公交", "客流"), "daily", "城区公交线路逐日客运量、班次、里程和准点率。", editions="monthly", count=6,
         years=(2026,), formats=("csv", "xlsx"), extra={"lines": 8}),
    Spec("bus-depot-charging", "泗县公交场站充电设施", "charging_stations", "交通出行/充电设施/公交场站",
         (TRANSPORT,), ("公交", "充电"), "yearly", "公交场站充电设施的位置和桩数，部分对社会车辆开放。",
         rows=(6, 12), formats=("csv",)),
)

LOCAL_SPECS: tuple[tuple[str, tuple[Spec, ...]], ...] = (
    ("sx-sjzyj", BUREAU_SPECS), ("sx-jkq", ZONE_SPECS), ("sx-zls", WATER), ("sx-gdgs", POWER),
    ("sx-rqgs", GAS), ("sx-gjgs", BUS),
)

# Every town government publishes these about its own villages.
TOWN_SPECS = (
    Spec("villages", "{town}村（社区）基本情况", "villages", "空间地理/行政区划/村（社区）", (AGRI, URBAN),
         ("村", "社区", "行政区划"), "yearly", "{town}所辖行政村和社区的区划代码、户数、人口、耕地和办公电话。",
         classification="base", formats=("csv", "xlsx")),
    Spec("dibao", "{town}最低生活保障对象名单", "dibao", "社会保障/社会救助/最低生活保障", (SOCIAL,),
         ("低保", "社会救助"), "monthly", "{town}城乡低保家庭户主、保障人数和月保障金额。", access="personal",
         rows=(60, 180), formats=("xlsx", "csv-gbk"),
         laws=RELIEF + ("《最低生活保障审核确认办法》（民发〔2021〕57号）",)),
    Spec("elderly-allowance", "{town}高龄津贴发放名单", "gaoling", "社会保障/老龄服务/高龄津贴", (SOCIAL,),
         ("高龄津贴", "老年人"), "monthly", "{town}80周岁以上老年人高龄津贴的档次和发放金额。",
         access="personal", rows=(80, 240), formats=("xlsx",),
         laws=("《中华人民共和国老年人权益保障法》第三十三条",)),
    Spec("population", "{town}人口基本情况", "population", "人口/人口统计/乡镇人口", (SOCIAL,),
         ("人口",), "yearly", "{town}分村（社区）户数、户籍人口、性别和年龄结构。", classification="base",
         formats=("xlsx",)),
    Spec("crops", "{town}主要农作物种植情况", "crop_output", "农业农村/农业生产/种植情况", (AGRI,),
         ("种植", "粮食"), "yearly", "{town}分村主要农作物播种面积和产量。", editions="yearly", count=2,
         formats=("xlsx", "csv")),
    Spec("markets", "{town}农贸市场信息", "markets", "市场监管/市场主体/农贸市场", (AGRI,),
         ("农贸市场", "集市"), "yearly", "{town}农贸（集贸）市场的地址、摊位数、集日和开办单位。",
         rows=(2, 6), formats=("csv",)),
    Spec("public-facilities", "{town}村级公共服务设施", "town_facilities", "城乡建设/公共服务/村级服务设施",
         (URBAN, SOCIAL), ("便民服务", "党群服务中心"), "yearly",
         "{town}各村（社区）党群服务中心、卫生室、农家书屋等公共服务设施。", rows=(30, 60),
         formats=("csv", "json")),
    Spec("shelters", "{town}应急避难场所", "shelters", "公共安全/应急管理/乡镇避难场所", (SAFETY,),
         ("应急避难",), "yearly", "{town}应急避难场所的位置、面积和可容纳人数。", rows=(3, 8),
         formats=("csv",)),
    Spec("budget", "{town}财政预算执行情况", "fiscal_budget", "经济发展/财政/预算执行", (ECON,),
         ("财政预算", "预算公开"), "yearly", "{town}一般公共预算支出分科目预算数、执行数和执行率。",
         editions="yearly", count=2, formats=("xlsx",)),
    Spec("projects", "{town}重点建设项目", "projects", "经济发展/投资建设/乡镇项目", (ECON,),
         ("项目建设",), "quarterly", "{town}在建和计划建设项目的投资和进度。", rows=(5, 15), formats=("xlsx",)),
    Spec("sports", "{town}文体活动设施", "sports_facilities", "教育文化/体育/乡镇文体设施", (EDU,),
         ("全民健身", "文化广场"), "yearly", "{town}各村（社区）文化广场、健身路径和球场。", rows=(8, 20),
         formats=("csv",)),
    Spec("schools", "{town}中小学校和幼儿园", "schools", "教育文化/基础教育/乡镇学校", (EDU,),
         ("学校", "义务教育"), "yearly", "{town}辖区中小学校的学段、在校生数和联系电话。", rows=(8, 20),
         formats=("csv", "xlsx")),
    Spec("clinics", "{town}村卫生室和卫生院", "clinics", "医疗卫生/基层卫生/乡镇医疗机构", (HEALTH,),
         ("卫生院", "村卫生室"), "yearly", "{town}卫生院、村卫生室和诊所的地址、床位和执业医师数。",
         rows=(10, 24), formats=("csv", "json")),
    Spec("cooperatives", "{town}农民专业合作社", "cooperatives", "农业农村/经营主体/乡镇合作社", (AGRI,),
         ("合作社",), "quarterly", "{town}登记的农民专业合作社及主营业务。", rows=(15, 40),
         formats=("csv", "xlsx")),
    Spec("family-farms", "{town}家庭农场名录", "family_farms", "农业农村/经营主体/乡镇家庭农场", (AGRI,),
         ("家庭农场",), "quarterly", "{town}家庭农场的经营类型、面积和主要产品。", rows=(10, 30),
         formats=("csv-gbk",)),
    Spec("services", "{town}便民服务事项", "gov_services", "政务服务/事项清单/乡镇事项", (SOCIAL,),
         ("便民服务", "政务服务"), "irregular", "{town}便民服务中心可办理的政务服务事项及办理时限。",
         rows=(12, 18), formats=("csv", "json")),
)
