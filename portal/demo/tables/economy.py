"""Market entities and their licences: companies, cooperatives, permits, inspections."""

from __future__ import annotations

from datetime import date, timedelta

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

USCC = col("统一社会信用代码", "text", "18位统一社会信用代码（GB 32100）")
ADDRESS = col("住所", "text", "登记住所")
TRADES = ("农业科技", "建材", "商贸", "纺织服装", "物流", "食品", "电子商务", "建筑工程", "机械制造",
          "新能源", "包装材料", "家具", "生物科技", "文化传媒", "医疗器械")
# The trade word in a company name and its industry (GB/T 4754 section).
INDUSTRY_OF = {"农业科技": "农、林、牧、渔业", "建材": "制造业", "商贸": "批发和零售业",
               "纺织服装": "制造业", "物流": "交通运输、仓储和邮政业", "食品": "制造业",
               "电子商务": "批发和零售业", "建筑工程": "建筑业", "机械制造": "制造业",
               "新能源": "电力、热力、燃气及水生产和供应业", "包装材料": "制造业", "家具": "制造业",
               "生物科技": "科学研究和技术服务业", "文化传媒": "文化、体育和娱乐业", "医疗器械": "制造业",
               "餐饮管理": "住宿和餐饮业", "网络科技": "信息传输、软件和信息技术服务业"}


@generator("enterprises")
def enterprises(g: Gen) -> Table:
    cols = [SEQ, col("企业名称", "text", "市场主体名称"), USCC,
            col("企业类型", "text", "有限责任公司/股份有限公司/个人独资企业/合伙企业"),
            col("法定代表人", "text", "法定代表人或负责人姓名"),
            col("注册资本", "number", "万元人民币"), col("成立日期", "date", "营业执照签发日期"),
            ADDRESS, col("所属行业", "text", "国民经济行业门类"), col("登记状态", "text", "存续/注销/吊销"),
            col("登记机关", "text", "登记机关")]
    rows = []
    for _ in range(g.rows):
        kind = g.pick(("有限责任公司（自然人投资或控股）", "有限责任公司（自然人独资）", "股份有限公司",
                       "个人独资企业", "普通合伙企业"), (60, 22, 3, 10, 5))
        suffix = {"个人独资企业": "经营部", "普通合伙企业": "商行（普通合伙）"}.get(kind, "有限公司")
        trade = g.pick(tuple(INDUSTRY_OF))
        name = g.company((trade,), suffix)
        capital = g.pick((10, 50, 100, 200, 300, 500, 1000, 2000, 5000),
                         (10, 18, 25, 15, 10, 10, 7, 3, 2))
        rows.append([name, g.uscc("91"), kind, g.name(), float(capital),
                     g.day(g.start, g.end), g.address(), INDUSTRY_OF[trade],
                     g.pick(("存续", "注销", "吊销"), (92, 6, 2)), "泗县市场监督管理局"])
    rows.sort(key=lambda r: (r[5], r[1]))
    return table(cols, with_sequence(rows))


@generator("cooperatives")
def cooperatives(g: Gen) -> Table:
    cols = [SEQ, col("合作社名称", "text", "农民专业合作社名称"), USCC, col("法定代表人", "text", "理事长"),
            col("成立日期", "date", "成立日期"), col("出资总额", "number", "万元"),
            col("成员数", "integer", "人"), col("主营业务", "text", "主营业务"), ADDRESS,
            col("示范社级别", "text", "国家级/省级/市级/县级/无")]
    crops = ("小麦", "玉米", "大豆", "山芋", "梨", "葡萄", "蔬菜", "生猪", "肉羊", "家禽", "水产", "中药材")
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        crop = g.pick(crops)
        village = g.pick(town.villages).removesuffix("村")
        rows.append([f"泗县{village}{crop}{g.pick(('种植', '养殖', '产销'))}专业合作社", g.uscc("93"),
                     g.name(), g.day(date(2008, 1, 1), g.end),
                     float(g.pick((10, 50, 100, 200, 500))),
                     g.rng.randint(5, 320), f"{crop}生产、收购、销售及技术服务",
                     g.rural_address(town),
                     g.pick(("国家级", "省级", "市级", "县级", "无"), (1, 3, 8, 15, 73))])
    return table(cols, with_sequence(rows))


@generator("family_farms")
def family_farms(g: Gen) -> Table:
    cols = [SEQ, col("家庭农场名称", "text", "名称"), USCC, col("经营者", "text", "经营者姓名"),
            col("经营类型", "text", "种植/养殖/种养结合"), col("经营面积", "number", "亩"),
            col("主要产品", "text", "产品"), ADDRESS, col("认定级别", "text", "省级/市级/县级示范家庭农场")]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        owner = g.name()
        kind = g.pick(("种植", "养殖", "种养结合"), (70, 20, 10))
        rows.append([f"泗县{town.short}{owner}家庭农场", g.uscc("92"), owner, kind,
                     round(g.rng.uniform(50, 1200), 1), g.pick(("小麦、玉米", "大豆", "蔬菜", "肉羊", "稻虾")),
                     g.rural_address(town), g.pick(("省级", "市级", "县级", "未认定"), (3, 10, 27, 60))])
    return table(cols, with_sequence(rows))


@generator("zone_enterprises")
def zone_enterprises(g: Gen) -> Table:
    cols = [SEQ, col("企业名称", "text", "入驻企业"), USCC, col("所属产业", "text", "主导产业"),
            col("入驻年份", "integer", "年份"), col("用地面积", "number", "亩"),
            col("从业人数", "integer", "人"), col("上年度产值", "number", "万元"),
            col("是否规模以上", "text", "是/否"), col("企业地址", "text", "园区内地址")]
    from portal.demo import places

    rows = []
    for _ in range(g.rows):
        sector = g.pick(("纺织服装", "新型建材", "农副产品加工", "电子信息", "高端装备", "新能源"))
        output = round(g.rng.lognormvariate(8.3, 1.0), 1)
        rows.append([g.company((sector,)), g.uscc("91"), sector, g.rng.randint(2010, g.end.year),
                     round(g.rng.uniform(5, 220), 1), g.rng.randint(12, 1800), output,
                     "是" if output >= 2000 else "否", places.zone_address(g.rng)])
    return table(cols, with_sequence(rows))


@generator("factories")
def factories(g: Gen) -> Table:
    from portal.demo import places

    cols = [SEQ, col("厂房编号", "text", "园区厂房编号"), col("位置", "text", "地址"),
            col("建筑面积", "number", "平方米"), col("层数", "integer", "层"), col("结构", "text", "结构类型"),
            col("使用状态", "text", "已入驻/空置/在建"), col("入驻企业", "text", "承租企业"),
            col("租金标准", "number", "元/平方米·月")]
    rows = []
    for i in range(g.rows):
        state = g.pick(("已入驻", "空置", "在建"), (70, 20, 10))
        rows.append([f"KFQ-{(i // 12) + 1:02d}-{i % 12 + 1:02d}", places.zone_address(g.rng),
                     round(g.rng.uniform(1200, 12000), 1), g.rng.randint(1, 4),
                     g.pick(("钢结构", "框架结构")), state,
                     g.company(TRADES) if state == "已入驻" else "", g.pick((6.0, 8.0, 10.0, 12.0))])
    return table(cols, with_sequence(rows))


@generator("projects")
def projects(g: Gen) -> Table:
    cols = [SEQ, col("项目名称", "text", "项目名称"), col("建设单位", "text", "项目法人"),
            col("建设地点", "text", "地点"), col("项目类别", "text", "产业/基础设施/社会事业/生态环保"),
            col("总投资", "number", "万元"), col("年度计划投资", "number", "万元"),
            col("建设内容", "text", "主要建设内容"), col("开工时间", "date", "开工日期"),
            col("形象进度", "text", "当前进度")]
    works = (("道路改造", "基础设施", "改造道路{n}公里及配套管网"), ("学校扩建", "社会事业", "新建教学楼{n}栋"),
             ("污水管网", "生态环保", "敷设污水管网{n}公里"), ("标准化厂房", "产业", "建设厂房{n}万平方米"),
             ("农村饮水提质", "基础设施", "改造供水管网{n}公里"), ("卫生院改扩建", "社会事业", "新建业务用房{n}千平方米"),
             ("高标准农田", "产业", "建设高标准农田{n}万亩"), ("光伏发电", "产业", "建设光伏电站{n}兆瓦"))
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        work, kind, content = g.pick(works)
        total = float(g.rng.randint(8, 400) * 50)
        rows.append([f"泗县{town.short}{work}项目", g.pick((f"{town.title}人民政府", "泗县城市投资控股集团有限公司",
                                                        g.company(TRADES))),
                     town.title, kind, total, round(total * g.rng.uniform(0.2, 0.7), 0),
                     content.format(n=g.rng.randint(2, 30)), g.day(),
                     g.pick(("前期手续办理中", "主体施工", "已完成总工程量30%", "已完成总工程量60%",
                             "竣工验收"))])
    return table(cols, with_sequence(rows))


@generator("food_licenses")
def food_licenses(g: Gen) -> Table:
    cols = [SEQ, col("经营者名称", "text", "食品经营者名称"), USCC,
            col("许可证编号", "text", "JY开头的食品经营许可证编号"), col("经营场所", "text", "地址"),
            col("主体业态", "text", "食品销售经营者/餐饮服务经营者/单位食堂"),
            col("经营项目", "text", "许可的经营项目"), col("发证日期", "date", "发证日期"),
            col("有效期至", "date", "有效期截止日期")]
    rows = []
    for _ in range(g.rows):
        kind = g.pick(("食品销售经营者", "餐饮服务经营者", "单位食堂"), (50, 40, 10))
        name = {"食品销售经营者": g.company(("超市", "食品商贸", "副食品"), "有限公司"),
                "餐饮服务经营者": f"泗县{g.brand()}{g.pick(('饭店', '餐饮店', '小吃店', '酒店'))}",
                "单位食堂": f"泗县{g.pick(('第一中学', '人民医院', '实验小学', '经开区管委会'))}食堂"}[kind]
        issued = g.day()
        scope = {"食品销售经营者": "预包装食品（含冷藏冷冻食品）销售,散装食品销售",
                 "餐饮服务经营者": "热食类食品制售,冷食类食品制售", "单位食堂": "热食类食品制售"}[kind]
        rows.append([name, g.uscc("91" if kind == "食品销售经营者" else "92"),
                     f"JY{g.pick('123')}341324{g.rng.randint(0, 99_999_999):08d}", g.address(),
                     kind, scope,
                     issued, add_years(issued, 5) - timedelta(days=1)])
    return table(cols, with_sequence(rows))


@generator("sampling_results")
def sampling_results(g: Gen) -> Table:
    cols = [SEQ, col("样品名称", "text", "抽检样品"), col("被抽样单位", "text", "名称"),
            col("标称生产企业", "text", "生产企业"), col("规格型号", "text", "规格"),
            col("生产日期", "date", "生产（购进）日期"), col("检验结论", "text", "合格/不合格"),
            col("不合格项目", "text", "不合格项目及检验值"), col("抽样日期", "date", "抽样日期")]
    samples = (("韭菜", "散装称重", "腐霉利"), ("芹菜", "散装称重", "毒死蜱"), ("鸡蛋", "散装称重", "恩诺沙星"),
               ("小麦粉", "25kg/袋", "脱氧雪腐镰刀菌烯醇"), ("豆芽", "散装称重", "4-氯苯氧乙酸钠"),
               ("猪肉", "散装称重", "克伦特罗"), ("白酒", "500mL/瓶", "酒精度"), ("食用植物油", "5L/桶", "酸价"),
               ("豆腐", "散装称重", "苯甲酸"), ("馒头", "散装称重", "甜蜜素"))
    rows = []
    for _ in range(g.rows):
        sample, spec, item = g.pick(samples)
        ok = g.rng.random() < 0.95
        taken = g.day()
        rows.append([sample, g.company(("超市", "食品商贸", "农副产品")), g.company(("食品", "农业科技")),
                     spec, taken - timedelta(days=g.rng.randint(0, 60)), "合格" if ok else "不合格",
                     "" if ok else f"{item}超出标准限量", taken])
    return table(cols, with_sequence(rows))


@generator("job_postings")
def job_postings(g: Gen) -> Table:
    cols = [SEQ, col("用人单位", "text", "单位名称"), col("岗位名称", "text", "招聘岗位"),
            col("招聘人数", "integer", "人"), col("学历要求", "text", "最低学历"),
            col("月薪范围", "text", "元/月"), col("工作地点", "text", "地点"), col("发布日期", "date", "日期"),
            col("联系电话", "text", "单位人事部门电话")]
    jobs = (("缝纫工", "不限", 3500, 6500), ("质检员", "高中", 3800, 5500), ("仓库管理员", "高中", 3500, 5000),
            ("电商运营", "大专", 4000, 8000), ("会计", "大专", 4000, 6000), ("电工", "中专", 4500, 7000),
            ("销售代表", "高中", 3000, 9000), ("叉车司机", "初中", 4500, 6500), ("普工", "不限", 3600, 5500))
    rows = []
    for _ in range(g.rows):
        job, edu, low, high = g.pick(jobs)
        low2 = low + g.rng.randint(0, 5) * 100
        rows.append([g.company(TRADES), job, g.rng.randint(1, 30), edu,
                     f"{low2}-{max(high, low2 + 500)}",
                     g.pick(("泗县经济开发区", "泗城镇", "大庄镇", "草沟镇")), g.day(), g.landline()])
    rows.sort(key=lambda r: r[6])
    return table(cols, with_sequence(rows))


@generator("hazmat_enterprises")
def hazmat_enterprises(g: Gen) -> Table:
    cols = [SEQ, col("企业名称", "text", "名称"), USCC, col("经营方式", "text", "生产/储存/使用/经营"),
            col("主要危险化学品", "text", "品名"), col("重大危险源等级", "text", "一级至四级/无"),
            col("许可证编号", "text", "危险化学品经营（安全生产）许可证"), col("有效期至", "date", "到期日"),
            ADDRESS]
    goods = (("石油", "汽油、柴油"), ("燃气", "液化石油气"), ("化工", "液氨"), ("化工贸易", "盐酸、硫酸"),
             ("燃气", "天然气"), ("涂料", "油漆、稀释剂"), ("气体", "乙炔、氧气"))
    rows = []
    for _ in range(g.rows):
        way = g.pick(("经营（带储存）", "经营（不带储存）", "使用", "生产"), (45, 30, 20, 5))
        trade, chemicals = g.pick(goods)
        rows.append([g.company((trade,)), g.uscc("91"), way, chemicals,
                     g.pick(("三级", "四级", "无"), (5, 15, 80)),
                     f"皖宿危化经字〔{g.rng.randint(2022, 2026)}〕{g.rng.randint(1, 199):03d}号",
                     g.day(date(2026, 7, 1), date(2029, 6, 30)), g.address()])
    return table(cols, with_sequence(rows))


@generator("pollutant_permits")
def pollutant_permits(g: Gen) -> Table:
    cols = [SEQ, col("单位名称", "text", "排污单位"), USCC, col("许可证编号", "text", "排污许可证编号"),
            col("行业类别", "text", "行业"), col("管理类别", "text", "重点管理/简化管理/登记管理"),
            col("主要污染物", "text", "污染物种类"), col("有效期起", "date", "起始日"), col("有效期止", "date", "截止日")]
    trades = (("纺织印染", "化学需氧量、氨氮、颗粒物"), ("水泥制品", "颗粒物"), ("饲料加工", "颗粒物、氨"),
              ("畜禽养殖", "化学需氧量、氨氮"), ("污水处理", "化学需氧量、氨氮、总磷"), ("木材加工", "颗粒物、挥发性有机物"))
    rows = []
    for _ in range(g.rows):
        trade, pollutants = g.pick(trades)
        code = g.uscc("91")
        start = g.day()
        rows.append([g.company((trade,)), code, f"{code}001{g.pick('PVQUR')}", trade,
                     g.pick(("重点管理", "简化管理", "登记管理"), (15, 45, 40)), pollutants, start,
                     add_years(start, 5) - timedelta(days=1)])
    return table(cols, with_sequence(rows))


@generator("construction_enterprises")
def construction_enterprises(g: Gen) -> Table:
    cols = [SEQ, col("企业名称", "text", "名称"), USCC, col("资质类别及等级", "text", "资质"),
            col("证书编号", "text", "资质证书编号"), col("有效期至", "date", "到期日"), ADDRESS]
    grades = ("建筑工程施工总承包二级", "建筑工程施工总承包三级", "市政公用工程施工总承包二级",
              "公路工程施工总承包三级", "建筑装修装饰工程专业承包二级", "水利水电工程施工总承包三级")
    rows = [[g.company(("建筑工程", "建设", "市政工程", "装饰工程")), g.uscc("91"), g.pick(grades),
             f"D{g.pick('23')}34{g.rng.randint(0, 9_999_999):07d}",
             g.day(date(2026, 7, 1), date(2030, 12, 31)),
             g.address()] for _ in range(g.rows)]
    return table(cols, with_sequence(rows))


@generator("social_organizations")
def social_organizations(g: Gen) -> Table:
    cols = [SEQ, col("名称", "text", "社会组织名称"), USCC, col("类型", "text", "社会团体/民办非企业单位/基金会"),
            col("业务主管单位", "text", "主管单位"), col("法定代表人", "text", "法定代表人"),
            col("成立登记日期", "date", "日期"), col("住所", "text", "地址"), col("年检结论", "text", "上年度年检结论")]
    associations = (("个体劳动者协会", "泗县市场监督管理局"), ("老年人体育协会", "泗县文化旅游体育局"),
                    ("书法家协会", "泗县文学艺术界联合会"), ("摄影家协会", "泗县文学艺术界联合会"),
                    ("养蜂协会", "泗县农业农村局"), ("餐饮行业协会", "泗县商务局"),
                    ("电子商务协会", "泗县商务局"), ("篮球协会", "泗县文化旅游体育局"),
                    ("大运河文化研究会", "泗县文化旅游体育局"), ("泗州戏研究会", "泗县文化旅游体育局"),
                    ("浙江商会", "泗县工商业联合会"), ("江苏商会", "泗县工商业联合会"),
                    ("温州商会", "泗县工商业联合会"), ("福建商会", "泗县工商业联合会"))
    services = (("社会工作服务中心", "泗县民政局"), ("居家养老服务中心", "泗县民政局"),
                ("幼儿园", "泗县教育局"), ("艺术培训学校", "泗县教育局"), ("康复中心", "泗县卫生健康委员会"))
    foundations = (("泗县教育发展基金会", "泗县教育局"), ("泗县慈善基金会", "泗县民政局"))
    rows = []
    names: set[str] = set()
    while len(rows) < g.rows:
        kind = g.pick(("社会团体", "民办非企业单位", "基金会"), (40, 58, 2))
        if kind == "社会团体":
            (what, boss), code = g.pick(associations), "51"
            name = f"泗县{what}" if len(names) < len(associations) else f"泗县{g.a_town().short}{what}"
        elif kind == "基金会":
            (name, boss), code = g.pick(foundations), "53"
        else:
            (what, boss), code = g.pick(services), "52"
            name = f"泗县{g.brand()}{what}"
        if name in names:
            continue
        names.add(name)
        rows.append([name, g.uscc(code), kind, boss, g.name(), g.day(date(2001, 1, 1), g.end),
                     g.address(), g.pick(("合格", "基本合格", "不合格"), (85, 12, 3))])
    return table(cols, with_sequence(rows))


@generator("designated_medical")
def designated_medical(g: Gen) -> Table:
    cols = [SEQ, col("定点机构名称", "text", "名称"), col("机构类型", "text", "定点医疗机构/定点零售药店"),
            col("医保编码", "text", "国家医保信息业务编码"), col("机构等级", "text", "三级/二级/一级/未定级"),
            col("开通门诊统筹", "text", "是/否"), col("开通异地就医直接结算", "text", "是/否"),
            col("地址", "text", "地址"), col("联系电话", "text", "电话")]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        hospital = g.rng.random() < 0.45
        name = (g.pick((f"泗县{town.short}镇卫生院", f"泗县{g.brand()}医院",
                        f"{town.short}镇{g.pick(town.villages)}卫生室"))
                if hospital else f"{g.pick(('百姓缘大药房', '国胜大药房', '益丰大药房'))}泗县{town.short}店")
        rows.append([name, "定点医疗机构" if hospital else "定点零售药店",
                     f"{'H' if hospital else 'P'}341324{g.rng.randint(0, 99_999):05d}",
                     g.pick(("二级", "一级", "未定级"), (10, 50, 40)) if hospital else "未定级",
                     g.pick(("是", "否"), (80, 20)), g.pick(("是", "否"), (60, 40)), g.address(town),
                     g.landline()])
    return table(cols, with_sequence(rows))
