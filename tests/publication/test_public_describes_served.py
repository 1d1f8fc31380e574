"""What the public is shown describes what it is served (issue 13, item 6): a published
open entry's resource size, hash, mimetype, file name and versions are the released
(treated) file's for anyone outside the department and the bureau, on every public
path; the raw file's sha256 and name appear in no anonymous response."""

from __future__ import annotations

import hashlib
import json
from typing import Any
from urllib.parse import unquote

from tests.api.helpers import settle
from tests.publication.conftest import County


def published(county: County) -> dict[str, Any]:
    ds = county.entry()
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    settle(county.portal)
    return ds


def test_the_public_is_shown_the_released_file(county: County, client: Any) -> None:
    ds = published(county)
    own = county.call("edu-editor", "package_show", {"id": ds["id"]})["resources"][0]
    rid, raw_sha = own["id"], own["hash"]
    raw_name = unquote(own["url"].rsplit("/", 1)[-1])
    assert raw_sha and raw_name.endswith(".xlsx")

    served = client.get(f"/dataset/{ds['name']}/resource/{rid}/download")
    assert served.status_code == 200
    body = served.data
    size, sha = len(body), hashlib.sha256(body).hexdigest()
    assert sha != raw_sha  # the treated file
    assert raw_name not in served.headers["Content-Disposition"]
    assert raw_name not in unquote(served.headers["Content-Disposition"])

    # The department (and the bureau) see the raw file; resource_download says what the
    # public is served.
    assert [v["hash"] for v in own["versions"]] == [raw_sha]
    assert county.call("bureau", "resource_show", {"id": rid})["hash"] == raw_sha
    public = county.call("anonymous", "resource_download", {"id": rid})
    assert (public["sha256"], public["size"], public["file"]) == (sha, size, "released")

    # Every public path describes the served file.
    package = county.call("anonymous", "package_show", {"id": ds["id"]})
    resource = county.call("anonymous", "resource_show", {"id": rid})
    search = county.call("anonymous", "package_search", {"q": f"name:{ds['name']}"})
    listed = county.call("anonymous", "current_package_list_with_resources", {})
    [found] = search["results"]
    [in_list] = [p for p in listed if p["id"] == ds["id"]]
    for where, shown in [("package_show", package["resources"][0]), ("resource_show", resource),
                         ("package_search", found["resources"][0]),
                         ("current_package_list_with_resources", in_list["resources"][0])]:
        assert (shown["size"], shown["hash"]) == (size, sha), where
        assert served.headers["Content-Type"].startswith(shown["mimetype"]), where
        assert shown["versions"] == [] and "gate" not in shown, where
        assert raw_name not in unquote(shown["url"]), where
        assert client.get(shown["url"].removeprefix("http://127.0.0.1:5000")).data == body
    info = county.call("anonymous", "datastore_info", {"id": rid})
    assert info["meta"]["count"] > 0

    # The raw sha256 and file name appear in no anonymous response.
    texts = {name: json.dumps(value, ensure_ascii=False) for name, value in [
        ("package_show", package), ("resource_show", resource), ("package_search", search),
        ("current_package_list_with_resources", listed), ("datastore_info", info),
        ("resource_download", county.call("anonymous", "resource_download", {"id": rid}))]}
    texts["entry page"] = client.get(f"/dataset/{ds['name']}").get_data(as_text=True)
    texts["search page"] = client.get("/dataset/").get_data(as_text=True)
    for name, text in texts.items():
        assert raw_sha not in text, name
        assert raw_name not in unquote(text), name
    assert sha in texts["package_show"]

    # A grant-free government caller of another department sees the public's view too.
    other = county.call("health-editor", "package_show", {"id": ds["id"]})["resources"][0]
    assert (other["size"], other["hash"]) == (size, sha)


def test_nothing_released_nothing_described(county: County, client: Any) -> None:
    ds = county.entry(name="closed", resource_code="341324-closed", open_type="none",
                      share_type="conditional", license_id="other-closed")
    county.call("edu-editor", "publication_submit", {"id": ds["id"]})
    county.call("bureau", "publication_approve", {"id": ds["id"]})
    raw_sha = county.call("bureau", "package_show", {"id": ds["id"]})["resources"][0]["hash"]
    shown = county.call("anonymous", "package_show", {"id": ds["id"]})["resources"][0]
    assert (shown["size"], shown["hash"], shown["versions"]) == (None, "", [])
    page = client.get(f"/dataset/{ds['name']}").get_data(as_text=True)
    found = county.call("anonymous", "package_search", {"q": "name:closed"})
    for text in (page, json.dumps(found), json.dumps(shown)):
        assert raw_sha not in text
