"""Access profiles: the share/open/grading elements a catalog entry takes as a set.

Art. 25 of the county regulation: unconditional, conditional or no sharing; the
latter two state a legal basis. Core-graded data is never opened.
"""

from __future__ import annotations

from dataclasses import dataclass

COUNTY_RULES = "《泗县政务数据资源管理办法》第二十五条"
PROVINCE_RULES = "《安徽省政务数据资源管理办法》"
OPEN_GOV = "《中华人民共和国政府信息公开条例》第二十条"
DSL = "《中华人民共和国数据安全法》第二十一条"
PIPL_STATE = "《中华人民共和国个人信息保护法》第三十四条"
PIPL_SENSITIVE = "《中华人民共和国个人信息保护法》第二十八条"

SOURCE_NOTE = "使用数据须注明来源“泗县政务数据共享开放平台”，不得歪曲数据原意，不得用于违法违规用途。"
SHARE_NOTE = ("仅限申请部门在履行法定职责范围内使用，不得超范围使用或向第三方提供；"
              "使用情况接受县数据资源管理局监测和审计。")


@dataclass(frozen=True)
class Profile:
    share_type: str
    open_type: str
    grading: str
    share_method: str
    laws: tuple[str, ...]
    use_requirements: str
    required_materials: tuple[str, ...]
    share_condition: str = ""
    open_condition: str = ""
    personal: bool = False


_OPEN_CONDITION = ("申请人须在平台完成实名注册，提交开放利用申请并签署《政务数据开放利用协议》，"
                   "说明数据用途和安全保护措施；经数据提供部门和县数据资源管理局审核同意后，"
                   "在约定范围和期限内使用。")
_SHARE_CONDITION = ("申请部门须说明应用场景、使用范围和期限，经提供部门同意并由县数据资源管理局在"
                    "7个工作日内审核；通过平台接口按需调用，不得批量留存。")
_PERSONAL_CONDITION = ("仅向依法承担相关审核、监管或服务职责的政务部门共享；申请须说明应用场景、"
                       "使用范围和期限，经县数据资源管理局审核同意；按最小必要原则提供字段，"
                       "公民身份号码等敏感个人信息原则上仅提供核验比对服务，不得留存、转让或公开。")

PROFILES: dict[str, Profile] = {
    "open": Profile(
        "unconditional", "unconditional", "general", "api", (OPEN_GOV, COUNTY_RULES),
        SOURCE_NOTE, ("平台实名注册账号（仅接口调用需要）",)),
    "open-file": Profile(
        "unconditional", "unconditional", "general", "file", (OPEN_GOV, COUNTY_RULES),
        SOURCE_NOTE, ("平台实名注册账号（仅接口调用需要）",)),
    "open-cond": Profile(
        "unconditional", "conditional", "general", "api", (PROVINCE_RULES, COUNTY_RULES),
        SOURCE_NOTE + "仅可在开放利用协议约定的用途内使用。",
        ("政务数据开放利用申请表", "数据使用承诺书", "申请人身份证明或营业执照副本"),
        open_condition=_OPEN_CONDITION),
    "internal": Profile(
        "unconditional", "none", "general", "table_exchange", (COUNTY_RULES,), SHARE_NOTE,
        ("政务数据共享申请表",)),
    "share-cond": Profile(
        "conditional", "conditional", "important", "api", (DSL, PROVINCE_RULES, COUNTY_RULES),
        SHARE_NOTE, ("政务数据共享申请表", "应用场景说明", "数据安全保护承诺书"),
        share_condition=_SHARE_CONDITION, open_condition=_OPEN_CONDITION),
    "share-closed": Profile(
        "conditional", "none", "important", "api", (DSL, PROVINCE_RULES, COUNTY_RULES),
        SHARE_NOTE, ("政务数据共享申请表", "应用场景说明", "数据安全保护承诺书"),
        share_condition=_SHARE_CONDITION),
    "personal": Profile(
        "conditional", "none", "important", "api", (PIPL_STATE, PIPL_SENSITIVE, PROVINCE_RULES),
        SHARE_NOTE + "个人信息的处理应当符合《中华人民共和国个人信息保护法》的规定。",
        ("政务数据共享申请表", "应用场景说明及法定职责依据", "数据安全保护承诺书", "经办人身份证明"),
        share_condition=_PERSONAL_CONDITION, personal=True),
    "personal-none": Profile(
        "none", "none", "important", "table_exchange", (PIPL_SENSITIVE, PIPL_STATE, DSL),
        "不予共享和开放；确需使用的，由数据提供部门依法以核验比对方式提供服务。",
        ("书面协查函", "法定职责依据文件", "经办人身份证明"), personal=True),
    "core": Profile(
        "conditional", "none", "core", "table_exchange",
        (DSL, "《中华人民共和国突发事件应对法》", PROVINCE_RULES),
        "仅在应急处置和物资调度工作中使用，严禁对外提供；使用单位须落实数据安全责任。",
        ("政务数据共享申请表", "应急处置任务说明", "数据安全保护承诺书"),
        share_condition="仅向县应急指挥机构成员单位在应急处置期间共享，须经县应急管理局主要负责人批准。"),
}
