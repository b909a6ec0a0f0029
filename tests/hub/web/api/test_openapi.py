"""The OpenAPI document at /api/v1/openapi.json: the API only, every answer documented, and true to the answers.

openapi-spec-validator is not in the lock, so the document's structure is checked here, and real answers are
validated against its schemas with jsonschema (OpenAPI 3.1 schemas are JSON Schema 2020-12).
"""

from __future__ import annotations

from typing import Any

import httpx
from jsonschema import Draft202012Validator
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from tests.hub.web.api.conftest import AUDITOR, Api, referral_document

SUBMIT = {"200", "201", "400", "401", "403", "409", "413", "415", "429"}
STATUS = {"200", "400", "401", "403", "404", "429"}


def document(api: Api) -> dict[str, Any]:
    with api.client(None) as client:
        answer = client.get("/openapi.json")
    assert answer.status_code == 200 and answer.headers["content-type"] == "application/json"
    found: dict[str, Any] = answer.json()
    return found


def check(spec: dict[str, Any], path: str, method: str, answer: httpx.Response) -> None:
    """The answer's status is documented, and its body is valid against the documented schema."""
    documented = spec["paths"][path][method]["responses"][str(answer.status_code)]
    schema = documented["content"]["application/json"]["schema"]
    registry = Registry().with_resource("urn:api", DRAFT202012.create_resource(spec))
    resolved = {"$ref": "urn:api#" + schema["$ref"].removeprefix("#")} if "$ref" in schema else schema
    Draft202012Validator(resolved, registry=registry).validate(answer.json())


def test_the_document_describes_the_api_and_nothing_else(api: Api) -> None:
    spec = document(api)
    assert spec["openapi"].startswith("3.1")
    assert (spec["info"]["title"], spec["info"]["version"]) == ("MASH Hub referrals API", "1.0.0")
    assert spec["servers"] == [{"url": "/api/v1"}]
    assert set(spec["paths"]) == {"/referrals", "/referrals/{referral_id}/status", "/health"}
    assert set(spec["paths"]["/referrals"]["post"]["responses"]) == SUBMIT
    assert set(spec["paths"]["/referrals/{referral_id}/status"]["get"]["responses"]) == STATUS
    body = spec["paths"]["/referrals"]["post"]["requestBody"]["content"]["application/json"]["schema"]
    assert body == {"$ref": "#/components/schemas/Referral"}
    assert {"Referral", "Subject", "Received", "Problems", "Refusal", "Status"} <= set(spec["components"]["schemas"])
    assert spec["components"]["securitySchemes"]["HTTPBearer"]["scheme"] == "bearer"
    assert spec["paths"]["/referrals"]["post"]["security"] == [{"HTTPBearer": []}]


def test_the_html_pages_are_not_in_it(api: Api) -> None:
    with api.served.client() as client:
        assert client.get("/openapi.json").status_code == 404
        assert client.get("/docs").status_code == 404


def test_real_answers_match_the_document(api: Api) -> None:
    spec = document(api)
    bad = referral_document("REF-2026-API-010")
    del bad["rag"]
    with api.client() as client:
        created = client.post("/referrals", json=referral_document())
        retried = client.post("/referrals", json=referral_document())
        refused = client.post("/referrals", json=bad)
        not_json = client.post("/referrals", content=b"{}", headers={"Content-Type": "text/plain"})
        status = client.get("/referrals/REF-2026-API-001/status")
        missing = client.get("/referrals/REF-2026-API-404/status")
        malformed = client.get("/referrals/not%20an%20id!/status")
    with api.client(AUDITOR) as auditor:
        forbidden = auditor.post("/referrals", json=referral_document("REF-2026-API-011"))
    with api.client(None) as anonymous:
        unauthorised = anonymous.post("/referrals", json=referral_document())
        health = anonymous.get("/health")
    answers = [
        ("/referrals", "post", created, 201),
        ("/referrals", "post", retried, 200),
        ("/referrals", "post", refused, 400),
        ("/referrals", "post", not_json, 415),
        ("/referrals", "post", forbidden, 403),
        ("/referrals", "post", unauthorised, 401),
        ("/referrals/{referral_id}/status", "get", status, 200),
        ("/referrals/{referral_id}/status", "get", missing, 404),
        ("/referrals/{referral_id}/status", "get", malformed, 400),
        ("/health", "get", health, 200),
    ]
    for path, method, answer, expected in answers:
        assert answer.status_code == expected, (path, answer.text)
        check(spec, path, method, answer)


def test_the_referral_schema_accepts_the_sample_and_refuses_a_missing_field(api: Api) -> None:
    spec = document(api)
    registry = Registry().with_resource("urn:api", DRAFT202012.create_resource(spec))
    validator = Draft202012Validator({"$ref": "urn:api#/components/schemas/Referral"}, registry=registry)
    assert validator.is_valid(referral_document())
    bad = referral_document()
    del bad["narrative"]
    assert not validator.is_valid(bad)
