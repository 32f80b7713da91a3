"""A preset that needs a particular kind of key says when the pasted key is not that kind."""

from datetime import timedelta

import pytest
from django.utils import timezone

from learnapp.sandbox import playground as pg

NOW = timezone.now()
HOME = "198.51.100.7"


def note(slug, raw, learner):
    return pg.key_note(pg.PRESETS_BY_SLUG[slug], raw, learner, HOME, NOW)


@pytest.mark.parametrize(
    ("slug", "fitting", "unfitting", "says"),
    [
        ("chat", {}, {"scopes": ["read"]}, "needs a key with the write scope"),
        ("read-only", {"scopes": ["read"]}, {}, "needs a key with only the read scope"),
        ("rate-limit", {"rate_limit_per_minute": 5}, {}, "allows 60"),
        ("address", {"allowed_networks": ["203.0.113.0/24"]}, {}, "does not allow your address"),
    ],
)
def test_a_key_that_does_not_fit_the_preset_is_named(
    make_key, learner, slug, fitting, unfitting, says
):
    _, fits = make_key(**fitting)
    _, does_not = make_key(**unfitting)
    assert note(slug, fits, learner) == ""
    assert says in note(slug, does_not, learner)
    assert does_not not in note(slug, does_not, learner)  # the note never quotes the key


def test_expired_and_revoked_presets_want_such_a_key(make_key, learner):
    key, raw = make_key()
    assert "has not expired" in note("expired-key", raw, learner)
    assert "is not revoked" in note("revoked-key", raw, learner)
    key.expires_at = NOW - timedelta(minutes=1)
    key.save(update_fields=["expires_at"])
    assert note("expired-key", raw, learner) == ""
    assert "revoked or expired" in note("valid", raw, learner)


def test_someone_elses_key_or_no_preset_or_no_key_is_judged_as_such(make_key, learner):
    from learnapp.learning.models import Learner

    _, raw = make_key(owner=Learner.objects.create())
    assert "not one of your keys" in note("valid", raw, learner)
    assert pg.key_note(None, raw, learner, HOME, NOW) == ""
    assert note("valid", "", learner) == ""
    assert note("unknown-key", raw, learner) == ""  # the preset does not use {key}
