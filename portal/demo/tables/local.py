"""Town and county administration: villages, services, land, housing, safety."""

from __future__ import annotations

from datetime import date, timedelta

from portal.demo.places import TOWNS
from portal.demo.tables.base import SEQ, Gen, Table, col, generator, table, with_sequence

ADDRESS = col("地址", "text", "详细地址")


@generator("villages")
def villages(g: Gen) -> Table:
    town = g.a_town()
    cols = [SEQ, col("村（社区）名称", "text", "名称"), col("类型", "text", "行政村/社区"),
            col("统计用区划代码", "text", "12位统计用区划代码"), col("村民小组数", "integer", "个"),
            col("户数", "integer", "户"), col("户籍人口", "integer", "人"), col("耕地面积", "number", "亩"),
            col("办公电话", "text", "村（居）委会电话"), col("距镇政府", "number", "公里")]
    town_no = TOWNS.index(town) + 1
    rows = []
    for i, name in enumerate(town.villages, 1):
        community = name.endswith("社区")
        people = g.rng.randint(2500, 9000) if community else g.rng.randint(1600, 5200)
        code = f"341324{100 + town_no:03d}{(200 if community else 0) + i:03d}"
        rows.append([name, "社区" if community else "行政村", code,
                     g.rng.randint(4, 16), int(people / g.rng.uniform(2.9, 3.5)), people,
                     0.0 if community else round(g.rng.uniform(2500, 9800), 0), g.landline(),
                     round(g.rng.uniform(0.2, 2.0) if community else g.rng.uniform(1.5, 14.0), 1)])
    return table(cols, with_sequence(rows))


# Service items by who implements them; towns receive applications for the county.
SERVICE_ITEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "教育局": (("教师资格认定", "行政许可"), ("民办学校设立审批", "行政许可"), ("校外培训机构设立审批", "行政许可"),
            ("家庭经济困难学生资助申请", "行政给付"), ("中小学生转学办理", "公共服务"),
            ("义务教育入学登记", "公共服务"), ("中小学教师职称评审", "行政确认")),
    "卫生健康委员会": (("医疗机构执业登记", "行政许可"), ("医师执业注册", "行政许可"), ("护士执业注册", "行政许可"),
                ("公共场所卫生许可", "行政许可"), ("生育登记", "公共服务"), ("出生医学证明办理", "公共服务"),
                ("农村部分计划生育家庭奖励扶助", "行政给付"), ("母婴保健技术服务执业许可", "行政许可")),
    "民政局": (("最低生活保障对象认定", "行政确认"), ("特困人员认定", "行政确认"), ("临时救助", "行政给付"),
            ("高龄津贴发放", "行政给付"), ("残疾人两项补贴发放", "行政给付"), ("内地居民婚姻登记", "行政确认"),
            ("社会团体成立登记", "行政许可"), ("养老机构备案", "公共服务")),
    "人力资源和社会保障局": (("就业困难人员认定", "行政确认"), ("失业登记", "公共服务"), ("失业保险金申领", "行政给付"),
                   ("城乡居民养老保险参保登记", "公共服务"), ("职业技能等级认定", "行政确认"),
                   ("创业担保贷款申请", "公共服务"), ("社会保障卡申领", "公共服务")),
    "交通运输局": (("道路旅客运输经营许可", "行政许可"), ("道路货物运输从业资格证核发", "行政许可"),
              ("公路超限运输许可", "行政许可"), ("涉路施工许可", "行政许可"),
              ("出租汽车驾驶员从业资格注册", "行政许可"), ("道路运输证配发", "行政许可")),
}
TOWN_ITEMS = (("最低生活保障申请受理", "公共服务"), ("高龄津贴申请受理", "公共服务"), ("残疾人证申请受理", "公共服务"),
              ("城乡居民医疗保险参保登记", "公共服务"), ("城乡居民养老保险参保登记", "公共服务"),
              ("农村宅基地和建房（规划许可）审批", "行政许可"), ("农机购置补贴申请", "行政给付"),
              ("生育登记", "公共服务"), ("退役军人优待证申领", "公共服务"), ("临时救助申请受理", "公共服务"),
              ("居住证办理", "公共服务"), ("村级公益事业一事一议", "公共服务"))
ZONE_ITEMS = (("企业投资项目备案", "行政确认"), ("建设工程规划许可代办", "公共服务"), ("施工许可代办", "公共服务"),
              ("标准化厂房租赁申请", "公共服务"), ("企业开办一件事", "公共服务"), ("企业用工招聘服务", "公共服务"),
              ("工业用地供应咨询", "公共服务"), ("规上企业培育申报", "公共服务"), ("高新技术企业认定辅导", "公共服务"),
              ("企业用电用气报装协调", "公共服务"))


@generator("gov_services")
def gov_services(g: Gen) -> Table:
    """Service items of one department (extra dept), the zone, a town, or the whole county."""
    cols = [SEQ, col("事项名称", "text", "政务服务事项"), col("事项类型", "text", "行政许可/行政确认/行政给付/公共服务"),
            col("实施主体", "text", "实施单位"), col("法定办结时限", "integer", "工作日"),
            col("承诺办结时限", "integer", "工作日"), col("是否收费", "text", "是/否"),
            col("网办深度", "text", "一至四级"), col("办理地点", "text", "窗口")]
    dept = g.extra.get("dept", "")
    if g.town:
        items = [(n, k, f"泗县{g.town.title}人民政府", f"{g.town.title}便民服务中心") for n, k in TOWN_ITEMS]
    elif dept == "开发区":
        items = [(n, k, "泗县经济开发区管理委员会", "开发区企业服务中心") for n, k in ZONE_ITEMS]
    elif dept:
        items = [(n, k, f"泗县{dept}", f"泗县政务服务中心{dept[:2]}窗口") for n, k in SERVICE_ITEMS[dept]]
    else:
        items = [(n, k, f"泗县{d}", "泗县政务服务中心综合受理窗口")
                 for d, pairs in SERVICE_ITEMS.items() for n, k in pairs]
    rows = []
    for name, kind, org, window in g.rng.sample(items, min(g.rows, len(items))):
        legal = g.pick((20, 15, 30, 10))
        rows.append([name, kind, org, legal, max(1, legal // g.pick((2, 3, 4))), "否",
                     g.pick(("三级", "四级", "二级"), (45, 35, 20)), window])
    return table(cols, with_sequence(rows))


@generator("town_facilities")
def town_facilities(g: Gen) -> Table:
    town = g.a_town()
    cols = [SEQ, col("设施名称", "text", "名称"), col("设施类型", "text", "类别"), ADDRESS,
            col("服务内容", "text", "服务内容"), col("开放时间", "text", "开放时间"), col("联系电话", "text", "电话")]
    kinds = (("党群服务中心", "村务办理、代办服务"), ("卫生室", "基本医疗、公共卫生服务"),
             ("农家书屋", "图书借阅"), ("文化广场", "群众文体活动"), ("日间照料中心", "老年人助餐、休息"),
             ("快递服务站", "快递收发"), ("便民超市", "日用品"))
    rows = []
    for village in town.villages:
        for kind, service in g.rng.sample(kinds, g.rng.randint(2, 4)):
            rows.append([f"{village}{kind}", kind, g.rural_address(town, village), service,
                         "8:00-18:00" if kind != "文化广场" else "全天", g.landline()])
    return table(cols, with_sequence(rows[: g.rows]))


@generator("geohazards")
def geohazards(g: Gen) -> Table:
    cols = [SEQ, col("隐患点编号", "text", "编号"), col("隐患点名称", "text", "名称"), col("灾害类型", "text", "类型"),
            col("位置", "text", "所在位置"), col("威胁人数", "integer", "人"), col("威胁财产", "number", "万元"),
            col("险情等级", "text", "小型/中型/大型"), col("防治措施", "text", "措施")]
    kinds = ("地面塌陷", "崩塌", "地裂缝", "采空区塌陷")
    rows = []
    for i in range(g.rows):
        town = g.a_town()
        village = g.pick(town.villages)
        kind = g.pick(kinds, (40, 15, 30, 15))
        rows.append([f"SX{g.end.year}{i + 1:03d}", f"{village}{kind}隐患点", kind,
                     g.rural_address(town, village), g.rng.randint(0, 120),
                     round(g.rng.uniform(5, 300), 1),
                     g.pick(("小型", "中型"), (85, 15)), g.pick(("群测群防", "专业监测", "搬迁避让", "工程治理"))])
    return table(cols, with_sequence(rows))


@generator("emergency_supplies")
def emergency_supplies(g: Gen) -> Table:
    cols = [SEQ, col("储备点", "text", "储备库"), col("物资名称", "text", "品名"), col("规格型号", "text", "规格"),
            col("计量单位", "text", "单位"), col("库存数量", "integer", "数量"), col("更新日期", "date", "盘点日期")]
    goods = (("帐篷", "12平方米单帐篷", "顶"), ("折叠床", "钢制", "张"), ("棉被", "2.0×2.3米", "床"),
             ("救生衣", "成人款", "件"), ("编织袋", "50×80厘米", "条"), ("发电机", "5千瓦", "台"),
             ("抽水泵", "6寸", "台"), ("应急照明灯", "LED", "盏"), ("冲锋舟", "6人", "艘"),
             ("矿泉水", "550mL×24", "箱"))
    depots = ["泗县救灾物资储备库"] + [f"{t.title}应急物资储备点" for t in TOWNS[: g.extra.get("depots", 4)]]
    rows = [[depot, name, spec, unit, g.rng.randint(5, 2000), g.day()]
            for depot in depots for name, spec, unit in goods]
    return table(cols, with_sequence(rows))


@generator("land_transfer")
def land_transfer(g: Gen) -> Table:
    cols = [SEQ, col("宗地编号", "text", "编号"), col("坐落", "text", "位置"), col("出让面积", "number", "平方米"),
            col("土地用途", "text", "用途"), col("出让年限", "integer", "年"), col("出让方式", "text", "挂牌/拍卖/协议"),
            col("成交价", "number", "万元"), col("竞得单位", "text", "受让人"), col("成交日期", "date", "日期")]
    rows = []
    for i in range(g.rows):
        use, years, price, buyers = g.pick((("城镇住宅用地", 70, 0.18, ("置业", "房地产开发")),
                                            ("商服用地", 40, 0.12, ("置业", "商业管理")),
                                            ("工业用地", 50, 0.025, ("新材料", "机械制造", "纺织"))))
        area = round(g.rng.uniform(3000, 90000), 1)
        day = g.day()
        parcel = f"泗自然资告字〔{day.year}〕{i + 1:02d}号-{g.rng.randint(1, 4)}"
        rows.append([parcel, g.address(), area, use, years,
                     g.pick(("挂牌", "拍卖"), (85, 15)) if use != "工业用地" else "挂牌",
                     round(area * price * g.rng.uniform(0.85, 1.4), 1),
                     g.company(buyers), day])
    rows.sort(key=lambda r: r[-1])
    return table(cols, with_sequence(rows))


@generator("building_permits")
def building_permits(g: Gen) -> Table:
    cols = [SEQ, col("项目名称", "text", "建设项目"), col("建设单位", "text", "单位"),
            col("许可证编号", "text", "建设工程规划许可证号"), col("建设位置", "text", "位置"),
            col("建设规模", "number", "平方米"), col("发证日期", "date", "日期")]
    rows = []
    for i in range(g.rows):
        day = g.day()
        rows.append([f"{g.pick(('虹乡', '汴河', '运河', '清水湾', '石龙湖'))}{g.pick(('府', '苑', '小区', '花园'))}"
                     f"{g.pick(('一期', '二期', '三期'))}", g.company(("置业", "房地产开发")),
                     f"建字第341324{day.year}{i + 1:04d}号", g.address(TOWNS[0]),
                     round(g.rng.uniform(8000, 160000), 1), day])
    return table(cols, with_sequence(rows))


@generator("presale_permits")
def presale_permits(g: Gen) -> Table:
    cols = [SEQ, col("项目名称", "text", "楼盘"), col("开发企业", "text", "开发商"), col("预售许可证号", "text", "证号"),
            col("预售楼栋", "text", "楼栋"), col("预售面积", "number", "平方米"), col("预售套数", "integer", "套"),
            col("发证日期", "date", "日期")]
    rows = []
    for i in range(g.rows):
        day = g.day()
        units = g.rng.randint(40, 220)
        rows.append([f"{g.pick(('泗州', '运河', '汴河', '虹乡'))}{g.pick(('壹号院', '学府', '名都', '御园'))}",
                     g.company(("置业", "房地产开发")), f"泗房预售证第{day.year}{i + 1:03d}号",
                     f"{g.rng.randint(1, 20)}#、{g.rng.randint(21, 30)}#",
                     round(units * g.rng.uniform(95, 135), 2),
                     units, day])
    return table(cols, with_sequence(rows))


@generator("communities")
def communities(g: Gen) -> Table:
    cols = [SEQ, col("小区名称", "text", "住宅小区"), ADDRESS, col("物业服务企业", "text", "物业公司"),
            col("楼栋数", "integer", "栋"), col("户数", "integer", "户"),
            col("物业费标准", "number", "元/平方米·月"),
            col("建成年份", "integer", "年"), col("是否老旧小区", "text", "2000年前建成为是")]
    rows = []
    for _ in range(g.rows):
        built = g.rng.randint(1988, 2024)
        rows.append([f"{g.pick(('虹乡', '汴河', '运河', '清水湾', '东方', '泗州', '幸福', '阳光'))}"
                     f"{g.pick(('小区', '花园', '家园', '新村', '苑'))}", g.address(TOWNS[0]),
                     g.company(("物业服务", "物业管理")), g.rng.randint(2, 40), g.rng.randint(80, 2400),
                     g.pick((0.35, 0.5, 0.8, 1.0, 1.2, 1.5)), built, "是" if built < 2000 else "否"])
    return table(cols, with_sequence(rows))


@generator("public_toilets")
def public_toilets(g: Gen) -> Table:
    cols = [SEQ, col("公厕名称", "text", "名称"), ADDRESS, col("类别", "text", "独立式/附属式/移动式"),
            col("男蹲位", "integer", "个"), col("女蹲位", "integer", "个"), col("无障碍厕位", "integer", "个"),
            col("开放时间", "text", "时间"), col("经度", "number", "WGS-84"), col("纬度", "number", "WGS-84")]
    rows = []
    for i in range(g.rows):
        lng, lat = g.lnglat()
        rows.append([f"{g.pick(('运河公园', '城东市场', '汽车站', '人民路', '汴河大道', '文化广场'))}{i + 1}号公厕",
                     g.address(TOWNS[0]), g.pick(("独立式", "附属式", "移动式"), (60, 30, 10)),
                     g.rng.randint(2, 8), g.rng.randint(3, 12), g.rng.randint(0, 2), "5:30-22:30",
                     lng, lat])
    return table(cols, with_sequence(rows))


@generator("police_stations")
def police_stations(g: Gen) -> Table:
    cols = [SEQ, col("单位名称", "text", "派出所或户籍窗口"), ADDRESS, col("管辖范围", "text", "辖区"),
            col("户籍业务时间", "text", "户籍窗口时间"), col("值班电话", "text", "24小时值班电话")]
    rows = [[f"泗县公安局{t.short}派出所", g.address(t), f"{t.title}全境", "周一至周五 8:30-12:00 14:00-17:30",
             g.landline()] for t in TOWNS]
    rows.append(["泗县公安局交通管理大队车管所", g.address(TOWNS[0]), "全县机动车、驾驶人业务",
                 "周一至周六 8:30-17:00", g.landline()])
    return table(cols, with_sequence(rows[: max(g.rows, 1)]))


@generator("catalog_stats")
def catalog_stats(g: Gen) -> Table:
    cols = [SEQ, col("统计日期", "date", "截止日期"), col("部门", "text", "提供部门"),
            col("目录数", "integer", "编目数量"), col("挂接资源数", "integer", "已挂接数据资源"),
            col("共享调用次数", "integer", "当期接口调用次数"), col("开放数据集数", "integer", "已开放数量"),
            col("按期更新率", "number", "%")]
    depts = ("教育局", "卫生健康委员会", "民政局", "人力资源和社会保障局", "医疗保障局", "市场监督管理局",
             "交通运输局", "生态环境分局", "公安局", "自然资源和规划局", "住房和城乡建设局", "农业农村局")
    rows = []
    day = _month_end(g.start)
    while day <= g.end:
        for dept in depts:
            n = g.rng.randint(12, 80)
            rows.append([day, f"泗县{dept}", n, int(n * g.rng.uniform(0.7, 1.0)),
                         g.rng.randint(100, 9000),
                         int(n * g.rng.uniform(0.3, 0.7)), round(g.rng.uniform(80, 100), 1)])
        day = _month_end(day + timedelta(days=1))
    return table(cols, with_sequence(rows))


def _month_end(day: date) -> date:
    return (day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
