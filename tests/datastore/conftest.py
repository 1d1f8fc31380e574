"""A county entry to load tables into, with datastore_search_sql turned on.

Files are uploaded through resource_create as a client would; the load runs in
the portal's background queue and `Shelf.upload` waits for it.
"""

from __future__ import annotations

import io
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import SYSTEM
from portal.services import Portal
from tests.conftest import org_params, package_params


@pytest.fixture(scope="module")
def portal_config() -> dict[str, dict[str, Any]]:
    return {"datastore": {"sql_enabled": True, "sql_timeout_ms": 500}}


class Shelf:
    """An organization with a published entry; uploads wait for their background load."""

    def __init__(self, portal: Portal) -> None:
        self.portal = portal
        portal.call("organization_create", org_params("edu"), user=SYSTEM)
        self.dataset = portal.call("package_create", package_params(
            "schools", "edu", publication_state="published", open_type="none",
            legal_basis="《泗县政务数据管理办法》第二十五条"), user=SYSTEM)
        # Not open: these tests are about loading, and an open entry's table is made from
        # the file the desensitization gate releases (tests/publication covers that).

    def call(self, name: str, params: dict[str, Any], user: Any = SYSTEM) -> Any:
        return self.portal.call(name, params, user=user)

    def wait(self) -> None:
        assert self.portal.jobs.wait_idle(120), "the background load did not finish"

    def upload(self, filename: str, data: bytes, **extra: Any) -> dict[str, Any]:
        res = self.call("resource_create", {"package_id": self.dataset["id"],
                                            "upload": Upload(filename, io.BytesIO(data)),
                                            **extra})
        self.wait()
        return self.show(res["id"])

    def replace(self, rid: str, filename: str, data: bytes) -> dict[str, Any]:
        self.call("resource_patch", {"id": rid, "upload": Upload(filename, io.BytesIO(data))})
        self.wait()
        return self.show(rid)

    def show(self, rid: str) -> dict[str, Any]:
        return self.call("resource_show", {"id": rid})

    def rows(self, rid: str, **params: Any) -> list[dict[str, Any]]:
        found = self.call("datastore_search", {"resource_id": rid, "limit": 32000, **params})
        return found["records"]

    def table(self, fields: list[dict[str, Any]], records: list[dict[str, Any]],
              **extra: Any) -> str:
        """A table pushed through datastore_create on a new resource; its id."""
        made = self.call("datastore_create", {
            "resource": {"package_id": self.dataset["id"], "name": "pushed"},
            "fields": fields, "records": records, **extra})
        return made["resource_id"]


@pytest.fixture
def shelf(portal: Portal) -> Shelf:
    return Shelf(portal)
