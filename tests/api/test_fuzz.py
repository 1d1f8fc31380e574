"""Schemathesis over every action of /api/3/openapi.json: no input makes the API answer
5xx, whoever calls (anonymous, an editor's token, the bureau's token), with values the
schema allows and values it does not.

Bounded so the suite stays fast (a few examples per operation, caller and mode, a
fixed seed); bench/fuzz_api.py runs the same with many more examples.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from typing import Any

import pytest

from portal.app import create_app
from portal.services import Portal
from tests.conftest import empty_tables, make_settings
from tests.support.fuzz import FuzzReport, fuzz, seed_portal

MAX_EXAMPLES = 3


@dataclasses.dataclass
class FuzzSite:
    portal: Portal
    app: Any
    callers: dict[str, str | None]


@pytest.fixture(scope="module")
def fuzz_site(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[FuzzSite]:
    empty_tables(database_url)
    portal = Portal(make_settings(tmp_path_factory.mktemp("fuzz"), database_url))
    app = create_app(portal)
    # A view's exception must become the 500 a client sees, not a test-client raise.
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield FuzzSite(portal, app, seed_portal(portal))
    portal.dispose()


def _failures(report: FuzzReport) -> str:
    return report.summary() + "\n" + "\n".join(str(e) for e in report.server_errors[:30])


def test_the_fuzzer_finds_a_server_error_when_there_is_one(
        fuzz_site: FuzzSite, monkeypatch: pytest.MonkeyPatch) -> None:
    """The harness itself: an action that fails is reported, for every caller."""
    def broken(ctx: Any, params: dict[str, Any]) -> Any:
        raise RuntimeError("a bug")

    spec = fuzz_site.portal.actions["tag_list"]
    monkeypatch.setitem(fuzz_site.portal.actions, "tag_list",
                        dataclasses.replace(spec, func=broken))
    report = fuzz(fuzz_site.app, fuzz_site.callers, max_examples=2, only=["tag_list"])
    assert report.requests > 0
    assert {e.caller for e in report.server_errors} == set(fuzz_site.callers)
    assert all(e.status == 500 for e in report.server_errors)


def test_no_generated_request_gets_a_server_error(fuzz_site: FuzzSite) -> None:
    report = fuzz(fuzz_site.app, fuzz_site.callers, max_examples=MAX_EXAMPLES)
    operations = sum(1 + spec.read_only for spec in fuzz_site.portal.actions.values())
    assert report.operations == operations  # every action, GET and POST as it takes them
    assert report.requests >= operations * len(fuzz_site.callers) * 2, report.summary()
    assert report.server_errors == [], _failures(report)
