"""An organization and an entry to upload files to, made through the actions."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import Any

import pytest

from portal.actions.resources import Upload
from portal.core.context import Caller
from portal.services import Portal
from tests.conftest import org_params, package_params


def upload(name: str, data: bytes) -> Upload:
    return Upload(name, io.BytesIO(data))


def blob_files(portal: Portal) -> list[str]:
    """Every file under the blob folder, temporary ones included, relative to it."""
    root = portal.blobs.root
    if not root.exists():
        return []
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())


@dataclass
class Shelf:
    portal: Portal
    admin: Caller
    entry: dict[str, Any]

    def call(self, name: str, params: dict[str, Any]) -> Any:
        return self.portal.call(name, params, user=self.admin)


@pytest.fixture
def shelf(portal: Portal, sysadmin: Caller) -> Shelf:
    portal.call("organization_create", org_params("stats", title="县统计局"), user=sysadmin)
    entry = portal.call("package_create", package_params("population", "stats",
                                                         title="人口统计"), user=sysadmin)
    return Shelf(portal, sysadmin, entry)
