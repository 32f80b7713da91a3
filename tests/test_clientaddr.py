from uuid import uuid4

import pytest
from django.core.exceptions import MiddlewareNotUsed
from django.test import Client, RequestFactory

from learnapp.clientaddr import PEER_KEY, TrustedProxyMiddleware
from learnapp.learning.models import Learner
from learnapp.sandbox.models import create_key
from tests.factories import UserFactory

PROXY = "192.0.2.1"  # the TLS proxy in front of the app
RIGHT = "correct horse battery staple"  # UserFactory's password


@pytest.fixture(autouse=True)
def _own_cache_keys(settings):
    # The log-in throttle counts in the cache; a fresh key prefix keeps each test's counts apart.
    default = settings.CACHES["default"]
    prefix = f"{default.get('KEY_PREFIX', '')}-test-{uuid4().hex}"
    settings.CACHES = {**settings.CACHES, "default": {**default, "KEY_PREFIX": prefix}}


def seen_address(peer: str, forwarded_for: str | None = None) -> dict:
    """What the app behind the middleware sees as REMOTE_ADDR and the kept peer."""
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for is not None:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    request = RequestFactory().get("/", **headers)
    TrustedProxyMiddleware(lambda request: None)(request)
    return {"client": request.META["REMOTE_ADDR"], "peer": request.META.get(PEER_KEY)}


def log_in(client, username, password, peer, forwarded_for=None):
    headers = {"REMOTE_ADDR": peer}
    if forwarded_for:
        headers["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


class TestReachedDirectly:
    """No DJANGO_TRUSTED_PROXIES: the socket's peer is the client, whatever headers say."""

    @pytest.fixture(autouse=True)
    def _no_proxies(self, settings):
        settings.TRUSTED_PROXIES = []

    def test_the_middleware_steps_aside(self):
        with pytest.raises(MiddlewareNotUsed):
            TrustedProxyMiddleware(lambda request: None)

    @pytest.mark.django_db
    def test_a_made_up_forwarded_for_does_not_dodge_the_log_in_throttle(self, client):
        user = UserFactory()
        for i in range(5):
            log_in(client, user.username, "wrong", "203.0.113.9", f"198.51.100.{i}")
        response = log_in(client, user.username, RIGHT, "203.0.113.9", "198.51.100.99")
        assert response.status_code == 429

    @pytest.mark.django_db
    def test_a_made_up_forwarded_for_does_not_pass_a_sandbox_address_list(self, client):
        _, raw = create_key(
            Learner.objects.create(),
            name="k",
            scopes=["read"],
            allowed_networks=["198.51.100.0/24"],
        )
        response = client.get(
            "/sandbox/api/data",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
            REMOTE_ADDR="203.0.113.9",
        )
        assert response.status_code == 403
        # The refusal names the address it judged: the socket's peer, not the header's claim.
        assert "may not be used from 203.0.113.9." in response.json()["error"]["message"]


class TestBehindTrustedProxies:
    @pytest.fixture(autouse=True)
    def _proxies(self, settings):
        settings.TRUSTED_PROXIES = [PROXY, "10.20.0.0/16"]

    def test_the_client_is_read_from_the_proxys_header(self):
        assert seen_address(PROXY, "198.51.100.7") == {"client": "198.51.100.7", "peer": PROXY}

    def test_spoofed_entries_left_of_the_proxys_own_are_ignored(self):
        # The client sent "X-Forwarded-For: 6.6.6.6"; the proxy appended the address it saw.
        assert seen_address(PROXY, "6.6.6.6, 198.51.100.7")["client"] == "198.51.100.7"

    def test_a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_hop(self):
        seen = seen_address(PROXY, "6.6.6.6, 198.51.100.7, 10.20.3.4")
        assert seen["client"] == "198.51.100.7"

    def test_a_peer_that_is_not_a_trusted_proxy_cannot_set_the_address(self):
        assert seen_address("203.0.113.9", "198.51.100.7")["client"] == "203.0.113.9"

    def test_garbage_in_the_header_leaves_the_last_address_vouched_for(self):
        assert seen_address(PROXY, "198.51.100.7, not-an-address")["client"] == PROXY
        assert seen_address(PROXY, "")["client"] == PROXY

    @pytest.mark.django_db
    def test_clients_behind_one_proxy_have_budgets_of_their_own(self):
        user = UserFactory()
        guesser, owner = Client(), Client()
        for _ in range(5):
            log_in(guesser, user.username, "wrong", PROXY, "203.0.113.66")
        assert log_in(guesser, user.username, RIGHT, PROXY, "203.0.113.66").status_code == 429
        # Were every request counted as the proxy's, the owner would be refused here too.
        assert log_in(owner, user.username, RIGHT, PROXY, "198.51.100.7").status_code == 302

    @pytest.mark.django_db
    def test_a_sandbox_address_list_sees_the_client_behind_the_proxy(self, client):
        _, raw = create_key(
            Learner.objects.create(),
            name="k",
            scopes=["read"],
            allowed_networks=["198.51.100.0/24"],
        )
        allowed = client.get(
            "/sandbox/api/data",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_FORWARDED_FOR="198.51.100.7",
            REMOTE_ADDR=PROXY,
        )
        assert allowed.status_code == 200
        refused = client.get(
            "/sandbox/api/data",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
            HTTP_X_FORWARDED_FOR="198.51.100.7, 203.0.113.9",
            REMOTE_ADDR=PROXY,
        )
        assert refused.status_code == 403
        # The refusal names the client behind the proxy, not the proxy.
        assert "may not be used from 203.0.113.9." in refused.json()["error"]["message"]
