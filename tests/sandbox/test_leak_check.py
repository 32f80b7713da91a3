"""The leak check itself: it must find a planted leak, or its silence proves nothing."""

import logging

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client

from learnapp.sandbox import keys

from .leaks import LeakWatch

pytestmark = pytest.mark.django_db

# Shaped like a key but never minted, so the test's own (autouse) watch does not track it.
PLANTED = "sbx_test_0123456789ab_" + "c" * 40


@pytest.fixture
def watch():
    with LeakWatch() as watch:
        watch.raw_keys.append(PLANTED)
        yield watch


def test_it_finds_a_key_in_a_log_record(watch):
    logging.getLogger("learnapp.sandbox").warning("calling with %s", PLANTED)
    assert any("log record" in p for p in watch.problems())


def test_it_finds_a_key_sent_to_the_database(watch):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s", [PLANTED])
    assert any("stored" in p for p in watch.problems())


def test_it_finds_a_key_written_to_the_cache(watch):
    cache.set("leak-check-" + keys.new_key().key_id, PLANTED, 5)
    assert any("stored" in p for p in watch.problems())


def test_it_finds_a_key_in_a_response(watch, learner_session):
    learner_session.post(
        "/sandbox/playground/",
        {
            "method": "GET",
            "path": "/sandbox/api/data",
            "repeat": 1,
            "header_name": ["X"],
            "header_value": ["1"],
        },
    )
    assert watch.problems() == []  # a clean response
    watch.responses.append(("GET", "/sandbox/playground/", f"<code>{PLANTED}</code>"))
    assert any("responses other than" in p for p in watch.problems())


def test_the_creating_post_itself_may_not_carry_the_key(watch):
    watch.responses.append(("POST", "/sandbox/keys/new/", PLANTED))
    assert any("responses other than" in p for p in watch.problems())


def test_the_page_after_the_creating_post_may_show_it_once(watch):
    watch.responses.append(("GET", "/sandbox/", PLANTED))
    assert watch.problems() == []
    watch.responses.append(("GET", "/sandbox/", PLANTED))
    assert watch.problems() != []


def test_it_sees_every_minted_key(no_raw_key_leaks, make_key):
    _, raw = make_key()
    assert raw in no_raw_key_leaks.raw_keys


def test_it_sees_every_response(no_raw_key_leaks, client):
    Client().get("/sandbox/api/data")
    assert ("GET", "/sandbox/api/data") in [(m, p) for m, p, _ in no_raw_key_leaks.responses]
