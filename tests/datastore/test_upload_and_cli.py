"""The two ways a file gets into the datastore: a multipart upload through the Action
API (loaded in the background), and `shuyuan datastore load` (with a progress bar)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from portal.services import Portal
from tests.api.helpers import Api
from tests.conftest import Accounts
from tests.datastore.conftest import Shelf

SHUYUAN = Path(sys.executable).parent / "shuyuan"
CSV = "乡镇,人口,统计日期\n泗城镇,10250,2024-01-01\n墩集镇,8000,2024-01-01\n".encode("gbk")


def test_an_upload_over_http_is_loaded_in_the_background(client: Any, portal: Portal,
                                                         accounts: Accounts, shelf: Shelf) -> None:
    _, token = accounts.user("uploader", roles={"edu": "editor"})
    api = Api(client)
    status, body = api.post("resource_create", token=token, data={
        "package_id": shelf.dataset["id"], "name": "人口",
        "upload": (io.BytesIO(CSV), "人口.csv")}, content_type="multipart/form-data")
    assert status == 200, body
    made = body["result"]
    assert made["datastore_status"] == "pending" and not made["datastore_active"]
    shelf.wait()
    shown = api.get("resource_show", {"id": made["id"]}, token=token)[1]["result"]
    assert (shown["datastore_status"], shown["datastore_active"]) == ("active", True)
    status, body = api.get("datastore_search", {"resource_id": made["id"], "sort": "人口"},
                           token=token)
    assert [r["乡镇"] for r in body["result"]["records"]] == ["墩集镇", "泗城镇"]
    package = api.get("package_show", {"id": shelf.dataset["id"]}, token=token)[1]["result"]
    assert package["resources"][0]["datastore_active"] is True


def run_cli(portal: Portal, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "SHUYUAN_STORAGE_VAR_DIR": str(portal.var_dir),
           "SHUYUAN_DATABASE_URL": portal.settings.database_url,
           "SHUYUAN_DATASTORE_AUTO_LOAD": "false"}
    env.pop("SHUYUAN_CONFIG", None)
    return subprocess.run([str(SHUYUAN), *args], capture_output=True, text=True, env=env,
                          timeout=120, check=False)


def test_the_cli_loads_a_resource_with_a_progress_bar(portal: Portal, shelf: Shelf) -> None:
    rows = "\n".join(f"{i},第{i}小学,{i * 3}" for i in range(1, 12001))
    res = shelf.upload("学校.csv", f"编号,名称,人数\n{rows}\n".encode())
    shelf.call("datastore_delete", {"resource_id": res["id"]})
    done = run_cli(portal, "datastore", "load", res["id"])
    assert done.returncode == 0, done.stderr
    assert f"loaded 12000 rows into {res['id']}" in done.stdout
    assert "reading" in done.stderr and "rows" in done.stderr  # the tqdm bar
    assert "Traceback" not in done.stderr
    assert shelf.show(res["id"])["datastore_active"]
    assert shelf.call("datastore_info", {"id": res["id"]})["meta"]["count"] == 12000


def test_the_cli_says_why_a_load_failed(portal: Portal, shelf: Shelf) -> None:
    res = shelf.upload("图片.csv", b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    done = run_cli(portal, "datastore", "load", res["id"])
    assert done.returncode == 1
    assert "load failed: 图片.csv is not a text table" in done.stderr
    missing = run_cli(portal, "datastore", "load", "no-such-resource")
    assert missing.returncode == 1 and "Resource not found" in missing.stderr
    assert "Traceback" not in done.stderr + missing.stderr
