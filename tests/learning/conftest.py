from uuid import uuid4

import pytest

from tests.factories import UserFactory, make_question_set


@pytest.fixture
def question_set(db):
    return make_question_set(slug="keys", title="Keys")


@pytest.fixture
def pattern(question_set):
    return question_set[0]


@pytest.fixture
def versions(question_set):
    return question_set[1]


@pytest.fixture
def learner_client(client, db):
    user = UserFactory(username="ada")
    client.force_login(user)
    client.user = user
    return client


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # Learner ids are reused between tests on SQLite, and some results (sandbox challenges) are
    # cached by learner id: a fresh key prefix per test starts each with nothing cached, without
    # flushing a Redis database that other test processes share (as cache.clear() would).
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-test-{uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}
