"""Upload names as an attacker sends them: paths, NUL, newlines, a right-to-left override
that disguises an extension, full-width slashes, a name of a thousand characters. What is
kept is the last path segment, NFC, printable, at most 200 characters with its extension;
the download URL is built from the resource id and that name."""

from __future__ import annotations

import io
import unicodedata
from typing import Any
from urllib.parse import quote

import pytest

from portal.actions.upload_names import MAX_LENGTH, safe_filename
from tests.api.helpers import make_user
from tests.resources.conftest import Shelf, upload

CSV = "区域,人口\n城关镇,52000\n".encode()

CASES = [
    ("../../etc/passwd", "passwd"),
    ("..\\..\\windows\\win.ini", "win.ini"),
    ("C:\\Users\\张三\\名单.csv", "名单.csv"),
    ("..／..／etc／passwd", "passwd"),  # full-width solidus
    ("..＼..＼boot.ini", "boot.ini"),  # full-width reverse solidus
    ("a\u2215b\u2044c.csv", "c.csv"),  # division and fraction slashes
    ("a\x00.csv", "a.csv"),
    ("名单.csv\x00.exe", "名单.csv.exe"),
    ("report\r\nSet-Cookie: x=1.csv", "reportSet-Cookie: x=1.csv"),
    ("\u202egpj.exe", "gpj.exe"),  # shows as "exe.jpg" with the override
    ("in\u200bvisible\ufeff.csv", "invisible.csv"),
    ("..", "upload"),
    ("...", "upload"),
    ("", "upload"),
    ("/", "upload"),
    (".htaccess", "upload.htaccess"),
    ("a..b...csv", "a.b.csv"),
    ("trailing. . ", "trailing"),
    ("%2e%2e%2fetc%2fpasswd", "passwd"),  # percent-encoded, decoded first (ckanapi names)
    ("e\u0301cole.csv", "\u00e9cole.csv"),  # NFD in, NFC out
]


@pytest.mark.parametrize(("sent", "kept"), CASES)
def test_names_are_made_harmless(shelf: Shelf, sent: str, kept: str) -> None:
    res = shelf.call("resource_create", {"package_id": "population",
                                         "upload": upload(sent, CSV)})
    assert res["url"].endswith("/download/" + quote(kept))
    assert res["url"].startswith(f"{shelf.portal.site_url}/dataset/{res['package_id']}"
                                 f"/resource/{res['id']}/download/")
    assert res["name"] == kept


def test_a_thousand_character_name_keeps_its_extension(shelf: Shelf) -> None:
    sent = "很长的文件名" * 200 + ".xlsx"  # 1,205 characters
    res = shelf.call("resource_create", {"package_id": "population",
                                         "upload": upload(sent, CSV)})
    kept = res["name"]
    assert len(kept) == MAX_LENGTH and kept.endswith(".xlsx")
    assert sent.startswith(kept[:-5])
    assert res["format"] == "XLSX"


@pytest.mark.parametrize("sent", [c[0] for c in CASES] + ["x" * 5000, "\ud800.csv",
                                                         "a/" * 300 + "b", "\n" * 50])
def test_what_is_kept_has_no_separator_control_or_dot_run(sent: str) -> None:
    kept = safe_filename(sent)
    assert kept and len(kept) <= MAX_LENGTH
    assert not any(ch in kept for ch in "/\\\uff0f\uff3c\u2215\u2044")
    assert all(not unicodedata.category(ch).startswith("C") for ch in kept)
    assert ".." not in kept and not kept.startswith(".") and not kept.endswith((".", " "))
    assert unicodedata.is_normalized("NFC", kept)
    assert safe_filename(kept) == kept  # once is enough


def test_names_sent_through_the_api_are_kept_the_same_way(client: Any, shelf: Shelf) -> None:
    token = make_user(shelf.portal, "uploader", sysadmin=True)[1]
    response = client.post("/api/3/action/resource_create", headers={"Authorization": token},
                           data={"package_id": "population",
                                 "upload": (io.BytesIO(CSV), "../../..／etc/\u202epasswd.csv")})
    assert response.status_code == 200, response.get_json()
    res = response.get_json()["result"]
    assert res["name"] == "passwd.csv"
    # The download serves the file under the kept name, found by the resource id.
    download = client.get(res["url"].removeprefix(shelf.portal.site_url),
                          headers={"Authorization": token})
    assert download.status_code == 200
    assert download.data == CSV
    disposition = download.headers["Content-Disposition"]
    assert "passwd.csv" in disposition and ".." not in disposition
