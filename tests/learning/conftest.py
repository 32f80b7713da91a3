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
def _empty_cache():
    # Learner ids are reused between tests on SQLite, and some results (sandbox challenges) are
    # cached by learner id: each test starts with nothing cached.
    from django.core.cache import cache

    cache.clear()
    yield
