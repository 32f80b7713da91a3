"""The OpenAPI 3.1 description of the sandbox API, served as JSON."""

import functools

from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_safe

from . import api, ratelimit, scoring, simulate


def _error(description: str, challenge: bool = False, retry: bool = False) -> dict:
    headers = {}
    if challenge:
        headers["WWW-Authenticate"] = {"$ref": "#/components/headers/WWW-Authenticate"}
    if retry:
        headers.update(
            {
                "Retry-After": {"$ref": "#/components/headers/Retry-After"},
                "RateLimit": {"$ref": "#/components/headers/RateLimit"},
                "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"},
            }
        )
    response = {
        "description": description,
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
    }
    if headers:
        response["headers"] = headers
    return response


def _ok(description: str, schema: str, status: str = "200") -> dict:
    return {
        status: {
            "description": description,
            "headers": {
                "RateLimit": {"$ref": "#/components/headers/RateLimit"},
                "RateLimit-Policy": {"$ref": "#/components/headers/RateLimit-Policy"},
            },
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
        }
    }


def _errors(write: bool = False) -> dict:
    errors = {
        "400": _error(
            "The key sent in both the header and the URL (error=invalid_request), or an invalid "
            "body or parameter.",
            challenge=True,
        ),
        "401": _error(
            "No usable credentials (bare challenge), or an empty, malformed, unknown, expired "
            "or revoked key (error=invalid_token).",
            challenge=True,
        ),
        "403": _error(
            "The key may not do this: a read-only key on a write endpoint "
            "(error=insufficient_scope, scope=write), or an address outside its allowed list.",
            challenge=True,
        ),
        "413": _error("The body is larger than 64 KiB."),
        "429": _error(
            "The key's rate limit is used up for this window, or, for requests without a valid "
            "key, the client address's budget is.",
            retry=True,
        ),
        "431": _error("A header field is too large."),
        "500": _error(
            "A simulated crash, asked for with X-Sandbox-Fault: 500 (code internal_error)."
        ),
        "503": _error(
            "A simulated outage, asked for with X-Sandbox-Fault: 503 (code service_unavailable); "
            f"Retry-After says to come back in {simulate.FAULT_RETRY_AFTER} seconds.",
            retry=True,
        ),
    }
    if not write:
        del errors["413"]
    return errors


# Every operation accepts these: what a learner may ask the sandbox to simulate (simulate.py).
SIMULATION = [
    {"$ref": "#/components/parameters/DelayHeader"},
    {"$ref": "#/components/parameters/DelayQuery"},
    {"$ref": "#/components/parameters/FaultHeader"},
    {"$ref": "#/components/parameters/FaultQuery"},
]
_DELAY = {"type": "integer", "minimum": 0, "maximum": simulate.MAX_DELAY_MS}
_FAULT = {"enum": [str(status) for status in simulate.FAULTS]}
_DELAY_TEXT = (
    "Milliseconds the sandbox waits before answering (for a streamed completion, before its "
    f"first token), at most {simulate.MAX_DELAY_MS}; more is refused with 400 invalid_delay. "
    "Give it once, in the header or the query."
)
_FAULT_TEXT = (
    "Answer with a simulated server error instead: 503 with Retry-After, or 500. Anything else "
    "is refused with 400 invalid_fault."
)
PARAMETERS = {
    "DelayHeader": {
        "name": simulate.DELAY_HEADER,
        "in": "header",
        "required": False,
        "description": _DELAY_TEXT,
        "schema": _DELAY,
    },
    "DelayQuery": {
        "name": simulate.DELAY_PARAMETER,
        "in": "query",
        "required": False,
        "description": _DELAY_TEXT,
        "schema": _DELAY,
    },
    "FaultHeader": {
        "name": simulate.FAULT_HEADER,
        "in": "header",
        "required": False,
        "description": _FAULT_TEXT,
        "schema": _FAULT,
    },
    "FaultQuery": {
        "name": simulate.FAULT_PARAMETER,
        "in": "query",
        "required": False,
        "description": _FAULT_TEXT,
        "schema": _FAULT,
    },
}


@functools.cache
def document() -> dict:
    bearer = [{"bearer": []}]
    write = [{"bearer": ["write"]}]  # OpenAPI 3.1: role names for non-OAuth schemes
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "learnapp sandbox API",
            "version": "1.0.0",
            "summary": "A mock model API to practise API keys, status codes and rate limits.",
            "description": (
                "Send `Authorization: Bearer <key>` with a sandbox key from /sandbox/. Every "
                "error body has a machine-readable `error` and a teaching `explanation`, `hint` "
                f"and `lesson`. Each key allows its own number of requests per {ratelimit.WINDOW}"
                "-second window; responses carry the IETF RateLimit header fields. Any request "
                "may ask for a simulated delay (X-Sandbox-Delay-Ms) or server fault "
                "(X-Sandbox-Fault), so that latency percentiles and error budgets have "
                "something to measure; chat completions report token usage, priced per model "
                "(GET /models) and kept with their cost in your access log, and stream as "
                'server-sent events with "stream": true.'
            ),
        },
        "servers": [{"url": "/sandbox/api", "description": "this site"}],
        "security": bearer,
        "paths": {
            "/data": {
                "get": {
                    "operationId": "listData",
                    "summary": "List sample records (scope: read)",
                    "parameters": [
                        *SIMULATION,
                        {
                            "name": "limit",
                            "in": "query",
                            "required": False,
                            "schema": {
                                "type": "integer",
                                "minimum": 1,
                                "maximum": len(api.RECORDS),
                            },
                        },
                    ],
                    "responses": {**_ok("The records.", "RecordList"), **_errors()},
                },
                "post": {
                    "operationId": "createData",
                    "summary": "Pretend to create a record; nothing is stored (scope: write)",
                    "security": write,
                    "parameters": SIMULATION,
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": {"type": "object"}}},
                    },
                    "responses": {
                        **_ok("The record that would be created.", "Created", "201"),
                        **_errors(write=True),
                    },
                },
            },
            "/models": {
                "get": {
                    "operationId": "listModels",
                    "summary": "List the sandbox models and their prices (scope: read)",
                    "parameters": SIMULATION,
                    "responses": {**_ok("The models.", "ModelList"), **_errors()},
                }
            },
            "/chat/completions": {
                "post": {
                    "operationId": "createChatCompletion",
                    "summary": "A deterministic canned chat completion, whole or streamed "
                    "(scope: write)",
                    "description": (
                        'With "stream": true the answer is text/event-stream: one '
                        "chat.completion.chunk event per word, "
                        f"{simulate.CHUNK_DELAY_MS} ms apart, the first after any requested "
                        'delay; a last chunk with finish_reason "stop" (or "length" when '
                        "max_tokens cut it short); with stream_options.include_usage a chunk "
                        'with the usage and no choices; then "data: [DONE]". The sandbox '
                        "counts one token per word."
                    ),
                    "security": write,
                    "parameters": SIMULATION,
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {
                                "schema": {"$ref": "#/components/schemas/ChatRequest"}
                            }
                        },
                    },
                    "responses": {
                        **_chat_ok(),
                        **_errors(write=True),
                    },
                }
            },
            **_evaluate_paths(),
        },
        "components": {
            "parameters": PARAMETERS,
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "bearerFormat": "sbx_test_<12 hex digits>_<40 hex digits>",
                    "description": "A sandbox key, sent as `Authorization: Bearer <key>`. "
                    "Keys in the URL query are refused.",
                }
            },
            "headers": {
                "WWW-Authenticate": {
                    "description": 'The Bearer challenge (RFC 6750 section 3), e.g. `Bearer realm="sandbox", error="invalid_token"`.',
                    "schema": {"type": "string"},
                },
                "Retry-After": {
                    "description": "Seconds to wait before retrying (RFC 9110 section 10.2.3).",
                    "schema": {"type": "integer", "minimum": 1},
                },
                "RateLimit": {
                    "description": 'Remaining quota and seconds to reset, e.g. `"sandbox";r=0;t=17` (draft-ietf-httpapi-ratelimit-headers).',
                    "schema": {"type": "string"},
                },
                "RateLimit-Policy": {
                    "description": 'The quota policy, e.g. `"sandbox";q=60;w=60`.',
                    "schema": {"type": "string"},
                },
            },
            "schemas": {
                "Error": {
                    "type": "object",
                    "required": ["error", "explanation", "hint", "lesson"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["type", "code", "message"],
                            "properties": {
                                "type": {"type": "string", "examples": ["authentication_error"]},
                                "code": {"type": "string", "examples": ["missing_credentials"]},
                                "message": {"type": "string"},
                                "scope": {"type": "string"},
                            },
                        },
                        "explanation": {"type": "string"},
                        "hint": {"type": "string"},
                        "lesson": {
                            "type": "object",
                            "properties": {"title": {"type": "string"}, "url": {"type": "string"}},
                        },
                    },
                },
                "Record": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "city": {"type": "string"},
                        "temperature_c": {"type": "number"},
                        "condition": {"type": "string"},
                    },
                },
                "RecordList": {
                    "type": "object",
                    "properties": {
                        "object": {"const": "list"},
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Record"}},
                        "total": {"type": "integer"},
                    },
                },
                "Created": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"const": "record"},
                        "stored": {"const": False},
                        "fields": {"type": "array", "items": {"type": "string"}},
                    },
                },
                "Model": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"const": "model"},
                        "owned_by": {"type": "string"},
                        "context_window": {"type": "integer"},
                        "pricing": {
                            "type": "object",
                            "description": "US dollars per million tokens, the cost lesson's "
                            "illustrative prices.",
                            "properties": {
                                "currency": {"const": "USD"},
                                "prompt_per_1m_tokens": {"type": "string"},
                                "completion_per_1m_tokens": {"type": "string"},
                            },
                        },
                    },
                },
                "ModelList": {
                    "type": "object",
                    "properties": {
                        "object": {"const": "list"},
                        "data": {"type": "array", "items": {"$ref": "#/components/schemas/Model"}},
                    },
                },
                "ChatRequest": {
                    "type": "object",
                    "required": ["model", "messages"],
                    "properties": {
                        "model": {"enum": [m["id"] for m in api.MODELS]},
                        "messages": {
                            "type": "array",
                            "minItems": 1,
                            "items": {
                                "type": "object",
                                "required": ["role", "content"],
                                "properties": {
                                    "role": {"enum": ["system", "user", "assistant"]},
                                    "content": {"type": "string"},
                                },
                            },
                        },
                        "stream": {"type": "boolean", "default": False},
                        "stream_options": {
                            "type": "object",
                            "description": 'Only with "stream": true.',
                            "properties": {"include_usage": {"type": "boolean"}},
                        },
                        "max_tokens": {"type": "integer", "minimum": 1, "maximum": api.MAX_TOKENS},
                    },
                },
                "Usage": {
                    "type": "object",
                    "properties": {
                        "prompt_tokens": {"type": "integer"},
                        "completion_tokens": {"type": "integer"},
                        "total_tokens": {"type": "integer"},
                    },
                },
                "ChatCompletionChunk": {
                    "type": "object",
                    "description": "One server-sent event's data: a line 'data: {...}' and a "
                    "blank line.",
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"const": "chat.completion.chunk"},
                        "created": {"type": "integer"},
                        "model": {"type": "string"},
                        "choices": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "index": {"type": "integer"},
                                    "delta": {
                                        "type": "object",
                                        "properties": {
                                            "role": {"const": "assistant"},
                                            "content": {"type": "string"},
                                        },
                                    },
                                    "finish_reason": {"enum": [None, "stop", "length"]},
                                },
                            },
                        },
                        "usage": {
                            "oneOf": [{"$ref": "#/components/schemas/Usage"}, {"type": "null"}]
                        },
                    },
                },
                "ChatCompletion": {
                    "type": "object",
                    "properties": {
                        "id": {"type": "string"},
                        "object": {"const": "chat.completion"},
                        "created": {"type": "integer"},
                        "model": {"type": "string"},
                        "choices": {
                            "type": "array",
                            "items": {
                                "type": "object",
                                "properties": {
                                    "index": {"type": "integer"},
                                    "message": {
                                        "type": "object",
                                        "properties": {
                                            "role": {"const": "assistant"},
                                            "content": {"type": "string"},
                                        },
                                    },
                                    "finish_reason": {"type": "string"},
                                },
                            },
                        },
                        "usage": {"$ref": "#/components/schemas/Usage"},
                    },
                },
                **EVALUATE_SCHEMAS,
            },
        },
    }


# -- scoring predictions against a lesson's labelled set (evaluate.py, scoring.py) ---------------

EVALUATED = {
    scoring.EXTRACTION: (
        "Extraction",
        "Exact match and token F1 (SQuAD-style normalisation) per field and item; f1 is the "
        "mean over every item and field, micro_f1 pools their tokens.",
    ),
    scoring.JUDGE: (
        "Judge",
        "Raw agreement, chance agreement, Cohen's kappa and the confusion matrix of your labels "
        "against the human ones.",
    ),
}


def _evaluate_paths() -> dict:
    paths = {}
    for slug, (name, scores) in EVALUATED.items():
        paths[f"/evaluate/{slug}"] = {
            "get": {
                "operationId": f"get{name}Set",
                "summary": f"The {slug} lesson's labelled set, inputs only (scope: read)",
                "parameters": SIMULATION,
                "responses": {
                    **_ok("The task and the items to predict.", "LabelledSet"),
                    **_errors(),
                },
            },
            "post": {
                "operationId": f"score{name}Predictions",
                "summary": "Score predictions for every item of the set (scope: read)",
                "description": scores + " A body that cannot be scored is a 400 that says why.",
                "parameters": SIMULATION,
                "requestBody": {
                    "required": True,
                    "content": {
                        "application/json": {
                            "schema": {"$ref": f"#/components/schemas/{name}Predictions"}
                        }
                    },
                },
                "responses": {**_ok("The scores.", f"{name}Scores"), **_errors(write=True)},
            },
        }
    return paths


_SCORE = {"type": "number", "minimum": 0, "maximum": 1}
EVALUATE_SCHEMAS = {
    "LabelledSet": {
        "type": "object",
        "properties": {
            "pattern": {"type": "string"},
            "task": {"type": "string"},
            "count": {"type": "integer"},
            "fields": {"type": "array", "items": {"type": "string"}},
            "labels": {"type": "array", "items": {"type": "string"}},
            "items": {"type": "array", "items": {"type": "object"}},
        },
    },
    "ExtractionPredictions": {
        "type": "object",
        "required": ["predictions"],
        "properties": {
            "predictions": {
                "type": "array",
                "description": "One entry for each item of the set.",
                "items": {
                    "type": "object",
                    "required": ["id", "fields"],
                    "properties": {
                        "id": {"type": "string", "examples": ["ex-01"]},
                        "fields": {
                            "type": "object",
                            "additionalProperties": {"type": ["string", "null"], "maxLength": 500},
                        },
                    },
                },
            }
        },
    },
    "ExtractionScores": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "exact_match": _SCORE,
            "f1": _SCORE,
            "micro_f1": _SCORE,
            "per_field": {"type": "object"},
            "per_item": {"type": "array", "items": {"type": "object"}},
        },
    },
    "JudgePredictions": {
        "type": "object",
        "required": ["predictions"],
        "properties": {
            "predictions": {
                "type": "array",
                "description": "One entry for each item of the set.",
                "items": {
                    "type": "object",
                    "required": ["id", "label"],
                    "properties": {
                        "id": {"type": "string", "examples": ["j-01"]},
                        "label": {"enum": ["pass", "fail"]},
                    },
                },
            }
        },
    },
    "JudgeScores": {
        "type": "object",
        "properties": {
            "count": {"type": "integer"},
            "agreement": _SCORE,
            "chance_agreement": _SCORE,
            "kappa": {"type": ["number", "null"], "maximum": 1},
            "confusion_matrix": {"type": "object"},
            "per_item": {"type": "array", "items": {"type": "object"}},
        },
    },
}


def _chat_ok() -> dict:
    ok = _ok("The completion.", "ChatCompletion")
    # Each event's data; OpenAPI 3.2 calls this itemSchema, which 3.1 allows only as an extension.
    ok["200"]["content"]["text/event-stream"] = {
        "schema": {"type": "string"},
        "x-itemSchema": {"$ref": "#/components/schemas/ChatCompletionChunk"},
    }
    return ok


@require_safe
def openapi_json(request: HttpRequest) -> JsonResponse:
    response = JsonResponse(document(), json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # so API tools elsewhere can read it
    return response
