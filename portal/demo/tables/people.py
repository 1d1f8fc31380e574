"""Tables about people: assistance rolls, subsidies, insurance payments.

They carry personal information (identity numbers, phones, home addresses),
so the catalog keeps them as drafts that are neither opened nor freely shared.
"""

from __future__ import annotations

from datetime import date

from portal.demo.tables.base import SEQ, Gen, Table, col, generator, table, with_sequence

NAME = col("姓名", "text", "本人姓名", personal=True)
ID_NO = col("身份证号", "text", "18位公民身份号码（GB 11643）", personal=True)
PHONE = col("联系电话", "text", "本人或家属手机号码", personal=True)
HOME = col("家庭住址", "text", "居住地址（至门牌号）", personal=True)
SEX = col("性别", "text", "男/女")


def _masked_account(g: Gen) -> str:
    return f"6228{g.rng.randint(0, 99):02d}******{g.rng.randint(0, 9999):04d}"


@generator("dibao")
def dibao(g: Gen) -> Table:
    cols = [SEQ, col("户主姓名", "text", "低保户户主姓名", True), ID_NO, SEX,
            col("家庭人口数", "integer", "共同生活的家庭成员人数"),
            col("保障人数", "integer", "纳入低保的家庭成员人数"), PHONE, HOME,
            col("保障类别", "text", "城市低保/农村低保"),
            col("月保障金额", "number", "家庭月保障金额（元）"),
            col("审批日期", "date", "县民政局审批确认日期"), col("所属村（社区）", "text", "户籍所在村（社区）")]
    rows = []
    town = g.a_town()
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(28, 86)
        village = g.pick(town.villages)
        size = g.pick((1, 2, 3, 4, 5, 6), (30, 28, 18, 13, 8, 3))
        covered = g.rng.randint(1, size)
        urban = village.endswith("社区")
        per_head = 810 if urban else 650
        rows.append([name, g.id_number(birth, female), "女" if female else "男", size, covered,
                     g.mobile(), g.rural_address(town, village),
                     "城市低保" if urban else "农村低保",
                     round(per_head * covered * g.rng.uniform(0.55, 1.0), 0),
                     g.day(date(2019, 1, 1), g.end), village])
    return table(cols, with_sequence(rows))


@generator("tekun")
def tekun(g: Gen) -> Table:
    cols = [SEQ, NAME, ID_NO, SEX, col("出生日期", "date", "出生日期"),
            col("供养方式", "text", "集中供养/分散供养"), col("供养机构", "text", "集中供养的敬老院"),
            col("月基本生活标准", "number", "元/月"), col("照料护理标准", "number", "元/月"),
            col("认定日期", "date", "特困人员认定日期"), HOME]
    rows = []
    for _ in range(g.rows):
        town = g.a_town()
        name, female = g.person()
        birth = g.birth(16, 95)
        central = g.rng.random() < 0.35
        rows.append([name, g.id_number(birth, female), "女" if female else "男", birth,
                     "集中供养" if central else "分散供养",
                     f"{town.short}敬老院" if central else "",
                     1050.0, g.pick((150.0, 380.0, 1260.0), (70, 22, 8)),
                     g.day(date(2016, 1, 1), g.end), g.rural_address(town)])
    return table(cols, with_sequence(rows))


@generator("gaoling")
def gaoling(g: Gen) -> Table:
    cols = [SEQ, NAME, ID_NO, SEX, col("出生日期", "date", "出生日期"), col("年龄", "integer", "周岁"),
            col("补贴档次", "text", "80-89周岁/90-99周岁/100周岁以上"),
            col("月补贴金额", "number", "元/月"),
            col("发放账号", "text", "社会保障卡金融账户（脱敏）", True),
            col("所属村（社区）", "text", "户籍所在村（社区）"), HOME]
    rows = []
    town = g.a_town()
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(80, 101) if g.rng.random() < 0.08 else g.birth(80, 92)
        age = g.end.year - birth.year - ((g.end.month, g.end.day) < (birth.month, birth.day))
        age = max(age, 80)
        band, amount = ("100周岁以上", 500.0) if age >= 100 else (
            ("90-99周岁", 100.0) if age >= 90 else ("80-89周岁", 50.0))
        village = g.pick(town.villages)
        rows.append([name, g.id_number(birth, female), "女" if female else "男", birth, age, band,
                     amount, _masked_account(g), village, g.rural_address(town, village)])
    return table(cols, with_sequence(rows))


@generator("disability_subsidy")
def disability_subsidy(g: Gen) -> Table:
    cols = [SEQ, NAME, ID_NO, col("残疾人证号", "text", "第二代残疾人证号码", True),
            col("残疾类别", "text", "视力/听力/言语/肢体/智力/精神/多重"),
            col("残疾等级", "text", "一级至四级"),
            col("补贴类型", "text", "困难残疾人生活补贴/重度残疾人护理补贴"),
            col("月补贴金额", "number", "元/月"), PHONE, HOME]
    kinds = ("视力", "听力", "言语", "肢体", "智力", "精神", "多重")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(6, 88)
        id_no = g.id_number(birth, female)
        kind_i = g.rng.choices(range(7), (10, 12, 3, 45, 12, 14, 4))[0]
        grade = g.rng.choices((1, 2, 3, 4), (18, 27, 30, 25))[0]
        severe = grade <= 2
        subsidy = g.pick(("困难残疾人生活补贴", "重度残疾人护理补贴")) if severe else "困难残疾人生活补贴"
        amount = 90.0 if subsidy == "重度残疾人护理补贴" else 80.0
        rows.append([name, id_no, f"{id_no}{kind_i + 1}{grade}", kinds[kind_i],
                     f"{'一二三四'[grade - 1]}级", subsidy, amount, g.mobile(), g.rural_address()])
    return table(cols, with_sequence(rows))


@generator("medical_payments")
def medical_payments(g: Gen) -> Table:
    cols = [SEQ, col("参保人姓名", "text", "参保人姓名", True), ID_NO, SEX,
            col("参保类别", "text", "城乡居民基本医疗保险/职工基本医疗保险"),
            col("缴费年度", "integer", "缴费所属年度"), col("个人缴费金额", "number", "元"),
            col("财政补助金额", "number", "元（居民医保）"), col("缴费日期", "date", "到账日期"),
            col("缴费渠道", "text", "税务APP/银行代收/村级代收/单位代扣"),
            col("所属乡镇", "text", "参保地乡镇"), PHONE]
    rows = []
    year = g.end.year
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(0, 90)
        resident = g.rng.random() < 0.82
        channel = g.pick(("税务APP", "银行代收", "村级代收")) if resident else "单位代扣"
        personal = 400.0 if resident else g.money(180, 960, 0.5)
        subsidy = 670.0 if resident else 0.0
        paid = g.day(date(year - 1, 9, 1), date(year - 1, 12, 31)) if resident else g.day()
        rows.append([name, g.id_number(birth, female), "女" if female else "男",
                     "城乡居民基本医疗保险" if resident else "职工基本医疗保险", year,
                     personal, subsidy, paid, channel, g.a_town().title, g.mobile()])
    return table(cols, with_sequence(rows))


@generator("unemployed")
def unemployed(g: Gen) -> Table:
    cols = [SEQ, NAME, ID_NO, SEX, col("年龄", "integer", "周岁"),
            col("文化程度", "text", "最高学历"), col("失业登记日期", "date", "登记日期"),
            col("求职意向", "text", "希望从事的工种"), col("是否领取失业保险金", "text", "是/否"),
            PHONE, col("户籍地址", "text", "户籍所在地", True)]
    trades = ("普工", "电工", "焊工", "保洁", "保安", "餐饮服务", "仓储物流", "营业员", "驾驶员",
              "家政服务", "电商客服", "纺织工", "会计")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(18, 59)
        rows.append([name, g.id_number(birth, female), "女" if female else "男",
                     g.end.year - birth.year,
                     g.pick(("初中", "高中", "中专", "大专", "本科"), (35, 22, 15, 18, 10)),
                     g.day(), g.pick(trades), g.pick(("是", "否"), (30, 70)), g.mobile(),
                     g.rural_address()])
    return table(cols, with_sequence(rows))


@generator("student_aid")
def student_aid(g: Gen) -> Table:
    cols = [SEQ, col("学生姓名", "text", "受助学生姓名", True), ID_NO, col("学校", "text", "就读学校"),
            col("年级", "text", "就读年级"), col("资助项目", "text", "国家助学金/免学费/营养改善计划等"),
            col("资助金额", "number", "本学期资助金额（元）"),
            col("监护人姓名", "text", "监护人", True), col("监护人电话", "text", "手机号码", True)]
    stages = (("小学", 6, 1000.0, "家庭经济困难寄宿生生活补助"),
              ("初中", 3, 1250.0, "家庭经济困难寄宿生生活补助"),
              ("高中", 3, 1000.0, "普通高中国家助学金"),
              ("中职", 3, 1000.0, "中等职业教育国家助学金"))
    rows = []
    for _ in range(g.rows):
        stage, years, amount, item = g.pick(stages, (35, 30, 22, 13))
        grade = g.rng.randint(1, years)
        age = {"小学": 6, "初中": 12, "高中": 15, "中职": 15}[stage] + grade
        name, female = g.person()
        birth = g.birth(age, age)
        town = g.a_town()
        if stage == "高中":
            school = f"泗县{g.pick(('第一', '第二', '第三'))}中学"
        elif stage == "中职":
            school = "泗县职业技术学校"
        else:
            school = f"{town.short}中心{'小学' if stage == '小学' else '中学'}"
        guardian = g.name()
        grade_name = f"{'一二三四五六'[grade - 1]}年级" if stage == "小学" else f"{stage}{'一二三'[grade - 1]}年级"
        rows.append([name, g.id_number(birth, female), school, grade_name, item, amount,
                     guardian, g.mobile()])
    return table(cols, with_sequence(rows))


@generator("legal_persons")
def legal_persons(g: Gen) -> Table:
    cols = [SEQ, col("企业名称", "text", "市场主体名称"), col("统一社会信用代码", "text", "GB 32100"),
            col("法定代表人", "text", "法定代表人姓名", True),
            col("法定代表人身份证号", "text", "18位公民身份号码", True),
            col("法定代表人手机", "text", "登记联系电话", True),
            col("任职日期", "date", "担任法定代表人的日期"), col("住所", "text", "企业住所")]
    trades = ("农业科技", "建材", "商贸", "纺织", "物流", "食品", "电子商务", "建筑工程", "机械制造")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(24, 68)
        rows.append([g.company(trades), g.uscc("91"), name, g.id_number(birth, female), g.mobile(),
                     g.day(date(2008, 1, 1), g.end), g.address()])
    return table(cols, with_sequence(rows))


@generator("farmland_subsidy")
def farmland_subsidy(g: Gen) -> Table:
    cols = [SEQ, col("农户姓名", "text", "承包农户户主", True), ID_NO,
            col("村组", "text", "所在村民小组"), col("补贴面积", "number", "亩"),
            col("补贴标准", "number", "元/亩"), col("补贴金额", "number", "元"),
            col("一卡通账号", "text", "惠民惠农财政补贴“一卡通”账号（脱敏）", True),
            col("发放日期", "date", "资金到账日期")]
    rows = []
    rate = 103.5
    for _ in range(g.rows):
        town = g.a_town()
        name, female = g.person()
        birth = g.birth(30, 80)
        area = round(g.rng.uniform(1.2, 14.0), 2)
        village = g.pick([v for v in town.villages if v.endswith("村")] or town.villages)
        rows.append([name, g.id_number(birth, female), f"{village}{g.rng.randint(1, 12)}组", area,
                     rate, round(area * rate, 2), _masked_account(g), g.day()])
    return table(cols, with_sequence(rows))


@generator("housing_allocation")
def housing_allocation(g: Gen) -> Table:
    cols = [SEQ, col("申请人", "text", "申请人姓名", True), ID_NO, col("家庭人口", "integer", "人"),
            col("保障类型", "text", "公共租赁住房/保障性租赁住房"),
            col("配租房源", "text", "小区、楼栋、房号"), col("建筑面积", "number", "平方米"),
            col("月租金", "number", "元/月"), col("配租日期", "date", "签约日期"), PHONE]
    estates = ("虹乡佳苑", "汴河安居小区", "运河人家", "清水湾公租房小区", "城东保障房小区")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(22, 75)
        area = g.pick((40.2, 45.6, 50.1, 59.8))
        rows.append([name, g.id_number(birth, female), g.rng.randint(1, 5),
                     g.pick(("公共租赁住房", "保障性租赁住房"), (70, 30)),
                     f"{g.pick(estates)}{g.rng.randint(1, 18)}栋{g.rng.randint(1, 3)}单元"
                     f"{g.rng.randint(1, 18)}0{g.rng.randint(1, 4)}室",
                     area, round(area * g.pick((4.5, 5.0, 6.0)), 1), g.day(), g.mobile()])
    return table(cols, with_sequence(rows))


@generator("temporary_relief")
def temporary_relief(g: Gen) -> Table:
    cols = [SEQ, NAME, ID_NO, col("救助事由", "text", "申请临时救助的原因"),
            col("救助方式", "text", "现金/实物/转介服务"), col("救助金额", "number", "元"),
            col("审批日期", "date", "审批日期"), HOME]
    reasons = ("因病致困", "突发意外事故", "火灾", "子女就学支出过大", "自然灾害", "家庭成员死亡")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(20, 85)
        rows.append([name, g.id_number(birth, female), g.pick(reasons),
                     g.pick(("现金", "实物", "现金"), None), g.money(500, 8000, 100), g.day(),
                     g.rural_address()])
    return table(cols, with_sequence(rows))


@generator("children_allowance")
def children_allowance(g: Gen) -> Table:
    cols = [SEQ, col("儿童姓名", "text", "儿童姓名", True), ID_NO, col("出生日期", "date", "出生日期"),
            col("保障类别", "text", "孤儿/事实无人抚养儿童"),
            col("监护人", "text", "监护人姓名", True), col("监护人电话", "text", "手机号码", True),
            col("基本生活费", "number", "元/月"), col("所属乡镇", "text", "户籍所在乡镇")]
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(1, 17)
        orphan = g.rng.random() < 0.4
        rows.append([name, g.id_number(birth, female), birth,
                     "孤儿" if orphan else "事实无人抚养儿童",
                     g.name(), g.mobile(),
                     1500.0 if orphan else 1300.0, g.a_town().title])
    return table(cols, with_sequence(rows))


@generator("birth_registration")
def birth_registration(g: Gen) -> Table:
    cols = [SEQ, col("新生儿姓名", "text", "新生儿姓名", True), SEX, col("出生日期", "date", "出生日期"),
            col("出生体重", "integer", "克"), col("出生医学证明编号", "text", "证件编号", True),
            col("母亲姓名", "text", "母亲姓名", True), col("母亲身份证号", "text", "18位公民身份号码", True),
            col("助产机构", "text", "分娩医院")]
    hospitals = ("泗县人民医院", "泗县中医院", "泗县妇幼保健计划生育服务中心", "泗县第二人民医院")
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        mother = g.fake.name_female()
        mother_birth = g.birth(21, 42)
        born = g.day()
        rows.append([name, "女" if female else "男", born, g.rng.randint(2500, 4200),
                     f"W34{g.rng.randint(0, 99_999_999):08d}", mother,
                     g.id_number(mother_birth, True), g.pick(hospitals)])
    return table(cols, with_sequence(rows))


@generator("sole_traders")
def sole_traders(g: Gen) -> Table:
    cols = [SEQ, col("字号名称", "text", "个体工商户名称"), col("统一社会信用代码", "text", "GB 32100"),
            col("经营者", "text", "经营者姓名", True), col("经营者身份证号", "text", "18位公民身份号码", True),
            col("联系电话", "text", "经营者手机", True), col("经营场所", "text", "经营地址"),
            col("组成形式", "text", "个人经营/家庭经营"), col("经营范围", "text", "登记的经营范围"),
            col("注册日期", "date", "登记日期")]
    shops = (("便利店", "日用百货、预包装食品销售"), ("餐馆", "餐饮服务"), ("理发店", "理发服务"),
             ("五金店", "五金产品零售"), ("农资店", "化肥、农药（不含危险化学品）零售"),
             ("手机店", "通讯设备零售、维修"), ("早餐店", "小餐饮"), ("服装店", "服装鞋帽零售"))
    rows = []
    for _ in range(g.rows):
        name, female = g.person()
        birth = g.birth(20, 70)
        shop, scope = g.pick(shops)
        town = g.a_town()
        rows.append([f"泗县{town.short}{g.fake.last_name()}记{shop}", g.uscc("92"), name,
                     g.id_number(birth, female), g.mobile(), g.address(town),
                     g.pick(("个人经营", "家庭经营"), (80, 20)), scope,
                     g.day(date(2012, 1, 1), g.end)])
    return table(cols, with_sequence(rows))
