from uuid import uuid4

import pytest


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # Log-in throttle counters live in the cache; a fresh key prefix per test keeps them from
    # leaking between tests. Unlike cache.clear(), that never flushes a Redis database that
    # other test processes or runs share with this one.
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-test-{uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # These tests check hundreds of passwords; the production hasher is slow on purpose.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
