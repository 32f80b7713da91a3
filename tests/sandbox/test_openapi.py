"""The published OpenAPI description matches the API that answers."""

import pytest
from django.urls import resolve

from learnapp.sandbox import openapi

pytestmark = pytest.mark.django_db


@pytest.fixture
def document(client):
    response = client.get("/sandbox/api/openapi.json")
    assert response.status_code == 200 and response["Content-Type"] == "application/json"
    return response.json()


def refs(node):
    if isinstance(node, dict):
        for name, value in node.items():
            if name == "$ref":
                yield value
            else:
                yield from refs(value)
    elif isinstance(node, list):
        for item in node:
            yield from refs(item)


def test_it_is_openapi_3_1_with_a_bearer_scheme(document):
    assert document["openapi"] == "3.1.0"
    assert document["info"]["title"] and document["info"]["version"]
    assert document["components"]["securitySchemes"]["bearer"] == {
        "type": "http",
        "scheme": "bearer",
        "bearerFormat": "sbx_test_<12 hex digits>_<40 hex digits>",
        "description": document["components"]["securitySchemes"]["bearer"]["description"],
    }
    assert document["security"] == [{"bearer": []}]


def test_every_path_and_method_is_served(document):
    assert set(document["paths"]) >= {"/data", "/models", "/chat/completions"}
    for path, operations in document["paths"].items():
        view = resolve("/sandbox/api" + path).func
        for method in operations:
            assert method.upper() in view.sandbox_methods


def test_write_operations_require_the_write_scope(document):
    assert document["paths"]["/chat/completions"]["post"]["security"] == [{"bearer": ["write"]}]
    assert document["paths"]["/data"]["post"]["security"] == [{"bearer": ["write"]}]


def test_errors_describe_the_challenge_and_rate_limit_headers(document):
    data = document["paths"]["/data"]["get"]["responses"]
    assert {"200", "400", "401", "403", "429"} <= set(data)
    assert "WWW-Authenticate" in data["401"]["headers"]
    assert {"Retry-After", "RateLimit", "RateLimit-Policy"} <= set(data["429"]["headers"])
    assert {"RateLimit", "RateLimit-Policy"} <= set(data["200"]["headers"])


def test_every_reference_resolves(document):
    for ref in refs(document):
        node = document
        for part in ref.removeprefix("#/").split("/"):
            node = node[part]
        assert isinstance(node, dict)


def test_operation_ids_are_unique(document):
    ids = [op["operationId"] for ops in document["paths"].values() for op in ops.values()]
    assert len(ids) == len(set(ids))


def test_the_document_is_built_once():
    assert openapi.document() is openapi.document()
