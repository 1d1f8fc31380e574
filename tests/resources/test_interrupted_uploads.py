"""An upload cut off half-way, over real HTTP, leaves no record and no file."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable
from typing import Any

import requests

from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params, package_params
from tests.resources.conftest import blob_files

BOUNDARY = "----shuyuan-test-boundary"
FILE_BYTES = 8 * 1024 * 1024


def setup_entry(portal: Portal) -> str:
    portal.call("organization_create", org_params("stats"), user=SYSTEM)
    portal.call("package_create", package_params("population", "stats"), user=SYSTEM)
    return make_user(portal, "uploader", sysadmin=True)[1]


def multipart_head() -> bytes:
    return (
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"package_id\"\r\n\r\n"
        f"population\r\n"
        f"--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"upload\"; "
        f"filename=\"big.csv\"\r\nContent-Type: text/csv\r\n\r\n"
    ).encode()


def multipart_tail() -> bytes:
    return f"\r\n--{BOUNDARY}--\r\n".encode()


def request_head(port: int, token: str, length: int) -> bytes:
    return (
        f"POST /api/3/action/resource_create HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        f"Authorization: {token}\r\n"
        f"Content-Type: multipart/form-data; boundary={BOUNDARY}\r\n"
        f"Content-Length: {length}\r\n\r\n"
    ).encode()


def open_channels(server: Any) -> int:
    return len(server._server._map)  # waitress's sockets: the listener plus one per client


def wait_until(check: Callable[[], bool], timeout: float = 15.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


def resource_count(portal: Portal) -> int:
    return portal.call("package_show", {"id": "population"}, user=SYSTEM)["num_resources"]


def test_client_disconnecting_mid_upload_leaves_nothing(live_server_factory: Any) -> None:
    server, portal = live_server_factory()
    token = setup_entry(portal)
    idle = open_channels(server)
    body_length = len(multipart_head()) + FILE_BYTES + len(multipart_tail())
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(request_head(server.port, token, body_length) + multipart_head())
        sock.sendall(b"x" * (FILE_BYTES // 2))
        assert wait_until(lambda: open_channels(server) > idle)
    # The connection is gone once the server has noticed the client left.
    assert wait_until(lambda: open_channels(server) == idle)
    assert resource_count(portal) == 0
    assert blob_files(portal) == []

    # The same upload, complete, goes through: the check above would have seen its file.
    complete = multipart_head() + b"x" * FILE_BYTES + multipart_tail()
    response = requests.post(
        f"{server.url}/api/3/action/resource_create", data=complete, timeout=30,
        headers={"Authorization": token,
                 "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.status_code == 200, response.text
    sha = response.json()["result"]["hash"]
    assert blob_files(portal) == [f"{sha[:2]}/{sha[2:4]}/{sha}"]
    assert resource_count(portal) == 1


def test_a_body_that_ends_inside_the_file_stores_nothing(live_server_factory: Any) -> None:
    """The request is framed completely, but the multipart body stops mid-file."""
    server, portal = live_server_factory()
    token = setup_entry(portal)
    truncated = multipart_head() + b"y" * (FILE_BYTES // 4)
    response = requests.post(
        f"{server.url}/api/3/action/resource_create", data=truncated, timeout=30,
        headers={"Authorization": token,
                 "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})
    assert response.json()["success"] is False
    assert resource_count(portal) == 0
    assert blob_files(portal) == []
