import functools

import pytest
from jwcrypto.jwk import JWK
from lti_tool.models import Key

from tests.lti.platform import FakePlatform


@functools.cache
def _tool_jwk() -> JWK:
    # The tool makes its key on first use; generating RSA keys in every test is slow.
    return JWK.generate(kty="RSA", size=2048)


@pytest.fixture
def tool_key(db):
    return Key.objects.create_from_jwk(_tool_jwk())


@pytest.fixture
def platform(db, monkeypatch, tool_key):
    platform = FakePlatform()
    platform.register()
    platform.serve_keyset(monkeypatch)
    return platform
