"""Statistical series: indicators by period, by town or by village."""

from __future__ import annotations

from datetime import date, timedelta

from portal.demo.places import TOWNS
from portal.demo.tables.base import SEQ, Gen, Table, Value, col, generator, table, with_sequence

PERIOD = col("统计期", "text", "统计期（年月或季度）")
TOWN = col("乡镇", "text", "乡镇名称")


def _months(g: Gen) -> list[date]:
    out, month = [], g.start.replace(day=1)
    while month <= g.end:
        out.append(month)
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return out


def _label(month: date) -> str:
    return f"{month.year}年{month.month}月"


def _series(g: Gen, indicators: tuple[tuple[str, str, float, float], ...],
            monthly: bool = True) -> Table:
    """Indicator rows with a value and a year-on-year growth rate per period."""
    cols = [SEQ, PERIOD, col("指标名称", "text", "指标"), col("计量单位", "text", "单位"),
            col("本期值", "number", "本期数值"), col("同比增长", "number", "百分比（%）")]
    rows: list[list[Value]] = []
    periods = _months(g)
    if not monthly:
        periods = [m for m in periods if m.month in (3, 6, 9, 12)]
    for month in periods:
        label = _label(month) if monthly else f"{month.year}年第{(month.month - 1) // 3 + 1}季度"
        for name, unit, base, trend in indicators:
            factor = (month.month if monthly else (month.month + 2) // 3) if "累计" in name else 1
            value = round(base * factor * g.rng.uniform(0.92, 1.08), 2)
            rows.append([label, name, unit, value, round(trend + g.rng.uniform(-2.5, 2.5), 1)])
    return table(cols, with_sequence(rows))


@generator("gdp")
def gdp(g: Gen) -> Table:
    return _series(g, (("地区生产总值（累计）", "亿元", 78.0, 5.8), ("第一产业增加值（累计）", "亿元", 13.5, 3.2),
                       ("第二产业增加值（累计）", "亿元", 27.2, 7.1), ("第三产业增加值（累计）", "亿元", 37.3, 5.6),
                       ("规模以上工业增加值增速", "%", 8.1, 0.0), ("固定资产投资增速", "%", 6.4, 0.0),
                       ("社会消费品零售总额（累计）", "亿元", 36.8, 5.9),
                       ("城镇常住居民人均可支配收入（累计）", "元", 9600.0, 4.8),
                       ("农村常住居民人均可支配收入（累计）", "元", 4800.0, 6.9)), monthly=False)


@generator("economy_monthly")
def economy_monthly(g: Gen) -> Table:
    return _series(g, (("规模以上工业总产值（累计）", "亿元", 14.2, 7.5), ("进出口总额（累计）", "万美元", 1650.0, 9.0),
                       ("一般公共预算收入（累计）", "亿元", 1.35, 4.1), ("城乡居民储蓄存款余额", "亿元", 398.0, 8.2),
                       ("全社会用电量（累计）", "亿千瓦时", 1.9, 6.5)))


@generator("relief_stats")
def relief_stats(g: Gen) -> Table:
    return _series(g, (("城市低保对象", "人", 2100.0, -3.0), ("农村低保对象", "人", 26800.0, -2.1),
                       ("低保资金支出（累计）", "万元", 1450.0, 3.2), ("特困供养人员", "人", 5200.0, -1.0),
                       ("临时救助（累计）", "人次", 420.0, 5.0), ("困难残疾人生活补贴对象", "人", 9800.0, 1.2)))


@generator("employment_stats")
def employment_stats(g: Gen) -> Table:
    return _series(g, (("城镇新增就业（累计）", "人", 620.0, 3.0), ("失业人员再就业（累计）", "人", 150.0, 2.0),
                       ("就业困难人员实现就业（累计）", "人", 60.0, 1.5), ("城镇登记失业率", "%", 2.8, 0.0),
                       ("职业技能培训（累计）", "人次", 900.0, 6.0), ("发放创业担保贷款（累计）", "万元", 1100.0, 8.0)))


@generator("population")
def population(g: Gen) -> Table:
    town = g.town
    cols = [SEQ, col("地区", "text", "乡镇或村（社区）"), col("户数", "integer", "户"),
            col("户籍人口", "integer", "人"), col("男性", "integer", "人"), col("女性", "integer", "人"),
            col("0-17岁", "integer", "人"), col("60岁及以上", "integer", "人"),
            col("常住人口", "integer", "人（估算）"), col("统计时点", "date", "年末")]
    places = list(town.villages) if town else [t.title for t in TOWNS]
    rows = []
    for place in places:
        seat = place == "泗城镇"
        people = (g.rng.randint(1800, 6500) if town else
                  g.rng.randint(150000, 190000) if seat else g.rng.randint(52000, 120000))
        male = int(people * g.rng.uniform(0.505, 0.525))
        rows.append([place, int(people / g.rng.uniform(2.8, 3.4)), people, male, people - male,
                     int(people * g.rng.uniform(0.19, 0.25)),
                     int(people * g.rng.uniform(0.19, 0.27)),
                     int(people * g.rng.uniform(0.72, 0.9)), g.end])
    return table(cols, with_sequence(rows))


@generator("crop_output")
def crop_output(g: Gen) -> Table:
    town = g.town
    cols = [SEQ, col("年度", "integer", "年份"), col("地区", "text", "乡镇或村"), col("作物", "text", "作物品种"),
            col("播种面积", "number", "亩"), col("单产", "number", "公斤/亩"), col("总产量", "number", "吨")]
    crops = (("小麦", 480, 560), ("玉米", 470, 580), ("大豆", 140, 190), ("山芋", 1800, 2600),
             ("花生", 260, 330), ("蔬菜", 2500, 3800))
    places = list(town.villages) if town else [t.title for t in TOWNS]
    rows = []
    for year in range(g.start.year, g.end.year + 1):
        for place in places:
            for crop, low, high in crops:
                area = round(g.rng.uniform(300, 6000) if town else g.rng.uniform(8000, 90000), 0)
                yield_ = round(g.rng.uniform(low, high), 1)
                rows.append([year, place, crop, area, yield_, round(area * yield_ / 1000, 1)])
    return table(cols, with_sequence(rows))


@generator("market_prices")
def market_prices(g: Gen) -> Table:
    cols = [SEQ, col("日期", "date", "采价日期"), col("市场", "text", "采价点"), col("品种", "text", "农产品"),
            col("规格", "text", "规格等级"), col("最低价", "number", "元/公斤"), col("最高价", "number", "元/公斤"),
            col("平均价", "number", "元/公斤")]
    goods = (("大白菜", "一级", 1.6), ("土豆", "一级", 3.0), ("西红柿", "一级", 5.2), ("黄瓜", "一级", 4.4),
             ("猪肉（精瘦肉）", "鲜肉", 28.0), ("鸡蛋", "散装", 8.6), ("大米", "晚籼米", 5.4), ("面粉", "特一粉", 4.2),
             ("草鱼", "活鱼", 14.0), ("苹果", "富士", 9.0))
    markets = g.extra.get("markets", ("城东农贸市场", "虹乡菜市场"))
    rows = []
    day = g.start
    while day <= g.end:
        for market in markets:
            for name, spec, base in goods:
                avg = round(base * g.rng.uniform(0.9, 1.12), 2)
                rows.append([day, market, name, spec, round(avg * 0.9, 2), round(avg * 1.1, 2),
                             avg])
        day += timedelta(days=7)
    return table(cols, with_sequence(rows))


@generator("marriage_stats")
def marriage_stats(g: Gen) -> Table:
    cols = [SEQ, PERIOD, col("结婚登记", "integer", "对"), col("离婚登记", "integer", "对"),
            col("补领结婚证", "integer", "件"), col("离婚冷静期撤回", "integer", "件")]
    rows = [[_label(m),
             g.rng.randint(260, 900) if m.month in (1, 2, 5, 10) else g.rng.randint(180, 420),
             g.rng.randint(60, 140), g.rng.randint(20, 70), g.rng.randint(5, 30)]
            for m in _months(g)]
    return table(cols, with_sequence(rows))


@generator("insurance_settlement")
def insurance_settlement(g: Gen) -> Table:
    cols = [SEQ, PERIOD, col("险种", "text", "职工医保/居民医保"), col("就医类型", "text", "住院/门诊"),
            col("结算人次", "integer", "人次"), col("医疗总费用", "number", "万元"),
            col("基金支付", "number", "万元"), col("个人负担", "number", "万元")]
    rows = []
    for m in _months(g):
        for kind, scale in (("职工医保", 0.25), ("居民医保", 1.0)):
            for visit, people, cost in (("住院", 5200, 0.62), ("门诊", 68000, 0.012)):
                n = int(people * scale * g.rng.uniform(0.85, 1.15))
                total = round(n * cost * g.rng.uniform(0.9, 1.1), 1)
                fund = round(total * g.rng.uniform(0.55, 0.75), 1)
                rows.append([_label(m), kind, visit, n, total, fund, round(total - fund, 1)])
    return table(cols, with_sequence(rows))


@generator("family_doctor")
def family_doctor(g: Gen) -> Table:
    cols = [SEQ, PERIOD, TOWN, col("常住人口", "integer", "人"), col("签约人数", "integer", "人"),
            col("签约率", "number", "%"), col("重点人群签约率", "number", "%"),
            col("家庭医生团队数", "integer", "个")]
    rows = []
    for m in _months(g):
        for town in TOWNS:
            people = g.rng.randint(50000, 150000)
            signed = int(people * g.rng.uniform(0.38, 0.5))
            rows.append([_label(m), town.title, people, signed, round(signed / people * 100, 1),
                         round(g.rng.uniform(72, 88), 1), g.rng.randint(8, 30)])
    return table(cols, with_sequence(rows))


@generator("traffic_accidents")
def traffic_accidents(g: Gen) -> Table:
    cols = [SEQ, PERIOD, col("事故起数", "integer", "起（一般程序）"), col("死亡人数", "integer", "人"),
            col("受伤人数", "integer", "人"), col("直接财产损失", "number", "万元"),
            col("简易程序事故", "integer", "起")]
    rows = [[_label(m), g.rng.randint(8, 30), g.rng.randint(0, 6), g.rng.randint(6, 36),
             round(g.rng.uniform(2, 30), 1), g.rng.randint(300, 900)] for m in _months(g)]
    return table(cols, with_sequence(rows))


@generator("fiscal_budget")
def fiscal_budget(g: Gen) -> Table:
    cols = [SEQ, col("年度", "integer", "预算年度"), col("科目编码", "text", "政府收支分类科目"),
            col("科目名称", "text", "科目"), col("年初预算数", "number", "万元"),
            col("执行数", "number", "万元"), col("执行率", "number", "%")]
    items = (("201", "一般公共服务支出"), ("204", "公共安全支出"), ("205", "教育支出"), ("207", "文化旅游体育与传媒支出"),
             ("208", "社会保障和就业支出"), ("210", "卫生健康支出"), ("211", "节能环保支出"), ("212", "城乡社区支出"),
             ("213", "农林水支出"), ("214", "交通运输支出"), ("221", "住房保障支出"), ("224", "灾害防治及应急管理支出"))
    scale = 1.0 if g.town else 12.0
    rows = []
    for year in range(g.start.year, g.end.year + 1):
        for code, name in items:
            budget = round(g.rng.uniform(120, 2600) * scale, 1)
            done = round(budget * g.rng.uniform(0.82, 1.06), 1)
            rows.append([year, code, name, budget, done, round(done / budget * 100, 1)])
    return table(cols, with_sequence(rows))


@generator("ridership")
def ridership(g: Gen) -> Table:
    cols = [SEQ, col("日期", "date", "运营日期"), col("线路", "text", "线路"), col("客运量", "integer", "人次"),
            col("运营班次", "integer", "班次"), col("运营里程", "number", "公里"), col("准点率", "number", "%")]
    rows = []
    for day in [g.start + timedelta(days=i) for i in range((g.end - g.start).days + 1)]:
        weekend = day.weekday() >= 5
        for line in range(1, g.extra.get("lines", 6) + 1):
            trips = g.rng.randint(40, 90)
            riders = int(trips * g.rng.uniform(18, 35) * (0.8 if weekend else 1))
            rows.append([day, f"{line}路", riders, trips, round(trips * g.rng.uniform(9, 16), 1),
                         round(g.rng.uniform(91, 99.5), 1)])
    return table(cols, with_sequence(rows))


@generator("utility_stats")
def utility_stats(g: Gen) -> Table:
    utility = g.extra.get("utility", "水")
    specs = {"水": (("供水总量（累计）", "万立方米", 310.0, 3.5), ("售水量（累计）", "万立方米", 262.0, 3.8),
                   ("用水户数", "户", 98000.0, 4.2), ("管网漏损率", "%", 9.6, -0.8)),
             "电": (("售电量（累计）", "万千瓦时", 15800.0, 6.1), ("居民生活用电（累计）", "万千瓦时", 5200.0, 5.2),
                   ("用电户数", "户", 312000.0, 1.9), ("供电可靠率", "%", 99.86, 0.0)),
             "气": (("供气总量（累计）", "万立方米", 520.0, 7.4), ("居民用户数", "户", 86000.0, 5.5),
                   ("非居民用户数", "户", 1240.0, 4.0), ("燃气管网长度", "公里", 860.0, 3.1))}[utility]
    return _series(g, specs)


@generator("visitors")
def visitors(g: Gen) -> Table:
    cols = [SEQ, PERIOD, col("景区", "text", "景区"), col("接待游客", "integer", "人次"),
            col("旅游收入", "number", "万元"), col("过夜游客占比", "number", "%")]
    sites = ("大运河泗县段遗址公园", "石龙湖国家湿地公园", "释迦寺", "泗州戏博物馆")
    rows = []
    for m in _months(g):
        peak = 1.6 if m.month in (4, 5, 10) else (1.2 if m.month in (2, 7, 8) else 1.0)
        for site in sites:
            n = int(g.rng.randint(6000, 42000) * peak)
            rows.append([_label(m), site, n, round(n * g.rng.uniform(0.004, 0.012), 1),
                         round(g.rng.uniform(4, 18), 1)])
    return table(cols, with_sequence(rows))


@generator("hospital_services")
def hospital_services(g: Gen) -> Table:
    cols = [SEQ, PERIOD, col("机构", "text", "医疗机构"), col("门急诊人次", "integer", "人次"),
            col("出院人数", "integer", "人"), col("病床使用率", "number", "%"),
            col("平均住院日", "number", "天"), col("次均门诊费用", "number", "元")]
    orgs = ("泗县人民医院", "泗县中医院", "泗县第二人民医院") + tuple(f"泗县{t.short}镇卫生院" for t in TOWNS[1:6])
    rows = []
    for m in _months(g):
        for org in orgs:
            big = "县" in org[:3] and "镇" not in org
            rows.append([_label(m), org,
                         g.rng.randint(28000, 68000) if big else g.rng.randint(2500, 9000),
                         g.rng.randint(2200, 5200) if big else g.rng.randint(80, 420),
                         round(g.rng.uniform(72, 98) if big else g.rng.uniform(35, 75), 1),
                         round(g.rng.uniform(6.5, 9.5) if big else g.rng.uniform(5, 7.5), 1),
                         round(g.rng.uniform(180, 290) if big else g.rng.uniform(70, 130), 1)])
    return table(cols, with_sequence(rows))


@generator("school_enrollment")
def school_enrollment(g: Gen) -> Table:
    cols = [SEQ, col("学年", "text", "学年"), col("学段", "text", "学前/小学/初中/高中/中职"),
            col("学校数", "integer", "所"), col("招生数", "integer", "人"), col("在校生数", "integer", "人"),
            col("毕业生数", "integer", "人"), col("专任教师数", "integer", "人")]
    stages = (("学前", 160, 9000, 3), ("小学", 140, 13000, 6), ("初中", 38, 12500, 3), ("高中", 6, 9800, 3),
              ("中职", 2, 2600, 3))
    rows = []
    for year in range(g.start.year, g.end.year + 1):
        for stage, schools, intake, years in stages:
            n = int(intake * g.rng.uniform(0.93, 1.05))
            rows.append([f"{year}-{year + 1}学年", stage, schools + g.rng.randint(-3, 3), n,
                         int(n * years * g.rng.uniform(0.97, 1.02)),
                         int(n * g.rng.uniform(0.94, 1.02)),
                         int(n * years / g.rng.uniform(14, 19))])
    return table(cols, with_sequence(rows))
