"""Sandbox keys: format, hash-only storage, the pages that create, rotate and revoke them."""

import hashlib
import re
from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from learnapp.learning.models import Learner
from learnapp.sandbox import keys
from learnapp.sandbox.models import AccessLogEntry, SandboxKey, create_key, rotate_key
from learnapp.sandbox.views import MAX_LIVE_KEYS

DATA = "/sandbox/api/data"
KEY_IN_PAGE = re.compile(r"sbx_test_[0-9a-f]{12}_[0-9a-f]{40}")


class TestFormat:
    def test_a_key_has_a_prefix_an_id_and_160_random_bits(self):
        minted = keys.new_key()
        assert re.fullmatch(r"sbx_test_[0-9a-f]{12}_[0-9a-f]{40}", minted.raw)
        assert minted.raw.split("_")[2] == minted.key_id
        assert keys.SECRET_BYTES * 8 >= 128

    def test_keys_are_unique(self):
        assert len({keys.new_key().raw for _ in range(200)}) == 200

    def test_the_hash_is_sha256_of_the_whole_key(self):
        minted = keys.new_key()
        assert minted.hash == hashlib.sha256(minted.raw.encode()).hexdigest()
        assert minted.raw not in repr(minted)

    @pytest.mark.django_db
    @pytest.mark.parametrize("shared", [8, 32, 63])
    def test_a_stored_hash_that_only_starts_like_the_right_one_is_refused(
        self, client, key_and_raw, shared
    ):
        key, raw = key_and_raw
        right = keys.hash_key(raw)
        # Same first characters, then each remaining hex digit changed.
        near = right[:shared] + "".join("0" if c != "0" else "1" for c in right[shared:])
        SandboxKey.objects.filter(pk=key.pk).update(key_hash=near)
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert response.status_code == 401
        assert response.json()["error"]["code"] == "unknown_key"
        SandboxKey.objects.filter(pk=key.pk).update(key_hash=right)
        assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200

    def test_keys_are_compared_in_constant_time(self):
        minted = keys.new_key()
        with mock.patch("learnapp.sandbox.keys.hmac.compare_digest", return_value=True) as cmp:
            assert keys.key_matches("anything", minted.hash)
        cmp.assert_called_once()

    @pytest.mark.parametrize(
        ("text", "masked"),
        [
            ("sbx_test_0123456789ab_" + "f" * 40, "sbx_test_0123456789ab_****"),
            ("Bearer sbx_test_0123456789ab_abc", "Bearer sbx_test_0123456789ab_****"),
            ("?api_key=sbx_test_oops&x=1", "?api_key=sbx_test_****&x=1"),
            ("no key here", "no key here"),
            ("Sbx_test_0123456789ab_" + "f" * 40, "sbx_test_0123456789ab_****"),
            ("SBX_TEST_0123456789AB_" + "F" * 40, "sbx_test_0123456789ab_****"),
            ("?q=sBx_TeSt_" + "f" * 40, "?q=sbx_test_****"),
        ],
    )
    def test_masking_keeps_only_the_prefix(self, text, masked):
        assert keys.mask_keys(text) == masked


SECRET = "f" * 40


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", ["Sbx_test_", "SBX_TEST_", "sbx_TEST_"])
@pytest.mark.parametrize("where", ["query", "path"])
def test_a_key_in_any_case_is_masked_in_the_access_log(client, prefix, where):
    value = f"{prefix}0123456789ab_{SECRET}"
    url = f"{DATA}?q={value}" if where == "query" else f"/sandbox/api/{value}"
    client.get(url)
    entry = AccessLogEntry.objects.get()
    assert SECRET not in entry.path
    assert "sbx_test_0123456789ab_****" in entry.path


@pytest.mark.django_db
class TestStorage:
    def test_only_the_hash_is_stored(self, learner):
        key, raw = create_key(learner, name="k", scopes=["read"])
        row = SandboxKey.objects.filter(pk=key.pk).values().get()
        assert row["key_hash"] == keys.hash_key(raw)
        assert all(raw not in str(value) for value in row.values())
        secret = raw.rsplit("_", 1)[1]
        assert all(secret not in str(value) for value in row.values())


@pytest.mark.django_db
class TestCreatePage:
    FORM = {
        "name": "CI job",
        "scopes": ["read"],
        "expires_in": "",
        "rate_limit_per_minute": "5",
        "allowed_networks": "203.0.113.0/24, 198.51.100.7",
    }

    def test_a_visitor_creates_a_key_and_sees_it_once(self, client):
        response = client.post("/sandbox/keys/new/", self.FORM, follow=True)
        assert response.status_code == 200
        page = response.content.decode()
        raw = KEY_IN_PAGE.search(page).group(0)
        assert "only time it is shown" in page
        assert "no-store" in response["Cache-Control"]
        key = SandboxKey.objects.get()
        assert key.scopes == ["read"] and key.rate_limit_per_minute == 5
        assert key.allowed_networks == ["203.0.113.0/24", "198.51.100.7/32"]
        assert key.learner.user is None  # kept with the visitor's session
        again = client.get("/sandbox/").content.decode()
        assert raw not in again and key.prefix in again
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.5")
        assert response.status_code == 200

    def test_reloading_the_page_that_shows_a_new_key_neither_creates_nor_shows_another(
        self, client
    ):
        response = client.post("/sandbox/keys/new/", self.FORM)
        assert response.status_code == 302 and response["Location"] == "/sandbox/"
        assert not KEY_IN_PAGE.search(response.content.decode())
        first = client.get("/sandbox/")
        raw = KEY_IN_PAGE.search(first.content.decode()).group(0)
        assert "no-store" in first["Cache-Control"]
        reload = client.get("/sandbox/").content.decode()
        assert SandboxKey.objects.count() == 1
        assert raw not in reload and "only time it is shown" not in reload
        assert SandboxKey.objects.get().prefix in reload

    def test_the_session_store_alone_cannot_give_the_new_key_back(self, client):
        client.post("/sandbox/keys/new/", self.FORM)
        stored = repr(dict(client.session))
        assert "sbx_test_" not in stored
        del client.cookies["sandbox_reveal"]  # another browser with the same session, say
        page = client.get("/sandbox/").content.decode()
        assert not KEY_IN_PAGE.search(page) and "only time it is shown" not in page

    def test_a_visitors_key_stays_theirs_after_they_sign_up(self, client):
        from tests.factories import UserFactory

        response = client.post("/sandbox/keys/new/", self.FORM, follow=True)
        raw = KEY_IN_PAGE.search(response.content.decode()).group(0)
        client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.5")
        user = UserFactory(username="keeper")
        client.post(
            "/accounts/login/", {"username": "keeper", "password": "correct horse battery staple"}
        )
        key = SandboxKey.objects.get()
        assert key.learner.user == user
        assert key.prefix in client.get("/sandbox/").content.decode()
        from learnapp.sandbox.models import AccessLogEntry

        assert AccessLogEntry.objects.get().learner.user == user  # the log moved too
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}", REMOTE_ADDR="203.0.113.5")
        assert response.status_code == 200

    def test_an_expiry_is_set_from_now(self, client):
        client.post("/sandbox/keys/new/", {**self.FORM, "expires_in": "60"})
        key = SandboxKey.objects.get()
        assert timedelta(seconds=55) < key.expires_at - timezone.now() <= timedelta(seconds=60)

    @pytest.mark.parametrize(
        ("field", "value"),
        [("allowed_networks", "not-an-ip"), ("scopes", []), ("rate_limit_per_minute", "0")],
    )
    def test_invalid_input_shows_the_form_again(self, client, field, value):
        response = client.post("/sandbox/keys/new/", {**self.FORM, field: value})
        assert response.status_code == 200
        assert 'class="errorlist' in response.content.decode()
        assert not SandboxKey.objects.exists()

    def test_keys_are_listed_for_their_owner_only(self, client, learner_session, make_key):
        mine, _ = make_key(name="Mine")
        theirs, _ = make_key(owner=Learner.objects.create(), name="Theirs")
        page = learner_session.get("/sandbox/").content.decode()
        assert mine.prefix in page and theirs.prefix not in page
        assert learner_session.get(f"/sandbox/keys/{theirs.key_id}/").status_code == 404
        assert learner_session.post(f"/sandbox/keys/{theirs.key_id}/revoke/").status_code == 404


@pytest.mark.django_db
class TestRevoke:
    def test_revoking_asks_first_and_is_final(self, learner_session, key_and_raw):
        key, raw = key_and_raw
        confirm = learner_session.get(f"/sandbox/keys/{key.key_id}/revoke/")
        assert "cannot be undone" in confirm.content.decode()
        learner_session.post(f"/sandbox/keys/{key.key_id}/revoke/")
        key.refresh_from_db()
        revoked_at = key.revoked_at
        assert key.is_revoked()
        key.revoke()  # revoking again changes nothing
        key.refresh_from_db()
        assert key.revoked_at == revoked_at
        assert learner_session.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


@pytest.mark.django_db
class TestRotation:
    def test_the_old_key_works_through_the_overlap_then_is_revoked(self, client, key_and_raw):
        old, old_raw = key_and_raw
        new, new_raw = rotate_key(old, timedelta(minutes=10))
        assert old.replaced_by == new and old.status() == "rotating"
        for raw in (old_raw, new_raw):
            assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
        SandboxKey.objects.filter(pk=old.pk).update(revoked_at=timezone.now())  # window ends
        response = client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {old_raw}")
        assert response.status_code == 401
        assert new.prefix in response.json()["explanation"]  # points at the replacement
        assert client.get(DATA, HTTP_AUTHORIZATION=f"Bearer {new_raw}").status_code == 200

    def test_the_replacement_copies_the_settings_and_lifetime(self, make_key):
        old, _ = make_key(
            scopes=["read"],
            rate_limit_per_minute=7,
            allowed_networks=["203.0.113.0/24"],
            expires_at=timezone.now() + timedelta(days=30),
        )
        new, _ = rotate_key(old, timedelta(minutes=1))
        assert (new.scopes, new.rate_limit_per_minute, new.allowed_networks) == (
            ["read"],
            7,
            ["203.0.113.0/24"],
        )
        assert timedelta(days=29) < new.expires_at - timezone.now() <= timedelta(days=30)

    def test_the_page_walks_through_the_switch_and_shows_old_traffic(
        self, learner_session, key_and_raw
    ):
        old, old_raw = key_and_raw
        response = learner_session.post(
            f"/sandbox/keys/{old.key_id}/rotate/", {"overlap": "600"}, follow=True
        )
        assert response.redirect_chain == [(f"/sandbox/keys/{old.key_id}/", 302)]
        page = response.content.decode()
        new_raw = KEY_IN_PAGE.search(page).group(0)
        assert new_raw != old_raw and "only time it is shown" in page
        assert "no-store" in response["Cache-Control"]
        for step in ("Create", "Deploy", "Verify", "Revoke"):
            assert f"<strong>{step}</strong>" in page

        learner_session.get(DATA, HTTP_AUTHORIZATION=f"Bearer {old_raw}")
        learner_session.get(DATA, HTTP_AUTHORIZATION=f"Bearer {new_raw}")
        page = learner_session.get(f"/sandbox/keys/{old.key_id}/").content.decode()
        assert new_raw not in page
        assert "1 request still used the old key" in page
        assert "1 successful request with the new key" in page

        learner_session.post(f"/sandbox/keys/{old.key_id}/revoke/")  # end the window early
        old.refresh_from_db()
        assert old.is_revoked()
        assert learner_session.get(DATA, HTTP_AUTHORIZATION=f"Bearer {new_raw}").status_code == 200

    def test_only_an_active_key_can_be_rotated(self, learner_session, key_and_raw):
        old, _ = key_and_raw
        old.revoke()
        learner_session.post(f"/sandbox/keys/{old.key_id}/rotate/", {"overlap": "600"})
        assert SandboxKey.objects.count() == 1


@pytest.mark.django_db
def test_a_request_log_never_holds_the_authorization_header(client, bearer, key_and_raw):
    client.get(DATA + "?limit=1", **bearer)
    entry = AccessLogEntry.objects.values().get()
    assert all(key_and_raw[1] not in str(value) for value in entry.values())
    assert entry["key_prefix"] == key_and_raw[0].prefix


@pytest.mark.django_db
class TestKeyCap:
    """At most MAX_LIVE_KEYS keys that still work, however they came to be."""

    FORM = {"name": "one more", "scopes": ["read"], "rate_limit_per_minute": "60"}

    def _working(self, learner) -> int:
        # By each key's own status, independently of the query the cap uses.
        return sum(k.status() in {"active", "rotating"} for k in SandboxKey.objects.of(learner))

    def test_rotating_cannot_take_a_learner_past_the_cap(self, learner_session, make_key, learner):
        made = [make_key()[0] for _ in range(MAX_LIVE_KEYS)]
        response = learner_session.post(
            f"/sandbox/keys/{made[0].key_id}/rotate/", {"overlap": "600"}, follow=True
        )
        assert "keys that still work" in response.content.decode()
        assert self._working(learner) == MAX_LIVE_KEYS
        assert not SandboxKey.objects.filter(pk=made[0].pk, replaced_by__isnull=False).exists()

    def test_a_key_in_its_overlap_window_counts_against_the_cap(
        self, learner_session, make_key, learner
    ):
        made = [make_key()[0] for _ in range(MAX_LIVE_KEYS - 1)]
        learner_session.post(f"/sandbox/keys/{made[0].key_id}/rotate/", {"overlap": "600"})
        assert self._working(learner) == MAX_LIVE_KEYS  # the old key still works for a while
        response = learner_session.post("/sandbox/keys/new/", self.FORM)
        assert response.status_code == 200
        assert "keys that still work" in response.content.decode()
        assert self._working(learner) == MAX_LIVE_KEYS

    def test_repeated_rotation_never_yields_more_working_keys_than_the_cap(
        self, learner_session, make_key, learner, client
    ):
        key = make_key()[0]
        for _ in range(MAX_LIVE_KEYS + 5):
            learner_session.post(f"/sandbox/keys/{key.key_id}/rotate/", {"overlap": "86400"})
            key.refresh_from_db()
            key = key.replaced_by or key
        assert self._working(learner) == MAX_LIVE_KEYS

    def test_expired_and_revoked_keys_leave_room(self, learner_session, make_key, learner):
        for _ in range(MAX_LIVE_KEYS - 2):
            make_key()
        make_key(expires_at=timezone.now() - timedelta(seconds=1))
        make_key()[0].revoke()
        response = learner_session.post("/sandbox/keys/new/", self.FORM)
        assert response.status_code == 302
        assert self._working(learner) == MAX_LIVE_KEYS - 1
