"""A small county for sharing (Art. 27): two departments, a town, a public utility, the
county government and the bureau, one user per role, a resident and a company, catalog
entries of every share and open type, and the portal's clock (tests/support/clock.py),
which deadlines and grant periods read, set by the tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import fingerprint
from tests.conftest import package_params
from tests.support import county as support
from tests.support.clock import CountyClock

ORGS = {"edu": "department", "health": "department", "town": "town",
        "water": "public_utility", "gov": "government", "bureau-org": "bureau"}
ROLES = {"bureau": {}, "edu-member": {"edu": "member"}, "edu-editor": {"edu": "editor"},
         "edu-admin": {"edu": "admin"}, "health-member": {"health": "member"},
         "health-editor": {"health": "editor"}, "health-admin": {"health": "admin"},
         "town-editor": {"town": "editor"}, "town-admin": {"town": "admin"},
         "water-editor": {"water": "editor"}, "gov-editor": {"gov": "editor"},
         "gov-member": {"gov": "member"}, "resident": {}, "company": {}, "neighbour": {}}
ITEMS = [{"name": n, "type": "text"} for n in ("姓名", "身份证号", "诊断", "就诊日期")]
# name -> (owner, extra fields); made by the bureau, so published.
ENTRIES: dict[str, tuple[str, dict[str, Any]]] = {
    "clinics": ("health", {}),
    "patients": ("health", {"share_type": "conditional", "share_condition": "限诊疗统计使用",
                            "legal_basis": "《基本医疗卫生与健康促进法》", "open_type": "none",
                            "data_items": ITEMS, "required_materials": ["申请函", "安全承诺书"],
                            "resources": [{"name": "patients.csv",
                                           "url": "http://example.cn/patients.csv"}]}),
    "vaccinations": ("health", {"share_type": "conditional", "share_condition": "限防疫使用",
                                "legal_basis": "《疫苗管理法》", "open_type": "none"}),
    "secrets": ("health", {"share_type": "none", "legal_basis": "《保守国家秘密法》",
                           "open_type": "none"}),
    "enrolment": ("edu", {"open_type": "conditional", "open_condition": "实名申请，限研究使用",
                          "resources": [{"name": "enrolment.csv",
                                         "url": "http://example.cn/enrolment.csv"}]}),
    "schools": ("edu", {"resources": [{"name": "schools.csv",
                                       "url": "http://example.cn/schools.csv"}]}),
}
LATER = "2027-06-30"  # a period end within three years of the tests' dates


@dataclass
class County(support.County):
    def share(self, who: str = "edu-editor", org: str = "edu", **params: Any) -> dict[str, Any]:
        """A share request for the conditional `patients` entry unless told otherwise."""
        return self.call(who, "share_request_create", {
            "organization_id": org, "datasets": ["patients"], "scenario": "学生健康档案核验",
            "purpose": "入学体检", "fields": ["姓名", "诊断"], "period_end": LATER,
            "materials": ["申请函", "安全承诺书"], **params})

    def apply(self, who: str = "resident", **params: Any) -> dict[str, Any]:
        return self.call(who, "open_application_create", {
            "dataset": "enrolment", "scenario": "教育研究", "security_measures": "加密存储，专人管理",
            "purpose": "论文", "period_end": LATER, **params})

    def share_grant(self, org: str = "edu", who: str = "edu-editor") -> dict[str, Any]:
        """An approved request of `org` for `patients`: its grant."""
        made = self.share(who=who, org=org)
        self.call("bureau", "share_request_approve", {"id": made["id"]})
        if made["needs_confirmation"]:
            self.call("gov-editor", "share_request_confirm", {"id": made["id"]})
        shown = self.call("bureau", "share_request_show", {"id": made["id"]})
        return self.call("bureau", "grant_show", {"id": shown["grant_id"]})


@pytest.fixture
def county(portal: Portal, clock: CountyClock) -> County:
    county = support.populate(County, portal, ORGS, ROLES, {"bureau"})
    for name, (owner, extra) in ENTRIES.items():
        portal.call("package_create", package_params(name, owner, **extra), user=SYSTEM)
    portal.call("package_create", package_params("health-draft", "health"),
                user=county.users["health-editor"])
    return county


def refused(county: County, who: str, action: str, params: dict[str, Any],
            error: type[Exception]) -> str:
    """The call fails with `error` and leaves every table's row count and the audit head
    as they were; returns the message."""
    before = fingerprint(county.portal)
    with pytest.raises(error) as caught:
        county.call(who, action, params)
    assert fingerprint(county.portal) == before, f"refused {action} by {who} changed data"
    return str(caught.value)
