import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.contrib.auth.signals import user_login_failed
from django.test import Client

from learnapp.accounts import throttle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # UserFactory's password
PAIR_MESSAGE = "Too many failed log-ins to this account from here in the last 15 minutes"
ADDRESS_MESSAGE = "Too many failed log-ins have come from your network in the last 15 minutes"
SLOWDOWN_MESSAGE = "This account has had many failed log-ins recently"


def log_in(client, username, password, ip="198.51.100.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def logged_in(client) -> bool:
    return "_auth_user_id" in client.session


def test_five_failures_from_one_address_stop_that_address_guessing_at_that_account(client):
    user = UserFactory()
    for _ in range(5):
        assert log_in(client, user.username, "wrong").status_code == 200
    response = log_in(client, user.username, RIGHT)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    page = response.content.decode()
    assert PAIR_MESSAGE in page
    assert "Please wait 15 minutes and try again, or reset your password." in page
    assert f'value="{user.username}"' in page  # the form is there to try again later
    assert not logged_in(client)


def test_a_strangers_failures_from_another_address_do_not_keep_the_user_out(client):
    user = UserFactory()
    stranger = Client()
    for _ in range(5):
        log_in(stranger, user.username, "wrong", ip="203.0.113.66")
    assert log_in(client, user.username, RIGHT, ip="198.51.100.20").status_code == 302
    assert logged_in(client)


def test_a_stranger_hammering_an_account_only_slows_new_browsers_down(client):
    user = UserFactory()
    assert log_in(client, user.username, RIGHT).status_code == 302  # the owner's own browser
    client.post("/accounts/logout/")
    stranger = Client()
    answers = [
        log_in(stranger, user.username, "wrong", ip=f"203.0.113.{i}").status_code for i in range(20)
    ]
    assert answers.count(200) == throttle.USERNAME_FREE + 1  # the rest wait their turn

    # A browser the account has never logged in on waits a little, and is told why.
    response = log_in(Client(), user.username, RIGHT, ip="198.51.100.30")
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= throttle.BACKOFF_MAX
    assert SLOWDOWN_MESSAGE in response.content.decode()

    # The owner's usual browser, even at a new address, is not held up by the stranger at all.
    assert log_in(client, user.username, RIGHT, ip="198.51.100.31").status_code == 302
    assert logged_in(client)


def test_the_slowdown_starts_at_seconds_and_stops_growing_at_a_few_minutes():
    waits = [throttle.slowdown(failures) for failures in range(6, 16)]
    assert waits == [5, 10, 20, 40, 80, 160, 300, 300, 300, 300]
    assert max(waits) < 15 * 60


def test_a_slowed_account_tells_the_next_try_how_long_its_turn_lasts():
    for i in range(throttle.USERNAME_FREE + 1):
        assert throttle.start_attempt("ada", f"192.0.2.{i}") is None
    refusal = throttle.start_attempt("ada", "192.0.2.99")
    assert refusal.reason == "username"
    assert 0 < refusal.wait <= throttle.slowdown(throttle.USERNAME_FREE + 1)
    assert "Please wait 5 seconds and try again" in refusal.message


def test_a_device_cookie_for_another_account_earns_no_exemption(client):
    mallory, victim = UserFactory(), UserFactory()
    assert log_in(client, mallory.username, RIGHT).status_code == 302  # a cookie for mallory
    client.post("/accounts/logout/")
    stranger = Client()
    for i in range(throttle.USERNAME_FREE + 1):
        log_in(stranger, victim.username, "wrong", ip=f"203.0.113.{i}")
    # The victim's turn is taken: mallory's browser waits like any other it was not issued for.
    response = log_in(client, victim.username, RIGHT, ip="198.51.100.50")
    assert response.status_code == 429
    assert SLOWDOWN_MESSAGE in response.content.decode()


def test_a_tampered_device_cookie_earns_no_exemption(client):
    user = UserFactory()
    client.cookies[throttle.DEVICE_COOKIE] = "forged:value"
    for _ in range(5):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, RIGHT).status_code == 429


def test_a_known_browser_is_stopped_after_five_failures_of_its_own(client):
    user = UserFactory()
    log_in(client, user.username, RIGHT)
    client.post("/accounts/logout/")
    for i in range(5):
        assert log_in(client, user.username, "wrong", ip=f"198.51.100.{i}").status_code == 200
    response = log_in(client, user.username, RIGHT, ip="198.51.100.99")
    assert response.status_code == 429
    assert PAIR_MESSAGE in response.content.decode()


def test_the_account_counter_ignores_case(client):
    UserFactory(username="ada")
    for spelling in ["ada", "Ada", "ADA", " ada", "aDa"]:
        log_in(client, spelling, "wrong")
    assert log_in(client, "ada", RIGHT).status_code == 429
    assert not logged_in(client)


def test_a_refused_attempt_never_reaches_the_password_check(client):
    user = UserFactory()
    for _ in range(5):
        log_in(client, user.username, "wrong")
    checked = []

    def receiver(sender, credentials, **kwargs):
        checked.append(credentials["username"])

    user_login_failed.connect(receiver)
    try:
        assert log_in(client, user.username, "still wrong").status_code == 429
    finally:
        user_login_failed.disconnect(receiver)
    assert checked == []


def test_many_learners_behind_one_school_address_can_all_log_in():
    school = "203.0.113.10"
    for _ in range(30):
        learner, browser = UserFactory(), Client()
        for _ in range(2):  # everyone mistypes twice
            assert log_in(browser, learner.username, "wrong", ip=school).status_code == 200
        assert log_in(browser, learner.username, RIGHT, ip=school).status_code == 302


def test_a_guesser_at_many_accounts_from_one_address_is_stopped(client):
    user = UserFactory()
    for i in range(throttle.ADDRESS_LIMIT):
        assert log_in(client, f"guess{i}", "wrong", ip="203.0.113.5").status_code == 200
    response = log_in(client, user.username, RIGHT, ip="203.0.113.5")
    assert response.status_code == 429
    assert ADDRESS_MESSAGE in response.content.decode()
    assert log_in(client, user.username, RIGHT, ip="203.0.113.6").status_code == 302


def test_one_ipv6_subscriber_is_one_address(client):
    for i in range(throttle.ADDRESS_LIMIT):
        log_in(client, f"guess{i}", "wrong", ip=f"2001:db8:1:2::{i + 1:x}")
    assert log_in(client, "someone", "wrong", ip="2001:db8:1:2:ffff::1").status_code == 429
    assert log_in(client, "someone", "wrong", ip="2001:db8:1:3::1").status_code == 200


def test_a_success_clears_the_accounts_failures(client):
    user = UserFactory()
    for _ in range(4):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, RIGHT).status_code == 302
    # Had the four failures stayed, the second of these would already be slowed down.
    stranger = Client()
    for i in range(throttle.USERNAME_FREE):
        assert log_in(stranger, user.username, "wrong", ip=f"203.0.113.{i}").status_code == 200


def test_a_success_does_not_reset_the_addresss_failure_count(client):
    user = UserFactory()
    ip = "203.0.113.40"
    for i in range(throttle.ADDRESS_LIMIT - 1):
        assert log_in(client, f"guess{i}", "wrong", ip=ip).status_code == 200
    assert log_in(client, user.username, RIGHT, ip=ip).status_code == 302  # the guesser's own
    client.post("/accounts/logout/")
    # The success handed back only its own attempt: one guess is left in the budget, not 100.
    assert log_in(client, "one-more", "wrong", ip=ip).status_code == 200
    assert log_in(client, "and-another", "wrong", ip=ip).status_code == 429


def test_successes_do_not_use_up_an_addresss_allowance():
    for _ in range(throttle.ADDRESS_LIMIT + 1):
        user, browser = UserFactory(), Client()
        assert log_in(browser, user.username, RIGHT).status_code == 302


def test_a_blank_form_is_not_counted_as_a_guess(client):
    user = UserFactory()
    for _ in range(10):
        assert log_in(client, user.username, "").status_code == 200
    assert log_in(client, user.username, RIGHT).status_code == 302


def test_only_five_guesses_from_one_address_get_through_however_many_arrive_at_once():
    # Attempts still in flight count: none of these has failed yet when the sixth arrives.
    verdicts = [throttle.start_attempt("ada", "192.0.2.1") for _ in range(8)]
    assert verdicts[:5] == [None] * 5
    assert all(v.reason == "pair" and 0 < v.wait <= throttle.PAIR_WINDOW for v in verdicts[5:])


def test_a_burst_from_many_addresses_gets_five_guesses_and_one_turn():
    verdicts = [throttle.start_attempt("ada", f"192.0.2.{i}") for i in range(12)]
    assert verdicts[: throttle.USERNAME_FREE + 1] == [None] * (throttle.USERNAME_FREE + 1)
    assert {v.reason for v in verdicts[throttle.USERNAME_FREE + 1 :]} == {"username"}


def test_a_refused_attempt_costs_the_address_nothing():
    for _ in range(5):
        throttle.start_attempt("ada", "192.0.2.1")
    for _ in range(30):
        assert throttle.start_attempt("ada", "192.0.2.1") is not None
    # 5 of 100 used: 95 other usernames still get a first guess from this address.
    others = [throttle.start_attempt(f"user{i}", "192.0.2.1") for i in range(95)]
    assert others == [None] * 95
    assert throttle.start_attempt("user999", "192.0.2.1").reason == "address"


@pytest.mark.parametrize(
    ("addresses", "let_through"),
    [(1, throttle.PAIR_LIMIT), (24, throttle.USERNAME_FREE + 1)],
    ids=["from-one-address", "from-many-addresses"],
)
def test_simultaneous_guesses_get_no_more_through_than_one_at_a_time(addresses, let_through):
    # 24 guesses at once, none finished when the others arrive: the counts and the account's
    # turn are taken atomically in the cache, so the budgets hold as they do one by one.
    start = threading.Barrier(24)

    def guess(i):
        start.wait()
        return throttle.start_attempt("ada", f"192.0.2.{i % addresses}")

    with ThreadPoolExecutor(max_workers=24) as pool:
        verdicts = list(pool.map(guess, range(24)))
    assert verdicts.count(None) == let_through
