"""The fake platform's service side: a token endpoint and JSON service URLs, over mocked requests.

The token endpoint checks the tool's client assertion as a platform does: signed by a key in
the tool's published JWKS, issued by and about the tool's client ID, meant for the token URL.
"""

import itertools
import json as jsonlib

import jwt
import requests

from tests.lti.platform import FakePlatform


class FakeHttpResponse:
    def __init__(self, status: int, data=None, headers: dict | None = None):
        self.status_code = status
        self.ok = 200 <= status < 400
        self._data = data
        self.headers = requests.structures.CaseInsensitiveDict(headers or {})
        self.text = jsonlib.dumps(data) if data is not None else ""
        self.content = self.text.encode()

    def json(self):
        if self._data is None:
            raise ValueError("no JSON")
        return self._data


class FakeServices:
    """Install with `install(monkeypatch)`; `routes[(method, url)]` answers service calls."""

    def __init__(self, platform: FakePlatform, client):
        self.platform = platform
        self.client = client  # Django test client, to read the tool's JWKS as a platform would
        self.token_requests: list[dict] = []
        self.service_requests: list[tuple[str, str, dict]] = []
        self.routes: dict = {}
        self.token_status = 200
        self.expires_in = 3600
        self._counter = itertools.count(1)
        self.issued: set[str] = set()
        self.fail_with: Exception | None = None

    def verify_assertion(self, assertion: str) -> dict:
        jwks = self.client.get("/lti/jwks/").json()
        kid = jwt.get_unverified_header(assertion)["kid"]
        key = next(k for k in jwks["keys"] if k["kid"] == kid)
        return jwt.decode(
            assertion,
            jwt.PyJWK(key).key,
            algorithms=["RS256"],
            audience=self.platform.auth_token_url,
            issuer=self.platform.client_id,
            options={"require": ["exp", "iat", "jti", "sub"]},
        )

    def install(self, monkeypatch) -> None:
        services = self

        def post(session, url, data=None, headers=None, timeout=None, **kwargs):
            assert timeout, "a request to the platform without a time limit"
            if url != services.platform.auth_token_url:
                return request(session, "POST", url, headers=headers, timeout=timeout, **kwargs)
            if services.fail_with:
                raise services.fail_with
            claims = services.verify_assertion(data["client_assertion"])
            assert claims["sub"] == services.platform.client_id
            assert data["grant_type"] == "client_credentials"
            assert data["client_assertion_type"].endswith("jwt-bearer")
            services.token_requests.append(data)
            if services.token_status != 200:
                return FakeHttpResponse(services.token_status, {"error": "invalid_client"})
            token = f"token-{next(services._counter)}"
            services.issued.add(token)
            return FakeHttpResponse(
                200,
                {
                    "access_token": token,
                    "token_type": "Bearer",
                    "expires_in": services.expires_in,
                    "scope": data["scope"],
                },
            )

        def request(session, method, url, headers=None, timeout=None, **kwargs):
            assert timeout, "a request to the platform without a time limit"
            if services.fail_with:
                raise services.fail_with
            services.service_requests.append((method, url, dict(headers or {})))
            bearer = (headers or {}).get("Authorization", "").removeprefix("Bearer ")
            if bearer not in services.issued:
                return FakeHttpResponse(401, {"error": "invalid token"})
            answer = services.routes.get((method, url))
            if answer is None:
                return FakeHttpResponse(404, {"error": "not found"})
            return answer() if callable(answer) else answer

        monkeypatch.setattr(requests.Session, "post", post)
        monkeypatch.setattr(requests.Session, "request", request)
