"""Monitoring series and networks: air, water, noise, roads, buses, utilities."""

from __future__ import annotations

import math
from datetime import timedelta

from portal.demo.places import BUS_TERMINALS, LAKES, RIVERS, SEAT_ROADS, TOWNS
from portal.demo.tables.base import SEQ, Gen, Table, col, generator, table, with_sequence

DATE = col("日期", "date", "监测日期")

AIR_STATIONS = ("泗县监测站", "经济开发区站", "运河公园站", "泗县一中站")
# AQI breakpoints for PM2.5 (HJ 633-2012): (concentration low, high, IAQI low, high)
_PM25 = ((0, 35, 0, 50), (35, 75, 50, 100), (75, 115, 100, 150), (115, 150, 150, 200),
         (150, 250, 200, 300), (250, 350, 300, 400), (350, 500, 400, 500))
_PM10 = ((0, 50, 0, 50), (50, 150, 50, 100), (150, 250, 100, 150), (250, 350, 150, 200),
         (350, 420, 200, 300), (420, 500, 300, 400), (500, 600, 400, 500))
_O3_8H = ((0, 100, 0, 50), (100, 160, 50, 100), (160, 215, 100, 150), (215, 265, 150, 200),
          (265, 800, 200, 300))
_LEVELS = ((50, "优"), (100, "良"), (150, "轻度污染"), (200, "中度污染"), (300, "重度污染"), (999, "严重污染"))


def _iaqi(value: float, table_: tuple[tuple[int, int, int, int], ...]) -> int:
    for c_lo, c_hi, i_lo, i_hi in table_:
        if value <= c_hi:
            return round((i_hi - i_lo) / (c_hi - c_lo) * (value - c_lo) + i_lo)
    return 500


@generator("air_quality")
def air_quality(g: Gen) -> Table:
    cols = [SEQ, DATE, col("监测站点", "text", "国控/省控/县控站点"), col("AQI", "integer", "空气质量指数"),
            col("空气质量级别", "text", "优/良/轻度污染/中度污染/重度污染/严重污染"),
            col("首要污染物", "text", "AQI大于50时的首要污染物"),
            col("PM2.5", "number", "细颗粒物日均浓度（μg/m³）"), col("PM10", "number", "可吸入颗粒物日均浓度（μg/m³）"),
            col("SO2", "number", "二氧化硫（μg/m³）"), col("NO2", "number", "二氧化氮（μg/m³）"),
            col("CO", "number", "一氧化碳（mg/m³）"), col("O3_8h", "number", "臭氧8小时滑动平均（μg/m³）")]
    rows = []
    stations = AIR_STATIONS[: max(1, min(len(AIR_STATIONS), g.extra.get("stations", 3)))]
    for day in g.days():
        season = math.cos((day.timetuple().tm_yday - 15) / 365 * 2 * math.pi)  # 1 in winter
        base = 38 + 28 * season
        weather = g.rng.lognormvariate(0, 0.35)
        for station in stations:
            pm25 = round(max(5.0, base * weather * g.rng.uniform(0.85, 1.15)), 0)
            pm10 = round(pm25 * g.rng.uniform(1.5, 2.1), 0)
            o3 = round(max(20.0, (95 - 45 * season) * g.rng.uniform(0.7, 1.4)), 0)
            sub = {"PM2.5": _iaqi(pm25, _PM25), "PM10": _iaqi(pm10, _PM10),
                   "O3_8h": _iaqi(o3, _O3_8H)}
            aqi = max(sub.values())
            level = next(name for limit, name in _LEVELS if aqi <= limit)
            primary = "" if aqi <= 50 else max(sub, key=lambda k: sub[k])
            rows.append([day, station, aqi, level, primary, pm25, pm10,
                         round(g.rng.uniform(4, 12), 0),
                         round(g.rng.uniform(12, 38) * (1 + 0.3 * season), 0),
                         round(g.rng.uniform(0.4, 1.3), 1), o3])
    return table(cols, with_sequence(rows))


@generator("water_quality")
def water_quality(g: Gen) -> Table:
    cols = [SEQ, col("断面名称", "text", "监测断面"), col("所在河流", "text", "河流或湖泊"),
            col("监测日期", "date", "采样日期"), col("pH", "number", "无量纲"),
            col("溶解氧", "number", "mg/L"), col("高锰酸盐指数", "number", "mg/L"),
            col("氨氮", "number", "mg/L"), col("总磷", "number", "mg/L"),
            col("水质类别", "text", "GB 3838-2002 类别"), col("目标类别", "text", "考核目标"),
            col("是否达标", "text", "是/否")]
    sections = [(f"{river}{place}断面", river) for river in RIVERS[:4] for place in ("入境", "出境")]
    sections += [(f"{lake}湖心", lake) for lake in LAKES]
    rows = []
    month = g.start
    while month <= g.end:
        for name, river in sections:
            codmn = round(g.rng.uniform(3.0, 7.5), 1)
            nh3 = round(g.rng.uniform(0.15, 1.2), 2)
            tp = round(g.rng.uniform(0.05, 0.28), 2)
            grade = 2 if codmn <= 4 and nh3 <= 0.5 and tp <= 0.1 else (
                3 if codmn <= 6 and nh3 <= 1.0 and tp <= 0.2 else 4)
            target = 3
            rows.append([name, river, month + timedelta(days=g.rng.randint(2, 12)),
                         round(g.rng.uniform(7.2, 8.4), 2), round(g.rng.uniform(5.0, 9.5), 1),
                         codmn, nh3, tp, ("Ⅰ", "Ⅱ", "Ⅲ", "Ⅳ")[grade - 1] + "类", "Ⅲ类",
                         "是" if grade <= target else "否"])
        month = (month.replace(day=28) + timedelta(days=4)).replace(day=1)
    return table(cols, with_sequence(rows))


@generator("drinking_water")
def drinking_water(g: Gen) -> Table:
    cols = [SEQ, DATE, col("水厂", "text", "水厂或管网点"), col("浑浊度", "number", "NTU，限值1"),
            col("余氯", "number", "mg/L，出厂水0.3-2"), col("pH", "number", "6.5-8.5"),
            col("菌落总数", "integer", "CFU/mL，限值100"), col("总大肠菌群", "text", "不得检出"),
            col("检测结论", "text", "合格/不合格")]
    plants = ("第一水厂出厂水", "第二水厂出厂水", "城东管网末梢", "开发区管网末梢")
    rows = []
    for day in g.days():
        for plant in plants[: g.extra.get("points", 2)]:
            turbidity = round(g.rng.uniform(0.1, 0.6), 2)
            rows.append([day, plant, turbidity, round(g.rng.uniform(0.35, 0.9), 2),
                         round(g.rng.uniform(7.0, 7.9), 1), g.rng.randint(0, 12), "未检出", "合格"])
    return table(cols, with_sequence(rows))


@generator("noise")
def noise(g: Gen) -> Table:
    cols = [SEQ, col("监测点位", "text", "点位"), col("声环境功能区", "text", "1类/2类/3类/4a类"),
            col("监测日期", "date", "日期"), col("昼间等效声级", "number", "dB(A)"),
            col("夜间等效声级", "number", "dB(A)"), col("昼间限值", "integer", "dB(A)"),
            col("夜间限值", "integer", "dB(A)"), col("是否达标", "text", "是/否")]
    limits = {"1类": (55, 45), "2类": (60, 50), "3类": (65, 55), "4a类": (70, 55)}
    points = [(f"{road}{i}号点", zone) for i, (road, zone) in enumerate(
        zip(SEAT_ROADS[:10], ("4a类", "2类", "1类", "2类", "4a类", "3类", "2类", "1类", "4a类", "2类"),
            strict=True), 1)]
    rows = []
    for _ in range(max(1, g.rows // len(points))):
        day = g.day()
        for point, zone in points:
            day_limit, night_limit = limits[zone]
            d = round(day_limit - g.rng.uniform(-3, 8), 1)
            n = round(night_limit - g.rng.uniform(-3, 8), 1)
            rows.append([point, zone, day, d, n, day_limit, night_limit,
                         "是" if d <= day_limit and n <= night_limit else "否"])
    rows.sort(key=lambda r: (r[2], r[0]))
    return table(cols, with_sequence(rows))


@generator("roads")
def roads(g: Gen) -> Table:
    cols = [SEQ, col("路线编号", "text", "国省县乡村道编号"), col("路线名称", "text", "名称"),
            col("行政等级", "text", "国道/省道/县道/乡道/村道"), col("起点", "text", "起点"),
            col("终点", "text", "终点"), col("里程", "number", "公里"), col("技术等级", "text", "一级至四级"),
            col("路面类型", "text", "沥青混凝土/水泥混凝土"), col("养护单位", "text", "管养单位")]
    fixed = [("G343", "国道343线泗县段", "国道", "泗县与灵璧交界", "泗县与江苏泗洪交界", 38.6, "一级"),
             ("G104", "国道104线泗县段", "国道", "泗县与宿州埇桥交界", "泗县与江苏泗洪交界", 41.2, "一级"),
             ("S303", "省道303线泗县段", "省道", "墩集", "泗城", 26.4, "二级"),
             ("S305", "省道305线泗县段", "省道", "长沟", "泗城", 31.9, "二级")]
    rows = [[*r, "沥青混凝土", "泗县公路管理服务中心"] for r in fixed]
    n = 1
    while len(rows) < g.rows:
        a, b = g.rng.sample(TOWNS, 2)
        level = g.pick(("县道", "乡道", "村道"), (15, 35, 50))
        grades = {"县道": (20, 60, 20), "乡道": (0, 40, 60), "村道": (0, 10, 90)}[level]
        prefix = {"县道": "X", "乡道": "Y", "村道": "C"}[level]
        start = a.short if level == "县道" else g.pick(a.villages)
        end = b.short if level == "县道" else g.pick(a.villages)
        if start == end:
            continue
        rows.append([f"{prefix}{n:03d}341324", f"{start}至{end}", level, start, end,
                     round(g.rng.uniform(0.8, 24) if level != "村道" else g.rng.uniform(0.4, 5), 1),
                     g.pick(("二级", "三级", "四级"), grades),
                     g.pick(("沥青混凝土", "水泥混凝土"), (35, 65)),
                     "泗县公路管理服务中心" if level == "县道" else f"{a.title}人民政府"])
        n += 1
    return table(cols, with_sequence(rows))


def _stops(g: Gen, count: int) -> list[str]:
    stops = g.rng.sample(BUS_TERMINALS + tuple(f"{r}口" for r in SEAT_ROADS), count)
    return stops


@generator("bus_routes")
def bus_routes(g: Gen) -> Table:
    cols = [col("线路", "text", "线路名称"), col("起点", "text", "始发站"), col("终点", "text", "终点站"),
            col("途经站点数", "integer", "个"), col("首班时间", "text", "HH:MM"),
            col("末班时间", "text", "HH:MM"),
            col("票价", "number", "元"), col("发车间隔", "integer", "分钟"), col("线路长度", "number", "公里"),
            col("线路类型", "text", "城区公交/城乡公交")]
    rows = []
    for i in range(1, g.rows + 1):
        rural = i > 12
        if rural:
            town = TOWNS[(i - 13) % (len(TOWNS) - 1) + 1]
            start, end = "汽车站", f"{town.short}镇政府"
            name = f"城乡{i - 12}路"
        else:
            start, end = _stops(g, 2)
            name = f"{i}路"
        first = f"0{g.rng.randint(5, 6)}:{g.pick(('00', '20', '30', '40'))}"
        last = f"{g.rng.randint(18, 21)}:{g.pick(('00', '30'))}"
        rows.append([name, start, end, g.rng.randint(12, 36), first, last,
                     g.pick((3.0, 4.0, 5.0, 6.0)) if rural else 1.0,
                     g.pick((20, 30, 40, 60)) if rural else g.pick((8, 10, 12, 15, 20)),
                     round(g.rng.uniform(15, 42) if rural else g.rng.uniform(7, 19), 1),
                     "城乡公交" if rural else "城区公交"])
    return table(cols, rows)


@generator("bus_stops")
def bus_stops(g: Gen) -> Table:
    cols = [col("线路", "text", "线路名称"), col("方向", "text", "上行/下行"), col("站序", "integer", "站点顺序"),
            col("站点名称", "text", "站点"), col("经度", "number", "WGS-84"), col("纬度", "number", "WGS-84")]
    rows = []
    line = 1
    while len(rows) < g.rows:
        stops = _stops(g, g.rng.randint(10, 18))
        for direction, seq in (("上行", stops), ("下行", list(reversed(stops)))):
            for k, stop in enumerate(seq, 1):
                lng, lat = g.lnglat()
                rows.append([f"{line}路", direction, k, stop, lng, lat])
        line += 1
    return table(cols, rows[: g.rows])


@generator("coach_lines")
def coach_lines(g: Gen) -> Table:
    cols = [SEQ, col("班线", "text", "起讫"), col("发车站", "text", "车站"), col("到达站", "text", "目的地"),
            col("发车时间", "text", "HH:MM"), col("票价", "number", "元"), col("里程", "number", "公里"),
            col("运营企业", "text", "承运企业")]
    dests = (("宿州", 78, 30.0), ("蚌埠", 110, 42.0), ("合肥", 260, 110.0), ("南京", 230, 95.0),
             ("泗洪", 35, 15.0), ("灵璧", 46, 18.0), ("徐州", 150, 62.0), ("上海", 560, 230.0))
    rows = []
    for _ in range(g.rows):
        dest, km, price = g.pick(dests)
        leaves = f"{g.rng.randint(6, 17):02d}:{g.pick(('00', '30'))}"
        rows.append([f"泗县—{dest}", "泗县汽车站", f"{dest}汽车站", leaves,
                     price, float(km), "泗县长途汽车运输有限公司"])
    rows.sort(key=lambda r: (r[0], r[3]))
    return table(cols, with_sequence(rows))


@generator("charging_stations")
def charging_stations(g: Gen) -> Table:
    cols = [SEQ, col("充电站名称", "text", "名称"), col("地址", "text", "地址"), col("运营商", "text", "运营企业"),
            col("快充桩数", "integer", "个"), col("慢充桩数", "integer", "个"),
            col("电费及服务费", "text", "元/千瓦时"), col("开放时间", "text", "开放时间"),
            col("经度", "number", "WGS-84"), col("纬度", "number", "WGS-84")]
    rows = []
    for _ in range(g.rows):
        lng, lat = g.lnglat()
        town = g.a_town()
        rows.append([f"{town.short}{g.pick(('公交场站', '政务中心', '高速服务区', '商业广场', '加油站'))}充电站",
                     g.address(town), g.pick(("国网安徽电动汽车服务有限公司", "特来电", "星星充电", "泗县公共交通有限公司")),
                     g.rng.randint(2, 20), g.rng.randint(0, 10),
                     f"电费0.6-1.1，服务费{g.pick(('0.4', '0.6', '0.8'))}",
                     "全天", lng, lat])
    return table(cols, with_sequence(rows))


@generator("outage_plans")
def outage_plans(g: Gen) -> Table:
    kind = g.extra.get("utility", "停电")
    cols = [SEQ, col("计划日期", "date", "日期"), col("开始时间", "text", "HH:MM"),
            col("结束时间", "text", "HH:MM"),
            col("影响范围", "text", "影响区域"), col("设备或管线", "text", "线路、管段"),
            col("工作内容", "text", "检修内容"), col("类型", "text", "计划/临时")]
    works = {"停电": ("10kV线路检修", "配变增容改造", "线路迁改", "带电作业无法实施的消缺"),
             "停水": ("管网碰口", "阀门更换", "管道抢修", "水表集中更换"),
             "停气": ("中压管道改线", "调压箱检修", "庭院管网改造")}[kind]
    equipment = {"停电": ("10kV", "线"), "停水": ("DN300", "供水干管"), "停气": ("中压", "燃气支线")}[kind]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        begin = g.rng.randint(6, 14)
        rows.append([g.day(), f"{begin:02d}:00", f"{min(begin + g.rng.randint(2, 9), 20):02d}:00",
                     f"{town.title}{g.pick(town.villages)}及周边",
                     f"{equipment[0]}{town.short}{g.pick(town.villages)[:2]}{equipment[1]}",
                     g.pick(works), g.pick(("计划", "临时"), (80, 20))])
    rows.sort(key=lambda r: (r[0], r[1]))
    return table(cols, with_sequence(rows))


@generator("tariffs")
def tariffs(g: Gen) -> Table:
    utility = g.extra.get("utility", "水")
    cols = [SEQ, col("用户类别", "text", "居民/非居民/特种"), col("阶梯", "text", "第一阶梯至第三阶梯"),
            col("用量区间", "text", "年用量区间"), col("单价", "number", "元"), col("计价单位", "text", "单位"),
            col("执行日期", "date", "执行起始日"), col("价格文件", "text", "批复文号")]
    table_ = {"水": (("居民", "第一阶梯", "0-180立方米", 2.45), ("居民", "第二阶梯", "181-300立方米", 3.18),
                    ("居民", "第三阶梯", "300立方米以上", 4.90), ("非居民", "-", "不分档", 3.40),
                    ("特种行业", "-", "不分档", 9.80)),
              "电": (("居民", "第一阶梯", "0-2160千瓦时", 0.5653), ("居民", "第二阶梯", "2161-4200千瓦时", 0.6153),
                    ("居民", "第三阶梯", "4200千瓦时以上", 0.8653), ("农业生产", "-", "不分档", 0.5470)),
              "气": (("居民", "第一阶梯", "0-300立方米", 2.90), ("居民", "第二阶梯", "301-600立方米", 3.48),
                    ("居民", "第三阶梯", "600立方米以上", 4.35), ("非居民", "-", "不分档", 3.65))}[utility]
    unit = {"水": "元/立方米", "电": "元/千瓦时", "气": "元/立方米"}[utility]
    decision = f"泗发改价格〔{g.start.year}〕{g.rng.randint(3, 40)}号"
    rows = [[who, step, span, price, unit, g.start, decision] for who, step, span, price in table_]
    return table(cols, with_sequence(rows))
