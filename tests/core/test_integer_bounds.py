"""Every integer a request carries is range-checked: huge numbers answer 4xx (or 404), never a 500.

The API test walks the OpenAPI document, so an endpoint added later is covered without editing this file.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from townhall.core.ids import MAX_ID, parse_id, parse_page

pytestmark = pytest.mark.django_db

HUGE = [2**63, 2**64, 10**30]


def _is_integer(schema: dict[str, Any]) -> bool:
    if schema.get("type") == "integer":
        return True
    return any(_is_integer(option) for option in schema.get("anyOf", []))


def _operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, methods in spec["paths"].items()
        for method, operation in methods.items()
        if method in ("get", "post", "put", "patch", "delete")
    ]


def _body_schema(spec: dict[str, Any], operation: dict[str, Any]) -> dict[str, Any] | None:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if not content:
        return None
    schema = content["schema"]
    ref = schema.get("$ref")
    if ref:
        schema = spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _cases(spec: dict[str, Any]) -> list[tuple[str, str, str, dict[str, Any], dict[str, Any] | None]]:
    """(method, url, what, query, body) for every integer parameter or body field, set to a huge value."""
    cases = []
    for path, method, operation in _operations(spec):
        params = operation.get("parameters", [])
        base_path = {p["name"]: "1" for p in params if p["in"] == "path"}
        body_schema = _body_schema(spec, operation)
        base_body = None
        if body_schema is not None:
            base_body = {name: "x" for name in body_schema.get("required", [])}
        for param in params:
            if not _is_integer(param.get("schema", {})):
                continue
            for huge in HUGE:
                values = dict(base_path)
                query: dict[str, Any] = {}
                if param["in"] == "path":
                    values[param["name"]] = str(huge)
                else:
                    query[param["name"]] = str(huge)
                url = re.sub(r"\{(\w+)\}", lambda m, v=values: v[m.group(1)], path)
                cases.append((method, url, f"{param['in']} {param['name']}={huge}", query, base_body))
        if body_schema is not None:
            for name, prop in body_schema.get("properties", {}).items():
                if not _is_integer(prop):
                    continue
                url = re.sub(r"\{(\w+)\}", lambda m, v=base_path: v[m.group(1)], path)
                for huge in HUGE:
                    cases.append((method, url, f"body {name}={huge}", {}, {**(base_body or {}), name: huge}))
    return cases


def test_every_integer_api_parameter_refuses_huge_values(client_for: Any, admin: Any) -> None:
    client = client_for(admin)
    spec = client.get("/api/v1/openapi.json").json()
    cases = _cases(spec)
    assert len(cases) >= 30, "the walk should find the id, page and limit parameters"
    failures = []
    for method, url, what, query, body in cases:
        if method == "get":
            response = client.get(url, query)
        else:
            response = getattr(client, method)(
                url + ("?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""),
                data=body or {},
                content_type="application/json",
            )
        if not 400 <= response.status_code < 500:
            failures.append(f"{method.upper()} {url} ({what}) -> {response.status_code}")
    assert not failures, "\n".join(failures)


def _id_routes(resolver: URLResolver | None = None, prefix: str = "") -> list[str]:
    routes = []
    for entry in (resolver or get_resolver()).url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            routes += _id_routes(entry, route)
        elif isinstance(entry, URLPattern) and "<id:" in route:
            routes.append(route)
    return routes


def test_every_page_with_an_id_answers_404_for_huge_ids(client_for: Any, admin: Any) -> None:
    routes = _id_routes()
    assert len(routes) >= 20
    client = client_for(admin)
    failures = []
    for route in routes:
        for huge in (2**64, 10**30):
            url = "/" + re.sub(r"<id:\w+>", str(huge), re.sub(r"<(?:str|slug):\w+>", "x", route))
            for method in ("get", "post"):
                response = getattr(client, method)(url)
                if response.status_code != 404:
                    failures.append(f"{method.upper()} {url} -> {response.status_code}")
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize(
    ("value", "expected"),
    [("12", 12), ("", 0), (None, 0), ("abc", 0), ("-3", 0), (str(MAX_ID), MAX_ID), (str(MAX_ID + 1), 0)],
)
def test_parse_id(value: object, expected: int) -> None:
    assert parse_id(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"), [("3", 3), ("0", 1), ("x", 1), (str(10**30), 1), ("99999999", 100_000)]
)
def test_parse_page(value: object, expected: int) -> None:
    assert parse_page(value) == expected
