"""/api/3/openapi.json: a valid OpenAPI 3.1 document, generated from the action registry
and the actions' declared schemas, describing every action as the API takes it."""

from __future__ import annotations

from typing import Any

import pytest
from openapi_spec_validator import validate
from openapi_spec_validator.validation.exceptions import OpenAPIValidationError

from portal.actions.registry import ActionSpec
from portal.api import openapi
from portal.core.validation import boolean, integer, optional, reference, required, string
from tests.api.conftest import Site


def doc(client: Any) -> dict[str, Any]:
    response = client.get("/api/3/openapi.json")
    assert response.status_code == 200 and response.mimetype == "application/json"
    return response.get_json()


def post_schema(document: dict[str, Any], action: str) -> dict[str, Any]:
    body = document["paths"][f"/api/3/action/{action}"]["post"]["requestBody"]
    return body["content"]["application/json"]["schema"]


def test_the_document_is_valid_openapi_3_1(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    assert document["openapi"].startswith("3.1")
    validate(document)  # raises on any violation of the OpenAPI 3.1 schema


def test_the_validator_would_refuse_a_broken_document(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    document["paths"]["/api/3/action/package_show"]["get"]["responses"] = "none"
    with pytest.raises(OpenAPIValidationError):
        validate(document)


def test_every_registered_action_appears_with_the_methods_the_api_takes(
        shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    actions: dict[str, ActionSpec] = shared_site.portal.actions
    assert set(document["paths"]) == {f"/api/3/action/{name}" for name in actions}
    for name, spec in actions.items():
        methods = set(document["paths"][f"/api/3/action/{name}"])
        assert methods == ({"get", "post"} if spec.read_only else {"post"}), name
    # ...and the API agrees: a write action called with GET is refused.
    status, body = shared_site.api.get("package_create")
    assert status == 400 and body["error"]["__type"] == "Bad request"


def test_parameters_come_from_the_declared_schemas(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    show = post_schema(document, "package_show")
    assert show["required"] == ["id"] and show["properties"]["id"]["type"] == "string"
    org = post_schema(document, "organization_show")
    assert org["properties"]["include_datasets"]["type"] == "boolean"
    assert "required" in org and "include_datasets" not in org["required"]
    search = document["paths"]["/api/3/action/package_search"]["get"]["parameters"]
    by_name = {p["name"]: p for p in search}
    assert {"q", "fq", "rows", "start", "facet.field"} <= set(by_name)
    assert by_name["rows"]["schema"]["type"] == "integer"
    assert not any(p["required"] for p in search)


def test_a_new_action_is_described_without_anyone_writing_its_description() -> None:
    def pick(ctx: Any, params: dict[str, Any]) -> Any:
        """Pick a thing. Params: thing, count, loud."""

    spec = ActionSpec("thing_pick", pick, True, pick.__doc__ or "", {
        "thing": [reference], "count": [optional, integer(1, 9)], "loud": [boolean],
        "note": [required, string(20)],
    })
    document = openapi.document({"thing_pick": spec}, {})
    validate(document)
    body = post_schema(document, "thing_pick")
    assert body["required"] == ["thing", "loud", "note"]
    assert body["properties"]["count"] == {"type": "integer", "minimum": 1, "maximum": 9}
    assert body["properties"]["note"] == {"type": "string", "maxLength": 20}
    get = document["paths"]["/api/3/action/thing_pick"]["get"]
    assert get["summary"] == "Pick a thing. Params: thing, count, loud."


def test_the_text_comes_from_the_api_docs(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    search = document["paths"]["/api/3/action/package_search"]["post"]
    assert "facet.field" in search["description"] and "###" not in search["description"]


def test_answers_are_described_as_ckans_envelopes(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    responses = document["paths"]["/api/3/action/package_show"]["post"]["responses"]
    named = document["components"]["responses"]

    def schema(status: str) -> dict[str, Any]:
        response = named[responses[status]["$ref"].rsplit("/", 1)[-1]]
        return response["content"]["application/json"]["schema"]

    assert schema("200") == {"$ref": "#/components/schemas/Success"}
    assert schema("409") == schema("default") == {"$ref": "#/components/schemas/Failure"}
    failure = document["components"]["schemas"]["Failure"]
    assert failure["required"] == ["help", "success", "error"]
    # A real refusal has that shape.
    status, body = shared_site.api.post("package_show", {})
    assert status == 409 and set(body) == {"help", "success", "error"}


def test_uploads_are_described_as_multipart(shared_site: Site) -> None:
    document = doc(shared_site.api.client)
    content = document["paths"]["/api/3/action/resource_create"]["post"]["requestBody"]["content"]
    upload = content["multipart/form-data"]["schema"]["properties"]["upload"]
    assert upload == {"type": "string", "format": "binary"}
    show = document["paths"]["/api/3/action/package_show"]["post"]["requestBody"]["content"]
    assert set(show) == {"application/json", "application/x-www-form-urlencoded"}


def test_the_api_root_links_the_document(shared_site: Site) -> None:
    response = shared_site.api.client.get("/api/3")
    assert response.get_json() == {"version": 3, "openapi": "/api/3/openapi.json"}
    assert response.headers["Link"] == '</api/3/openapi.json>; rel="service-desc"'

