"""Licences offered for datasets, in CKAN's license_list shape."""

from __future__ import annotations

from typing import Any

_LICENSES: list[tuple[str, str, str, str]] = [
    # id, title, url, od_conformance
    ("CC-BY-4.0", "Creative Commons Attribution 4.0", "https://creativecommons.org/licenses/by/4.0/", "approved"),
    ("CC-BY-SA-4.0", "Creative Commons Attribution Share-Alike 4.0", "https://creativecommons.org/licenses/by-sa/4.0/", "approved"),
    ("CC0-1.0", "Creative Commons CCZero", "https://creativecommons.org/publicdomain/zero/1.0/", "approved"),
    ("odc-pddl", "Open Data Commons Public Domain Dedication and License (PDDL)", "https://opendatacommons.org/licenses/pddl/1-0/", "approved"),
    ("odc-by", "Open Data Commons Attribution License", "https://opendatacommons.org/licenses/by/1-0/", "approved"),
    ("odc-odbl", "Open Data Commons Open Database License (ODbL)", "https://opendatacommons.org/licenses/odbl/1-0/", "approved"),
    ("cc-by", "Creative Commons Attribution", "https://creativecommons.org/licenses/by/3.0/", "approved"),
    ("cc-by-sa", "Creative Commons Attribution Share-Alike", "https://creativecommons.org/licenses/by-sa/3.0/", "approved"),
    ("cc-zero", "Creative Commons CCZero", "https://creativecommons.org/publicdomain/zero/1.0/", "approved"),
    ("cc-nc", "Creative Commons Non-Commercial (Any)", "https://creativecommons.org/licenses/by-nc/2.0/", "not reviewed"),
    ("gov-open-cn", "政务数据开放使用协议 (Government open data terms of use)", "", "not reviewed"),
    ("other-open", "Other (Open)", "", "approved"),
    ("other-closed", "Other (Not Open)", "", "not reviewed"),
    ("notspecified", "License not specified", "", "not reviewed"),
]


def license_list() -> list[dict[str, Any]]:
    return [
        {
            "id": lid,
            "title": title,
            "url": url,
            "od_conformance": conformance,
            "osd_conformance": "not reviewed",
            "status": "active",
            "maintainer": "",
            "family": "",
            "domain_content": False,
            "domain_data": True,
            "domain_software": False,
            "is_generic": lid.startswith("other") or lid == "notspecified",
            "is_okd_compliant": conformance == "approved",
            "is_osi_compliant": False,
        }
        for lid, title, url, conformance in _LICENSES
    ]


LICENSES_BY_ID: dict[str, dict[str, Any]] = {lic["id"]: lic for lic in license_list()}


def license_title(license_id: str) -> str:
    lic = LICENSES_BY_ID.get(license_id)
    return lic["title"] if lic else license_id
