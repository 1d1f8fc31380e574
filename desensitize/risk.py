"""The re-identification risk of one release, summed up for the reviewer.

    report.to_json()["risk"]
    {"level": "medium", "persons": 1200, "direct_identifiers": 0, "pseudonymised": 1200,
     "quasi_identifiers": ["性别", "出生日期", "住址"], "k": 5, "k_before": 1, "k_after": 5,
     "reasons": [...], "reasons_en": [...]}

- persons: the natural persons the file describes (its rows, when a column holds
  personal data; the names found, in a text file);
- direct identifiers: findings of a person's identifiers or names still in the
  output as they were (kept by the policy, left after treatment, or kept because a
  reviewer confirmed the column is not personal), not those published as declared
  public by law;
- quasi-identifiers: columns that, combined, single people out (k-anonymity's
  roles), with the smallest group before and after generalisation.

Levels: high when a direct identifier remains or k-anonymity was not reached;
medium when pseudonyms, quasi-identifiers, reviewed conflicts or near misses
remain about persons; low otherwise. Only a low risk lets the review say there is
nothing in the way of publication; approving a high risk takes an explicit
acceptance with a reason (the portal's publication_approve).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from desensitize import entities as E

if TYPE_CHECKING:
    from desensitize.report import Report

LOW, MEDIUM, HIGH = "low", "medium", "high"
LEVEL_LABELS = {LOW: "低", MEDIUM: "中", HIGH: "高"}
# A person's own identifiers: an address at street level or an IP address only
# narrows who it is (quasi), these name them.
DIRECT = frozenset(set(E.STRUCTURED) - {E.IP_ADDRESS} | {E.PERSON})
PERSONAL_PROFILES = DIRECT | {E.LOCATION}
_KEPT = ("keep",)
_PSEUDONYMOUS = ("pseudonym", "surrogate")


def assess(report: Report) -> dict[str, Any]:
    direct = pseudonymised = conflicts = near_misses = 0
    describes_people = False
    for col in report.columns:
        if col.declared == "personal" or col.profile_entity in PERSONAL_PROFILES:
            describes_people = True
        if col.conflict:
            conflicts += 1
        if col.declared == "confirmed":  # a reviewer kept them: still a person's, maybe
            direct += col.kept_as_declared
        near_misses += sum(col.near_misses.values())
        for entity, count in col.entities.items():
            if entity not in DIRECT:
                continue
            describes_people = describes_people or entity == E.PERSON
            if count.treatment in _KEPT:
                direct += count.count
            elif count.treatment in _PSEUDONYMOUS:
                pseudonymised += count.count
        if col.treatment != "drop":  # left after treatment (kept ones are counted above)
            direct += sum(n for e, n in col.residual.items()
                          if e in DIRECT and (e not in col.entities
                                              or col.entities[e].treatment not in _KEPT))
    if report.format == "text":
        persons = report.found.get(E.PERSON, 0)
    else:
        persons = report.rows if describes_people else 0
    kanon = report.kanon
    quasi = sorted({c for cols in kanon.quasi_identifiers.values() for c in cols}) if kanon else []
    k_before = kanon.smallest_before if kanon else None
    k_after = kanon.smallest_after if kanon else None
    k = kanon.k if kanon else None

    zh: list[str] = []
    en: list[str] = []
    level = LOW
    if direct:
        level = HIGH
        zh.append(f"输出中仍有 {direct} 处可直接识别个人的信息")
        en.append(f"{direct} direct identifiers of persons remain in the output")
    if kanon is not None and quasi and not kanon.satisfied:
        level = HIGH
        zh.append(f"准标识符组合的最小分组为 {k_after}，未达到 k={k}")
        en.append(f"the smallest group of quasi-identifiers is {k_after}, below k={k}")
    if level != HIGH:
        if pseudonymised:
            level = MEDIUM
            zh.append(f"{pseudonymised} 处标识符以假名保留，可在同一接收方的文件间关联")
            en.append(f"{pseudonymised} identifiers kept as pseudonyms (joinable within "
                      "one recipient's files)")
        if quasi and persons:
            level = MEDIUM
            zh.append(f"保留准标识符（{'、'.join(quasi)}），最小分组 {k_after}")
            en.append(f"quasi-identifiers kept ({', '.join(quasi)}), smallest group {k_after}")
        if conflicts:
            level = MEDIUM
            zh.append(f"{conflicts} 列被识别为个人信息，但信息项未声明：已按个人信息处理，请核对")
            en.append(f"{conflicts} columns hold personal data their data items do not "
                      "declare: treated as personal, please check")
        if near_misses:
            level = MEDIUM
            zh.append(f"{near_misses} 个疑似标识符（校验不符或格式异常）已按标识符处理")
            en.append(f"{near_misses} near-miss identifiers (bad checksum or odd form) "
                      "treated as identifiers")
    if level == LOW:
        if persons:
            zh.append("未发现剩余的个人标识信息")
            en.append("no identifying personal information remains")
        else:
            zh.append("文件未描述自然人")
            en.append("the file does not describe natural persons")
    return {"level": level, "label": LEVEL_LABELS[level], "persons": persons,
            "direct_identifiers": direct, "pseudonymised": pseudonymised,
            "quasi_identifiers": quasi, "k": k, "k_before": k_before, "k_after": k_after,
            "conflicts": conflicts, "near_misses": near_misses,
            "reasons": zh, "reasons_en": en}
