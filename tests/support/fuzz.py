"""Schemathesis over the Action API's OpenAPI document, in process (WSGI).

Every operation of /api/3/openapi.json is called with cases schemathesis generates
(positive: values the schema allows; negative: values it does not), once per caller
(anonymous, a signed-in user's token, a sysadmin's token), and each response is
checked with schemathesis's `not_a_server_error` only: the run records every 5xx
instead of stopping at the first, so one run shows all the causes.

Used by tests/api/test_fuzz.py (few examples, a fixed seed) and bench/fuzz_api.py
(more examples).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

import schemathesis
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core import NotSet
from schemathesis.core.failures import FailureGroup
from schemathesis.errors import SchemathesisError

from portal.core.context import SYSTEM
from portal.services import Portal
from tests.api.helpers import make_user
from tests.conftest import org_params, package_params

MODES = (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)


def seed_portal(portal: Portal) -> dict[str, str | None]:
    """A department with an editor, the bureau, a published entry with a datastore table:
    something for the fuzzed calls to find. Returns the callers: name -> API token."""
    portal.call("organization_create", org_params("edu"), user=SYSTEM)
    portal.call("group_create", {"name": "theme", "title": "主题"}, user=SYSTEM)
    bureau, admin_token = make_user(portal, "bureau", sysadmin=True)
    editor_token = make_user(portal, "editor", roles={"edu": "editor"})[1]
    entry = portal.call("package_create", package_params(
        "schools", "edu", resources=[{"name": "名单", "url": "http://example.cn/schools.csv"}]),
        user=bureau)
    portal.call("datastore_create", {
        "resource_id": entry["resources"][0]["id"], "force": True,
        "fields": [{"id": "学校", "type": "text"}, {"id": "学生数", "type": "int"}],
        "records": [{"学校": "泗县第一中学", "学生数": 2400}, {"学校": "草沟中学", "学生数": 900}],
    }, user=bureau)
    return {"anonymous": None, "editor": editor_token, "sysadmin": admin_token}


@dataclass
class ServerError:
    operation: str
    caller: str
    mode: str
    status: int
    request: str
    response: str

    def __str__(self) -> str:
        return (f"{self.status} {self.operation} as {self.caller} ({self.mode}): "
                f"{self.request}\n    -> {self.response}")


@dataclass
class FuzzReport:
    requests: int = 0
    statuses: Counter[int] = field(default_factory=Counter)
    operations: int = 0
    unsent: int = 0
    server_errors: list[ServerError] = field(default_factory=list)

    def summary(self) -> str:
        by_status = ", ".join(f"{s}: {n}" for s, n in sorted(self.statuses.items()))
        return (f"{self.requests} requests over {self.operations} operations "
                f"({by_status}; {self.unsent} cases not sendable); "
                f"{len(self.server_errors)} server errors")


def _describe_request(case: Any) -> str:
    parts = [f"{case.method} {case.formatted_path}"]
    if case.query:
        parts.append(f"query={case.query!r}"[:300])
    if case.body is not None and not isinstance(case.body, NotSet):
        parts.append(f"body={case.body!r}"[:500])
    if case.media_type:
        parts.append(case.media_type)
    return " ".join(parts)


def fuzz(app: Any, callers: Mapping[str, str | None], *, max_examples: int,
         random_seed: int = 15, modes: Iterable[GenerationMode] = MODES,
         only: Iterable[str] | None = None) -> FuzzReport:
    """Fuzz every operation (or those whose path ends with a name in `only`)."""
    schema = schemathesis.openapi.from_wsgi("/api/3/openapi.json", app)
    wanted = set(only or ())
    report = FuzzReport()
    for result in schema.get_all_operations():
        operation = result.ok()
        if wanted and operation.path.rsplit("/", 1)[-1] not in wanted:
            continue
        report.operations += 1
        for mode in modes:
            strategy = operation.as_strategy(generation_mode=mode)
            for caller, token in callers.items():
                _run(strategy, report, operation.label, caller, token, mode,
                     max_examples, random_seed)
    return report


def _run(strategy: Any, report: FuzzReport, label: str, caller: str, token: str | None,
         mode: GenerationMode, max_examples: int, random_seed: int) -> None:
    headers = {"Authorization": token} if token else {}

    @seed(random_seed)
    @settings(max_examples=max_examples, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
              derandomize=False, report_multiple_bugs=False)
    @given(case=strategy)
    def call(case: Any) -> None:
        if not token:
            # An anonymous case carries no token at all, not a random one.
            for name in list(case.headers or {}):
                if name.lower() in ("authorization", "x-ckan-api-key"):
                    del case.headers[name]
        try:
            response = case.call(headers=headers)
        except SchemathesisError:  # a case schemathesis cannot send (serialization)
            report.unsent += 1
            return
        except Exception as exc:  # the app raised through the WSGI client: a 500 too
            report.requests += 1
            report.server_errors.append(ServerError(
                label, caller, str(mode), 0, _describe_request(case), repr(exc)[:500]))
            return
        report.requests += 1
        report.statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except (Exception, FailureGroup):  # the check's failure: recorded, the run goes on
            report.server_errors.append(ServerError(
                label, caller, str(mode), response.status_code, _describe_request(case),
                response.text[:500]))

    with suppress(Unsatisfiable):  # no case of this mode exists (nothing to get wrong)
        call()
