"""The fake platform's grade service: its token endpoint and line items, over mocked requests.

The token endpoint checks the tool's client assertion against the tool's published keys, as a
platform does; the line items take scores only with a bearer token the endpoint issued.
"""

import itertools
import time
from urllib.parse import parse_qs, urlsplit

import jwt

from learnapp.lti import keys

LINEITEMS_PATH = "/api/lti/courses/101/line_items"


class Answer:
    def __init__(self, status: int, data=None, headers=None):
        self.status_code = status
        self.ok = 200 <= status < 300
        self._data = data if data is not None else {}
        self.text = str(self._data)
        self.headers = headers or {}

    def json(self):
        return self._data


class FakeServices:
    """The platform's token endpoint and line items, as requests would reach them."""

    def __init__(self, platform):
        self.platform = platform
        self.tokens: list[str] = []
        self.token_requests: list[dict] = []
        self.scores: list[dict] = []  # each: url, headers, body
        self.lineitems: list[dict] = []
        self.score_status = 200
        self.calls_without_timeout = 0
        self._numbers = itertools.count(1)

    def request(self, session, method, url, *args, **kwargs):
        if not url.startswith(self.platform.origin):
            return self.real_request(session, method, url, *args, **kwargs)
        if kwargs.get("timeout") is None:
            self.calls_without_timeout += 1
        if url == self.platform.auth_token_url and method == "POST":
            return self.token(kwargs["data"])
        headers = kwargs.get("headers") or {}
        bearer = headers.get("Authorization", "")
        if bearer.removeprefix("Bearer ") not in self.tokens:
            return Answer(401, {"error": "unknown token"})
        path = urlsplit(url).path
        if method == "POST" and path.endswith("/scores"):
            self.scores.append({"url": url, "headers": headers, "body": kwargs["json"]})
            return Answer(self.score_status)
        if method == "GET" and path == LINEITEMS_PATH:
            link = parse_qs(urlsplit(url).query).get("resource_link_id", [""])[0]
            return Answer(200, [i for i in self.lineitems if i["resourceLinkId"] == link])
        if method == "POST" and path == LINEITEMS_PATH:
            made = kwargs["json"] | {
                "id": f"{self.platform.origin}{LINEITEMS_PATH}/{100 + len(self.lineitems)}"
            }
            self.lineitems.append(made)
            return Answer(201, made)
        return Answer(404)

    def token(self, data: dict) -> Answer:
        """The client-credentials grant with a JWT assertion signed by one of the tool's keys."""
        self.token_requests.append(data)
        assert data["grant_type"] == "client_credentials"
        assert data["client_assertion_type"] == (
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
        )
        assertion = data["client_assertion"]
        kid = jwt.get_unverified_header(assertion)["kid"]
        [public] = [k for k in keys.jwks()["keys"] if k["kid"] == kid]
        claims = jwt.decode(
            assertion,
            jwt.PyJWK(public).key,
            algorithms=["RS256"],
            audience=self.platform.auth_token_url,
        )
        assert claims["iss"] == claims["sub"] == self.platform.client_id
        assert claims["exp"] > time.time()
        token = f"token-{next(self._numbers)}"
        self.tokens.append(token)
        return Answer(200, {"access_token": token, "token_type": "Bearer", "expires_in": 3600})


def install(services: FakeServices, monkeypatch) -> FakeServices:
    """Answer requests to the platform's origin with `services`; others go out as before."""
    import requests

    services.real_request = requests.Session.request
    monkeypatch.setattr(
        requests.Session,
        "request",
        lambda session, method, url, *a, **kw: services.request(session, method, url, *a, **kw),
    )
    return services
