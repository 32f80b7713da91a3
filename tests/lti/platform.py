"""A fake LTI 1.3 platform for tests: its own RSA key and JWKS, and the id_tokens it signs.

It stands where Canvas or Moodle would: it starts the OIDC login at the tool, reads the
redirect the tool answers with, and posts a signed id_token back to the tool's launch URL. Its
JWKS is served to pylti1p3 by patching requests' Session.get for the keyset URL only.
"""

import functools
import time
import uuid
from urllib.parse import parse_qs, urlsplit

import jwt
from jwcrypto.jwk import JWK

LTI = "https://purl.imsglobal.org/spec/lti/claim/"
ROLE = "http://purl.imsglobal.org/vocab/lis/v2/membership#"
INSTRUCTOR = [ROLE + "Instructor"]
# A sub-role: its own vocabulary path, with the context role before the fragment.
TEACHING_ASSISTANT = [
    "http://purl.imsglobal.org/vocab/lis/v2/membership/Instructor#TeachingAssistant"
]
LEARNER = [ROLE + "Learner"]


@functools.cache
def new_key(kid: str) -> tuple[str, dict]:
    # Generating RSA keys is slow; one per kid for the whole run is enough.
    key = JWK.generate(kty="RSA", size=2048, kid=kid)
    public = key.export_public(as_dict=True) | {"alg": "RS256", "use": "sig"}
    return key.export_to_pem(private_key=True, password=None).decode(), public


class FakeResponse:
    def __init__(self, data):
        self._data = data
        self.text = str(data)

    def json(self):
        return self._data


class FakePlatform:
    def __init__(self, origin: str = "https://lms.example.test"):
        self.origin = origin
        self.issuer = origin
        self.client_id = "learnapp-client"
        self.deployment_id = "deployment-1"
        self.auth_login_url = f"{origin}/auth"
        self.auth_token_url = f"{origin}/token"
        self.keyset_url = f"{origin}/jwks"
        self.kid = "platform-key-1"
        self.private_pem, self.public_jwk = new_key(self.kid)
        self.keyset_fetches = 0
        self.secure = False  # whether the browser speaks HTTPS to the tool

    # -- registration and JWKS ------------------------------------------------------------------

    def register(self, *extra: str) -> None:
        from django.core.management import call_command

        call_command(
            "ltiplatform",
            "add",
            "--name=Fake LMS",
            f"--issuer={self.issuer}",
            f"--client-id={self.client_id}",
            f"--deployment-id={self.deployment_id}",
            f"--auth-login-url={self.auth_login_url}",
            f"--auth-token-url={self.auth_token_url}",
            f"--keyset-url={self.keyset_url}",
            *extra,
            stdout=open("/dev/null", "w"),  # noqa: SIM115
        )

    def serve_keyset(self, monkeypatch) -> None:
        import requests

        real_get = requests.Session.get
        platform = self

        def get(session, url, *args, **kwargs):
            if url == platform.keyset_url:
                platform.keyset_fetches += 1
                return FakeResponse({"keys": [platform.public_jwk]})
            return real_get(session, url, *args, **kwargs)

        monkeypatch.setattr(requests.Session, "get", get)

    # -- the OIDC login and the launch ------------------------------------------------------------

    def login_params(self, target: str, **overrides) -> dict:
        params = {
            "iss": self.issuer,
            "login_hint": "user-hint-42",
            "target_link_uri": target,
            "lti_message_hint": "message-hint-7",
            "client_id": self.client_id,
            "lti_deployment_id": self.deployment_id,
        }
        params.update(overrides)
        return {key: value for key, value in params.items() if value is not None}

    def login(self, client, target: str, **overrides) -> dict:
        """Start the login at the tool; the authorization request's parameters it redirected to."""
        response = client.get(
            "/lti/login/", self.login_params(target, **overrides), secure=self.secure
        )
        assert response.status_code == 302, response.content.decode()[:500]
        location = urlsplit(response["Location"])
        assert f"{location.scheme}://{location.netloc}{location.path}" == self.auth_login_url
        return {key: values[0] for key, values in parse_qs(location.query).items()}

    def claims(
        self,
        nonce: str,
        *,
        sub: str = "learner-1",
        roles=LEARNER,
        target: str = "",
        context_id: str = "course-101",
        **overrides,
    ) -> dict:
        now = int(time.time())
        claims = {
            "iss": self.issuer,
            "aud": self.client_id,
            "sub": sub,
            "iat": now,
            "exp": now + 300,
            "nonce": nonce,
            "name": f"Name of {sub}",
            "given_name": "Name",
            "family_name": f"of {sub}",
            "email": f"{sub}@school.example",
            LTI + "message_type": "LtiResourceLinkRequest",
            LTI + "version": "1.3.0",
            LTI + "deployment_id": self.deployment_id,
            LTI + "target_link_uri": target,
            LTI + "resource_link": {"id": "link-1", "title": "Keys test"},
            LTI + "roles": roles,
            LTI + "context": {"id": context_id, "label": "CS101", "title": "Web APIs 101"},
        }
        claims.update(overrides)
        return {key: value for key, value in claims.items() if value is not None}

    def sign(self, claims: dict, *, key_pem: str | None = None, kid: str | None = None) -> str:
        return jwt.encode(
            claims, key_pem or self.private_pem, algorithm="RS256", headers={"kid": kid or self.kid}
        )

    def launch(self, client, target: str = "", *, auth: dict | None = None, **claim_args):
        """Log in, then post a signed id_token: the whole launch as the browser makes it."""
        auth = auth or self.login(client, target or "https://testserver/lti/launch/")
        token = self.sign(self.claims(auth["nonce"], target=target, **claim_args))
        response = client.post(
            "/lti/launch/", {"id_token": token, "state": auth["state"]}, secure=self.secure
        )
        response.id_token = token
        return response


def new_id() -> str:
    return uuid.uuid4().hex
