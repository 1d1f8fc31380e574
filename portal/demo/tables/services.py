"""Directories of public services: schools, clinics, pharmacies, markets, sites."""

from __future__ import annotations

from portal.demo.places import BUS_TERMINALS, SEAT_ROADS, TOWNS
from portal.demo.tables.base import (
    SEQ,
    Gen,
    Table,
    add_years,
    col,
    generator,
    table,
    with_sequence,
)

ADDRESS = col("地址", "text", "详细地址")
OFFICE_PHONE = col("联系电话", "text", "单位办公电话")
LNG = col("经度", "number", "WGS-84 经度")
LAT = col("纬度", "number", "WGS-84 纬度")
TOWN = col("所属乡镇", "text", "所在乡镇")


def _numbered(g: Gen, names: list[str]) -> list[str]:
    """Make names unique by adding 分部 numbers to repeats."""
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, 0) + 1
        out.append(name if seen[name] == 1 else f"{name}（{'一二三四五六七八九十'[min(seen[name], 10) - 1]}部）")
    return out


@generator("schools")
def schools(g: Gen) -> Table:
    cols = [SEQ, col("学校名称", "text", "学校全称"), col("学段", "text", "小学/初中/九年一贯制/高中/中职"),
            col("办学性质", "text", "公办/民办"), ADDRESS, col("班级数", "integer", "个"),
            col("在校生数", "integer", "人"), col("教职工数", "integer", "人"),
            col("联系电话", "text", "学校办公室电话"), TOWN]
    rows = []
    names = []
    for _ in range(g.rows):
        town = g.a_town()
        stage = g.pick(("小学", "初中", "九年一贯制", "高中", "中职"), (58, 22, 10, 7, 3))
        village = g.pick(town.villages).removesuffix("村").removesuffix("社区")
        name = {"小学": f"泗县{town.short}镇{village}小学", "初中": f"泗县{town.short}中学",
                "九年一贯制": f"泗县{village}学校", "高中": f"泗县{g.pick(('第一', '第二', '第三', '屏山', '草沟'))}中学",
                "中职": "泗县职业技术学校"}[stage]
        private = g.rng.random() < 0.08
        if private:
            name = f"泗县{g.brand()}{'实验学校' if stage != '小学' else '小学'}"
        classes = {"小学": (6, 36), "初中": (9, 42), "九年一贯制": (12, 48), "高中": (30, 72),
                   "中职": (20, 60)}[stage]
        n_classes = g.rng.randint(*classes)
        students = n_classes * g.rng.randint(32, 52)
        names.append(name)
        rows.append([stage, "民办" if private else "公办", g.address(town), n_classes, students,
                     int(students / g.rng.uniform(13, 18)), g.landline(), town.title])
    unique = _numbered(g, names)
    return table(cols, with_sequence([[n, *r] for n, r in zip(unique, rows, strict=True)]))


@generator("kindergartens")
def kindergartens(g: Gen) -> Table:
    cols = [SEQ, col("幼儿园名称", "text", "全称"), col("办园性质", "text", "公办/普惠性民办/民办"),
            col("办园等级", "text", "省一类/市一类/市二类/未定级"), ADDRESS, col("班级数", "integer", "个"),
            col("在园幼儿数", "integer", "人"), col("保育费标准", "number", "元/月"), OFFICE_PHONE, TOWN]
    names, rows = [], []
    for _ in range(g.rows):
        town = g.a_town()
        kind = g.pick(("公办", "普惠性民办", "民办"), (55, 35, 10))
        names.append(f"泗县{town.short}镇中心幼儿园" if kind == "公办" and g.rng.random() < 0.5
                     else f"泗县{g.brand()}幼儿园")
        classes = g.rng.randint(3, 15)
        rows.append([kind, g.pick(("省一类", "市一类", "市二类", "未定级"), (8, 22, 40, 30)),
                     g.address(town), classes, classes * g.rng.randint(22, 35),
                     {"公办": 180.0, "普惠性民办": 360.0, "民办": 780.0}[kind], g.landline(), town.title])
    unique = _numbered(g, names)
    return table(cols, with_sequence([[n, *r] for n, r in zip(unique, rows, strict=True)]))


@generator("training_institutions")
def training_institutions(g: Gen) -> Table:
    cols = [SEQ, col("机构名称", "text", "校外培训机构名称"), col("统一社会信用代码", "text", "GB 32100"),
            col("培训类别", "text", "艺术/体育/科技/职业技能"), ADDRESS,
            col("办学许可证号", "text", "教育或人社部门核发"), col("许可有效期至", "date", "到期日"),
            OFFICE_PHONE]
    rows = []
    for _ in range(g.rows):
        kind = g.pick(("艺术", "体育", "科技", "职业技能"), (40, 25, 15, 20))
        rows.append([f"泗县{g.brand()}{kind}培训学校", g.uscc("52"), kind, g.address(),
                     f"教民{g.rng.randint(134132400000000, 134132499999999)}号",
                     g.day(add_years(g.end, 1), add_years(g.end, 4)),
                     g.landline()])
    return table(cols, with_sequence(rows))


@generator("clinics")
def clinics(g: Gen) -> Table:
    cols = [SEQ, col("机构名称", "text", "医疗机构名称"),
            col("机构类别", "text", "综合医院/中医医院/乡镇卫生院/村卫生室/诊所/门诊部"),
            col("经营性质", "text", "非营利性/营利性"), ADDRESS, col("床位数", "integer", "核定床位（张）"),
            col("执业医师数", "integer", "人"), col("诊疗科目", "text", "主要诊疗科目"),
            col("执业许可证登记号", "text", "医疗机构执业许可证登记号"), OFFICE_PHONE, TOWN]
    names, rows = [], []
    for _ in range(g.rows):
        town = g.a_town()
        kind = g.pick(("乡镇卫生院", "村卫生室", "诊所", "门诊部", "综合医院", "中医医院"),
                      (12, 55, 18, 8, 5, 2))
        village = g.pick(town.villages)
        name = {"乡镇卫生院": f"泗县{town.short}镇卫生院", "村卫生室": f"{town.short}镇{village}卫生室",
                "诊所": f"泗县{g.fake.last_name()}{g.pick(('中医', '口腔', '内科', '西医'))}诊所",
                "门诊部": f"泗县{g.brand()}门诊部",
                "综合医院": f"泗县{g.brand()}医院", "中医医院": "泗县中医院"}[kind]
        beds = {"乡镇卫生院": (20, 120), "综合医院": (50, 600), "中医医院": (200, 500)}.get(kind, (0, 0))
        public = kind in ("乡镇卫生院", "村卫生室", "中医医院")
        subjects = {"村卫生室": "预防保健科;全科医疗科", "诊所": "内科;中医科",
                    "乡镇卫生院": "预防保健科;全科医疗科;内科;外科;妇产科;中医科"}.get(
            kind, "内科;外科;妇产科;儿科;急诊医学科;医学检验科;医学影像科")
        names.append(name)
        rows.append([kind, "非营利性" if public else "营利性",
                     g.rural_address(town, village) if kind == "村卫生室" else g.address(town),
                     g.rng.randint(*beds), g.rng.randint(1, 3) if kind in ("村卫生室", "诊所")
                     else g.rng.randint(8, 160), subjects,
                     f"PDY{g.rng.randint(10_000_000, 99_999_999)}34132417"
                     f"{g.rng.randint(1000, 9999)}",
                     g.landline(), town.title])
    unique = _numbered(g, names)
    return table(cols, with_sequence([[n, *r] for n, r in zip(unique, rows, strict=True)]))


@generator("vaccination_sites")
def vaccination_sites(g: Gen) -> Table:
    cols = [SEQ, col("接种门诊名称", "text", "预防接种单位"), ADDRESS,
            col("门诊类型", "text", "儿童/成人/狂犬病暴露处置/产科"),
            col("服务时间", "text", "对外服务时间"), col("咨询电话", "text", "门诊电话"), LNG, LAT]
    rows = []
    for town in TOWNS:
        for kind in ("儿童", "成人"):
            lng, lat = g.lnglat()
            rows.append([f"{town.short}镇卫生院{kind}预防接种门诊", g.address(town), kind,
                         g.pick(("周一至周五 8:00-11:30", "周二、周四、周六 8:00-11:30",
                                 "周一至周六 8:00-11:30 14:30-17:00")), g.landline(), lng, lat])
    for name, kind in (("泗县人民医院狂犬病暴露预防处置门诊", "狂犬病暴露处置"),
                       ("泗县中医院产科接种室", "产科"),
                       ("泗县疾病预防控制中心成人接种门诊", "成人")):
        lng, lat = g.lnglat()
        rows.append([name, g.address(TOWNS[0]), kind, "每日 8:00-17:30", g.landline(), lng, lat])
    return table(cols, with_sequence(rows[: g.rows] if g.rows < len(rows) else rows))


@generator("pharmacies")
def pharmacies(g: Gen) -> Table:
    cols = [SEQ, col("药店名称", "text", "零售药店名称"), col("统一社会信用代码", "text", "GB 32100"),
            ADDRESS, col("药品经营许可证号", "text", "皖CB开头的许可证号"),
            col("是否医保定点", "text", "是/否"), col("营业时间", "text", "每日营业时间"),
            col("执业药师人数", "integer", "人"), OFFICE_PHONE, LNG, LAT]
    chains = ("百姓缘大药房", "国胜大药房", "华佗国药", "益丰大药房", "老百姓大药房", "同济堂药房")
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        lng, lat = g.lnglat()
        rows.append([f"{g.pick(chains)}（泗县{town.short}{g.pick(SEAT_ROADS)[:2]}店）",
                     g.uscc("91"), g.address(town), f"皖CB557{g.rng.randint(1000, 9999)}",
                     g.pick(("是", "否"), (75, 25)), g.pick(("7:30-21:30", "8:00-21:00", "24小时")),
                     g.rng.randint(1, 3), g.landline(), lng, lat])
    return table(cols, with_sequence(rows))


@generator("pension_homes")
def pension_homes(g: Gen) -> Table:
    cols = [SEQ, col("机构名称", "text", "养老机构名称"), col("机构性质", "text", "公办/公建民营/民办"),
            ADDRESS, col("床位数", "integer", "张"), col("护理型床位数", "integer", "张"),
            col("在住老人数", "integer", "人"), col("收费标准", "text", "元/月（按护理等级）"),
            OFFICE_PHONE]
    rows = []
    for town in TOWNS[: g.rows]:
        beds = g.rng.randint(60, 220)
        rows.append([f"泗县{town.short}敬老院", g.pick(("公办", "公建民营"), (60, 40)), g.address(town),
                     beds, int(beds * g.rng.uniform(0.3, 0.6)),
                     int(beds * g.rng.uniform(0.4, 0.85)),
                     "自理1200-1500；半护理1800-2400；全护理2800-3600", g.landline()])
    while len(rows) < g.rows:
        beds = g.rng.randint(80, 400)
        rows.append([f"泗县{g.brand()}颐养中心", "民办", g.address(), beds,
                     int(beds * g.rng.uniform(0.4, 0.7)), int(beds * g.rng.uniform(0.3, 0.8)),
                     "自理1600-2200；半护理2400-3200；全护理3500-4800", g.landline()])
    return table(cols, with_sequence(rows))


@generator("markets")
def markets(g: Gen) -> Table:
    cols = [SEQ, col("市场名称", "text", "农贸（集贸）市场名称"), ADDRESS, col("摊位数", "integer", "个"),
            col("开办单位", "text", "市场开办者"), col("营业时间", "text", "营业时间"),
            col("集日", "text", "农历逢集日"), col("主要经营品类", "text", "经营品类"), OFFICE_PHONE]
    rows = []
    for i in range(g.rows):
        town = g.a_town()
        place = town.short if i % 3 == 0 else g.pick(town.villages).removesuffix("村")
        rows.append([f"{place}{g.pick(('农贸市场', '集贸市场', '菜市场'))}", g.address(town),
                     g.rng.randint(40, 420), g.company(("市场管理", "物业服务", "商贸")),
                     "5:30-18:30", g.pick(("逢一、四、七", "逢二、五、八", "逢三、六、九", "逢双日")),
                     "蔬菜、肉禽蛋、水产、粮油、干鲜果品", g.landline()])
    return table(cols, with_sequence(rows))


@generator("parking")
def parking(g: Gen) -> Table:
    cols = [SEQ, col("停车场名称", "text", "名称"), ADDRESS, col("类型", "text", "路内/路外/立体"),
            col("泊位数", "integer", "个"), col("充电桩数", "integer", "个"),
            col("收费标准", "text", "收费规则"), col("开放时间", "text", "开放时间"), LNG, LAT]
    rows = []
    for _ in range(g.rows):
        spot = g.pick(BUS_TERMINALS + SEAT_ROADS)
        kind = g.pick(("路外", "路内", "立体"), (55, 40, 5))
        lng, lat = g.lnglat()
        rows.append([f"{spot}{'路内' if kind == '路内' else ''}停车场", g.address(TOWNS[0]), kind,
                     g.rng.randint(20, 600) if kind != "路内" else g.rng.randint(10, 80),
                     g.rng.randint(0, 24), g.pick(("首小时免费，之后2元/小时，24小时封顶15元",
                                                    "免费", "1元/半小时，夜间22:00-7:00免费")),
                     "全天", lng, lat])
    return table(cols, with_sequence(rows))


@generator("tourism_sites")
def tourism_sites(g: Gen) -> Table:
    cols = [SEQ, col("景区名称", "text", "名称"), col("等级", "text", "A级旅游景区等级"), ADDRESS,
            col("开放时间", "text", "开放时间"), col("门票价格", "number", "元"),
            col("简介", "text", "景区简介"), col("咨询电话", "text", "游客服务电话"), LNG, LAT]
    fixed = [("大运河泗县段遗址公园", "4A", 0.0, "隋唐大运河通济渠泗县段，世界文化遗产组成部分"),
             ("石龙湖国家湿地公园", "4A", 0.0, "以湿地生态和候鸟观赏为主的国家湿地公园"),
             ("释迦寺", "3A", 10.0, "始建于唐代的古刹，县级文物保护单位"),
             ("泗州戏博物馆", "3A", 0.0, "展示国家级非物质文化遗产泗州戏的专题博物馆"),
             ("运河水韵公园", "未评级", 0.0, "沿新汴河建设的城市滨水公园")]
    rows = []
    for name, level, price, intro in fixed[: g.rows]:
        lng, lat = g.lnglat()
        rows.append([name, level, g.address(TOWNS[0]), "8:30-17:30", price, intro, g.landline(),
                     lng, lat])
    while len(rows) < g.rows:
        town = g.a_town()
        village = g.pick(town.villages)
        kind = g.pick(("乡村旅游点", "采摘园", "农家乐", "生态园"))
        lng, lat = g.lnglat()
        rows.append([f"{town.short}镇{village}{kind}", g.pick(("2A", "未评级"), (30, 70)),
                     g.rural_address(town, village), "9:00-17:00", g.pick((0.0, 10.0, 20.0, 30.0)),
                     f"位于{town.title}{village}，以{g.pick(('梨', '葡萄', '草莓', '桃', '山芋'))}种植和乡村体验为特色",
                     g.mobile(), lng, lat])
    return table(cols, with_sequence(rows))


@generator("cultural_relics")
def cultural_relics(g: Gen) -> Table:
    cols = [SEQ, col("名称", "text", "文物保护单位名称"), col("保护级别", "text", "全国/省级/市级/县级"),
            col("年代", "text", "时代"), col("类别", "text", "古遗址/古墓葬/古建筑/近现代重要史迹"),
            ADDRESS, col("公布批次", "text", "公布文号或批次")]
    sites = (("遗址", "古遗址", ("新石器时代", "商周", "汉")), ("古墓群", "古墓葬", ("汉", "唐", "宋")),
             ("古井", "古建筑", ("明", "清")), ("石桥", "古建筑", ("明", "清")),
             ("石刻", "石窟寺及石刻", ("唐", "宋", "明")), ("古民居", "古建筑", ("清", "民国")),
             ("革命旧址", "近现代重要史迹及代表性建筑", ("民国",)))
    rows = []
    names: set[str] = set()
    while len(rows) < g.rows:
        town = g.a_town()
        village = g.pick(town.villages)
        suffix, kind, eras = g.pick(sites)
        name = f"{village.removesuffix('村')}{suffix}"
        if name in names:
            continue
        names.add(name)
        level = g.pick(("省级", "市级", "县级"), (5, 25, 70))
        rows.append([name, level, g.pick(eras), kind, g.rural_address(town, village),
                     f"第{'一二三四五六七八'[g.rng.randrange(8)]}批"])
    rows.sort(key=lambda r: ("省级", "市级", "县级").index(str(r[1])))
    return table(cols, with_sequence(rows))


@generator("sports_facilities")
def sports_facilities(g: Gen) -> Table:
    cols = [SEQ, col("设施名称", "text", "名称"), col("设施类型", "text", "体育场/体育馆/全民健身广场/健身路径/游泳池"),
            ADDRESS, col("面积", "number", "平方米"), col("开放时间", "text", "开放时间"),
            col("是否免费", "text", "是/否"), TOWN]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        kind = g.pick(("全民健身广场", "健身路径", "篮球场", "体育馆", "游泳池"), (35, 35, 20, 5, 5))
        village = g.pick(town.villages)
        if kind in ("体育馆", "游泳池"):
            name, where = f"泗县{town.short}{kind}", g.address(town)
        else:
            name, where = f"{town.short}镇{village}{kind}", g.rural_address(town, village)
        rows.append([name, kind, where,
                     round(g.rng.uniform(200, 8000), 1), "6:00-21:00",
                     "否" if kind == "游泳池" else "是", town.title])
    return table(cols, with_sequence(rows))


@generator("shelters")
def shelters(g: Gen) -> Table:
    cols = [SEQ, col("避难场所名称", "text", "名称"), col("类型", "text", "Ⅰ类/Ⅱ类/Ⅲ类"), ADDRESS,
            col("有效面积", "number", "平方米"), col("可容纳人数", "integer", "人"),
            col("责任单位", "text", "管理单位"), col("值班电话", "text", "24小时值班电话"), LNG, LAT]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        place = g.pick((f"{town.short}中学操场", f"{town.short}镇文化广场", f"{g.pick(town.villages)}小学",
                        f"{town.short}镇政府院内", "运河公园"))
        area = round(g.rng.uniform(1500, 30000), 0)
        lng, lat = g.lnglat()
        rows.append([f"{place}应急避难场所", g.pick(("Ⅰ类", "Ⅱ类", "Ⅲ类"), (5, 25, 70)),
                     g.address(town), area, int(area / 1.5), f"{town.title}人民政府",
                     g.landline(), lng, lat])
    return table(cols, with_sequence(rows))


@generator("service_outlets")
def service_outlets(g: Gen) -> Table:
    brand = g.extra.get("brand", "泗县政务服务")
    services = g.extra.get("services", "业务咨询、受理、缴费")
    cols = [SEQ, col("网点名称", "text", "服务网点名称"), ADDRESS, col("办理业务", "text", "可办理业务"),
            col("营业时间", "text", "对外营业时间"), col("服务电话", "text", "网点电话"), LNG, LAT]
    rows = []
    for i in range(g.rows):
        town = TOWNS[i % len(TOWNS)]
        lng, lat = g.lnglat()
        rows.append([f"{brand}{town.short}{'营业厅' if i < len(TOWNS) else '服务点'}",
                     g.address(town), services,
                     g.pick(("周一至周五 8:30-12:00 14:00-17:30", "周一至周日 8:30-17:30")),
                     g.landline(), lng, lat])
    return table(cols, with_sequence(rows))
