"""PERSON and LOCATION from the offline jieba-based recognizers, and the NLP engine that
lets Presidio's context words raise their scores.

Spans must be exact (the anonymizer replaces whatever a span covers), so expected
findings are written as the substrings they must cover, nothing more.
"""

from __future__ import annotations

import random

import pytest
from faker import Faker
from presidio_analyzer import AnalyzerEngine, RecognizerRegistry, RecognizerResult

from desensitize.entities import LANGUAGE, LOCATION, PERSON
from desensitize.nlp import make_nlp_engine
from desensitize.recognizers.location import LocationRecognizer, looks_like_address
from desensitize.recognizers.person import PersonRecognizer, looks_like_name

THRESHOLD = 0.5  # the scanner's: findings scoring less are dropped

PERSON_RECOGNIZER = PersonRecognizer()
LOCATION_RECOGNIZER = LocationRecognizer()


def found(recognizer: PersonRecognizer | LocationRecognizer, text: str) -> list[str]:
    """The texts of the findings that pass the threshold, as a table cell is scanned
    (called directly, nlp_artifacts None)."""
    results = recognizer.analyze(text, list(recognizer.supported_entities), None)
    return [text[r.start:r.end] for r in sorted(results, key=lambda r: r.start)
            if r.score >= THRESHOLD]


# --- PERSON -----------------------------------------------------------------------------

PERSON_CASES = [
    ("户主王秀英，联系电话13912345678。", ["王秀英"]),
    ("经办人：李明", ["李明"]),
    ("张伟和刘洋于2024年3月申请低保。", ["张伟", "刘洋"]),
    ("申请人欧阳建华的住址是安徽省宿州市泗县泗城镇东关路123号", ["欧阳建华"]),
    ("王秀英", ["王秀英"]),  # a whole cell
    ("欧阳建华", ["欧阳建华"]),
    ("感谢刘洋先生的支持。", ["刘洋"]),
    ("据夏雪梅介绍，该村共有农户300户。", ["夏雪梅"]),
    ("该项目由张婷婷负责，伊秀芳协助。", ["张婷婷", "伊秀芳"]),
    ("兹证明王婷系我村村民。", ["王婷"]),  # jieba glues 系 to the name
    ("王桂荣家住大路口乡孙集社区2组54号", ["王桂荣"]),  # not 王桂, not 王桂荣家
    ("夏建国家住泗县", ["夏建国"]),  # jieba reads 夏建/国家/住
    ("原告陈欣诉被告杨桂芝民间借贷纠纷一案。", ["陈欣", "杨桂芝"]),
    ("傅桂芳、顾宇、欧玉兰三人获评先进个人。", ["傅桂芳", "顾宇", "欧玉兰"]),
    ("来电人周建平，来电号码19804372509", ["周建平"]),
    ("订单的收货人为何桂兰，收货地址另附", ["何桂兰"]),  # not 为何 + 桂兰
    ("请安柳同志于三日内领取证件。", ["安柳"]),
    ("姓名：高峰", ["高峰"]),  # a common word, labelled as a name
    ("由黄金凤代为办理", ["黄金凤"]),
    # Names written with a middle dot (any of · • ‧ ・ ･), one span, not cut at the dot.
    ("买买提·艾力于2024年3月申请临时救助。", ["买买提·艾力"]),
    ("经办人：阿依古丽•吐尔逊", ["阿依古丽•吐尔逊"]),
    ("感谢扎西‧多吉对本次活动的支持。", ["扎西‧多吉"]),
    ("牧民次仁・卓玛家住泗县", ["次仁・卓玛"]),
    ("阿不都热依木･艾力申请低保", ["阿不都热依木･艾力"]),
    ("约翰·史密斯先生", ["约翰·史密斯"]),
    # After role labels, with or without a colon.
    ("审核人:张伟", ["张伟"]),
    ("填报人 刘洋　制表人：王芳", ["刘洋", "王芳"]),
    ("法定代表人李建国，联系电话13912345678", ["李建国"]),
    ("联系人 平安，电话13912345678", ["平安"]),  # a common word, after a role label
    ("申请人高峰", ["高峰"]),
    # Kin phrases.
    ("户主梁秀梅，其女王洁，57岁，长期患病。", ["梁秀梅", "王洁"]),
    ("经查，张桂英其母马洁在思优科技有限公司务工。", ["张桂英", "马洁"]),
    ("其父谷丽丽身份证号110105194204093634", ["谷丽丽"]),
    # 老/小 + surname, 阿 + given-name character, where a person stands.
    ("邻居老王说，昨晚听到异响。", ["老王"]),
    ("请小李明天上午到村委会来一趟。", ["小李"]),
    ("有事找阿明，他的手机号是13912345678。", ["阿明"]),
    ("我和老张一起去了泗县。", ["老张"]),
]


@pytest.mark.parametrize(("text", "names"), PERSON_CASES)
def test_person_names_are_found_at_exact_spans(text: str, names: list[str]) -> None:
    assert found(PERSON_RECOGNIZER, text) == names


NOT_PERSON = [
    "泗县农业农村局于2024年3月发布通知。",
    "泗城镇", "张集村3组", "王圩社区居委会", "李桥镇中心小学", "大庄镇中心学校",
    "丁湖镇至长沟镇公路改造工程已于2023-08-06通车。",
    "王国", "张开", "高兴", "金额为1200.50元", "文明城市创建工作方案",
    "2024年3月5日", "合计12,345.67元",
    "贾宁老师带领学生参观了明腾网络有限公司。",  # 明腾 is a company's name
    "音乐对于可是大小看到游戏基本地区",  # 对于 / 可是
    "项目方法可是觉得项目虽然社会提高",
    "石龙湖国家湿地公园", "孔子学院", "全面推行河长制、林长制。",
    "马上就办，周末不休。", "向社会公开征求意见。", "严格执行安全生产责任制。",
    "黄河流域生态保护", "许可证编号：123号", "高新区管委会", "万人助万企活动",
    "金秋时节稻谷飘香，",
    # 老/小/阿 words that are no one's nickname.
    "学校的老师带领小学生参观了科技馆。", "阿里巴巴在杭州召开发布会。",
    "小时候家里很穷，老家在农村。", "老人和小孩要注意防暑降温。", "阿姨每天早上打扫小区卫生。",
    "全面建成小康社会。", "小高层住宅", "养老金按时发放。", "中国·泗县", "2024·泗县",
]


@pytest.mark.parametrize("text", NOT_PERSON)
def test_no_person_in_places_organizations_and_common_words(text: str) -> None:
    found_names = found(PERSON_RECOGNIZER, text)
    if "贾宁" in text:  # 贾宁 is a name; the company after it is not
        assert found_names == ["贾宁"]
    else:
        assert found_names == []


@pytest.mark.parametrize("text", ["王秀英", " 李明 ", "欧阳建华", "买买提·艾力", "陆军", "张三丰",
                                  "扎西‧多吉", "阿依古丽･吐尔逊"])
def test_looks_like_name(text: str) -> None:
    assert looks_like_name(text)


@pytest.mark.parametrize("text", [
    "", "王", "泗县农业农村局", "王圩社区", "张集村", "李桥镇", "12345", "王秀英123",
    "Zhang Wei", "安徽省宿州市泗县", "无", "合计", "男",
])
def test_does_not_look_like_name(text: str) -> None:
    assert not looks_like_name(text)


# --- LOCATION ---------------------------------------------------------------------------

LOCATION_CASES = [
    ("住址：安徽省宿州市泗县泗城镇东关路123号", "安徽省宿州市泗县泗城镇东关路123号"),
    ("家住泗县大庄镇张集村3组，务农。", "泗县大庄镇张集村3组"),
    ("现住草沟镇王圩社区8栋2单元301室。", "草沟镇王圩社区8栋2单元301室"),
    ("河北省兰州市城北冯路G座 735678", "河北省兰州市城北冯路G座"),  # the postcode is left out
    ("内蒙古自治区欢县徐汇韦街b座 469074", "内蒙古自治区欢县徐汇韦街b座"),
    ("请将材料寄至辽宁省合山县滨城詹路I座 439336，收件人郭兰英。", "辽宁省合山县滨城詹路I座"),
    ("强萍家住湖南省哈尔滨县六枝特广州街E座 153799", "湖南省哈尔滨县六枝特广州街E座"),
    ("现住宿州市泗县虹乡路181号，联系电话17347082276。", "宿州市泗县虹乡路181号"),  # 虹乡路
    ("周婷婷在西藏自治区深圳市长寿上海路e座私自搭建违章建筑。", "西藏自治区深圳市长寿上海路e座"),
    ("户籍所在地大路口乡张集村11组38号", "大路口乡张集村11组38号"),
    ("申请人欧阳建华的住址是安徽省宿州市泗县泗城镇东关路123号，联系电话13800000000",
     "安徽省宿州市泗县泗城镇东关路123号"),
    ("泗县人民政府在东关路123号办公", "东关路123号"),
    ("张集村三组", "张集村三组"),
    ("甘肃省娟市魏都尚街P座", "甘肃省娟市魏都尚街P座"),  # 都 in a district's name
]


@pytest.mark.parametrize(("text", "address"), LOCATION_CASES)
def test_addresses_are_found_at_exact_spans(text: str, address: str) -> None:
    assert found(LOCATION_RECOGNIZER, text) == [address]


NOT_LOCATION = [
    "泗县", "安徽省宿州市", "安徽省宿州市泗县", "泗城镇", "泗县大路口乡",
    "泗县农业农村局", "泗城镇人民政府", "泗县人民政府办公室", "泗县公路管理局",
    "泗政办〔2024〕3号", "2024年3月5日", "金额1200元", "会议室在三楼",
    "道路、桥梁、水利设施建设", "成立领导小组，办公室设在县农业农村局。",
    "泗县东关路小学", "东关路", "8栋2单元301室",  # weak alone: context must lift them
    "知道了，渠道已经打通。",
]


@pytest.mark.parametrize("text", NOT_LOCATION)
def test_no_address_in_bare_places_and_organizations(text: str) -> None:
    assert found(LOCATION_RECOGNIZER, text) == []


@pytest.mark.parametrize("text", [
    "安徽省宿州市泗县泗城镇东关路123号", "泗县大庄镇张集村3组", "草沟镇王圩社区8栋2单元301室",
    "河北省兰州市城北冯路G座 735678", " 东关路123号 ", "张集村三组",
])
def test_looks_like_address(text: str) -> None:
    assert looks_like_address(text)


@pytest.mark.parametrize("text", [
    "", "泗县", "安徽省宿州市", "泗县农业农村局", "王秀英", "13800000000", "2024年3月5日",
    "fred@example.com", "已核实",
])
def test_does_not_look_like_address(text: str) -> None:
    assert not looks_like_address(text)


def test_recognizers_answer_only_for_their_entity() -> None:
    text = "户主王秀英，住泗县大庄镇张集村3组"
    assert PERSON_RECOGNIZER.analyze(text, [LOCATION], None) == []
    assert LOCATION_RECOGNIZER.analyze(text, [PERSON], None) == []


# --- Faker names and addresses in sentences -----------------------------------------------

TEMPLATES = [
    "户主{name}，住{address}，联系电话13812345678。",
    "{name}于2024年3月12日到泗城镇政府办理低保申请。",
    "经核实，{name}家住{address}，家庭人均收入低于当地标准。",
    "{name}和{name}签订了土地流转合同。",
    "快递员将包裹送至{address}，收件人{name}。",
    "该项目由{name}负责，{name}协助。",
]


def faker_sentences(count: int, seed: int = 11) -> list[tuple[str, list[tuple[str, str]]]]:
    """(sentence, [(entity, value)]) from Faker zh_CN names and addresses."""
    fake, rng = Faker("zh_CN"), random.Random(seed)
    fake.seed_instance(seed)
    out = []
    for _ in range(count):
        template, values = rng.choice(TEMPLATES), []
        while "{" in template:
            if template.index("{") == template.find("{name}"):
                value, entity, field = fake.name(), PERSON, "{name}"
            else:
                value, entity, field = fake.address().rsplit(" ", 1)[0], LOCATION, "{address}"
            template = template.replace(field, value, 1)
            values.append((entity, value))
        out.append((template, values))
    return out


def test_faker_names_and_addresses_are_found_in_sentences() -> None:
    expected = found_right = 0
    for text, values in faker_sentences(120):
        names = found(PERSON_RECOGNIZER, text)
        addresses = found(LOCATION_RECOGNIZER, text)
        for entity, value in values:
            expected += 1
            found_right += value in (names if entity == PERSON else addresses)
        assert set(names) <= {v for e, v in values if e == PERSON}, text  # nothing else
        assert set(addresses) <= {v for e, v in values if e == LOCATION}, text
    assert found_right / expected >= 0.95


# --- through Presidio's AnalyzerEngine ----------------------------------------------------

@pytest.fixture(scope="module")
def engine() -> AnalyzerEngine:
    registry = RecognizerRegistry(supported_languages=[LANGUAGE])
    registry.add_recognizer(PersonRecognizer())
    registry.add_recognizer(LocationRecognizer())
    return AnalyzerEngine(nlp_engine=make_nlp_engine(), registry=registry,
                          supported_languages=[LANGUAGE])


def analyze(engine: AnalyzerEngine, text: str) -> list[RecognizerResult]:
    return engine.analyze(text=text, language=LANGUAGE, return_decision_process=True)


def span(text: str, part: str) -> tuple[int, int]:
    return text.index(part), text.index(part) + len(part)


def test_nlp_engine_is_offline_cached_and_sets_lemmas() -> None:
    assert make_nlp_engine() is make_nlp_engine()
    artifacts = make_nlp_engine().process_text("户主王秀英，联系电话", LANGUAGE)
    assert [t.text for t in artifacts.tokens][:2] == ["户主", "王"]  # jieba's segmentation
    assert artifacts.lemmas[0] == "户主"


def test_a_context_word_raises_a_weak_names_score(engine: AnalyzerEngine) -> None:
    # 毕 is a rare surname: without a context word the name stays under the threshold.
    text = "这是本村的毕桂兰"
    alone = analyze(engine, text)
    assert [(r.entity_type, r.start, r.end) for r in alone] == [(PERSON, *span(text, "毕桂兰"))]
    assert alone[0].score < THRESHOLD
    text = "联系人是本村的毕桂兰"
    with_context = analyze(engine, text)
    assert [(r.entity_type, r.start, r.end) for r in with_context] == [
        (PERSON, *span(text, "毕桂兰"))]
    assert with_context[0].score >= THRESHOLD
    assert with_context[0].score == pytest.approx(alone[0].score + 0.35)
    assert with_context[0].analysis_explanation.supportive_context_word == "联系人"


def test_a_context_word_raises_a_weak_address(engine: AnalyzerEngine) -> None:
    assert analyze(engine, "8栋2单元301室")[0].score < THRESHOLD
    text = "现住址在8栋2单元301室"
    lifted = analyze(engine, text)
    assert [(r.entity_type, r.start, r.end) for r in lifted] == [
        (LOCATION, *span(text, "8栋2单元301室"))]
    assert lifted[0].score >= THRESHOLD


def test_a_context_word_next_to_a_name_is_counted_once(engine: AnalyzerEngine) -> None:
    # 户主 right before the name is counted by the recognizer (tables have no enhancer);
    # Presidio's enhancer must not add it a second time.
    direct = PERSON_RECOGNIZER.analyze("这是本村户主毕桂兰", [PERSON], None)
    through = analyze(engine, "这是本村户主毕桂兰")
    assert [r.score for r in through] == [r.score for r in direct]


def test_sentence_through_the_engine(engine: AnalyzerEngine) -> None:
    text = "户主王秀英，住安徽省宿州市泗县泗城镇东关路123号，联系电话13812345678。"
    results = [(r.entity_type, text[r.start:r.end]) for r in analyze(engine, text)
               if r.score >= THRESHOLD]
    assert sorted(results) == [(LOCATION, "安徽省宿州市泗县泗城镇东关路123号"), (PERSON, "王秀英")]
