import pytest
from django.contrib.auth.signals import user_login_failed

from learnapp.accounts import throttle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

RIGHT = "correct horse battery staple"  # UserFactory's password
WAIT_MESSAGE = "Too many failed log-in attempts. Please wait 15 minutes and try again"


def log_in(client, username, password, ip="198.51.100.7"):
    return client.post(
        "/accounts/login/", {"username": username, "password": password}, REMOTE_ADDR=ip
    )


def test_after_five_failures_even_the_right_password_is_refused(client):
    user = UserFactory()
    for _ in range(5):
        assert log_in(client, user.username, "wrong").status_code == 200
    response = log_in(client, user.username, RIGHT)
    assert response.status_code == 429
    assert 0 < int(response["Retry-After"]) <= 15 * 60
    page = response.content.decode()
    assert WAIT_MESSAGE in page
    assert f'value="{user.username}"' in page  # the form is there to try again later
    assert "_auth_user_id" not in client.session


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


def test_the_username_counter_ignores_case_and_address(client):
    UserFactory(username="ada")
    for i, spelling in enumerate(["ada", "Ada", "ADA", " ada", "aDa"]):
        log_in(client, spelling, "wrong", ip=f"198.51.100.{i}")
    assert log_in(client, "ada", RIGHT, ip="203.0.113.1").status_code == 429
    assert "_auth_user_id" not in client.session


def test_twenty_failures_from_one_address_lock_out_every_username_from_it(client):
    user = UserFactory()
    for i in range(20):
        assert log_in(client, f"guess{i}", "wrong", ip="203.0.113.5").status_code == 200
    response = log_in(client, user.username, RIGHT, ip="203.0.113.5")
    assert response.status_code == 429
    assert WAIT_MESSAGE in response.content.decode()
    assert log_in(client, user.username, RIGHT, ip="203.0.113.6").status_code == 302


def test_one_ipv6_subscriber_is_one_address(client):
    for i in range(20):
        log_in(client, f"guess{i}", "wrong", ip=f"2001:db8:1:2::{i + 1:x}")
    assert log_in(client, "someone", "wrong", ip="2001:db8:1:2:ffff::1").status_code == 429
    assert log_in(client, "someone", "wrong", ip="2001:db8:1:3::1").status_code == 200


def test_a_success_clears_the_usernames_failures(client):
    user = UserFactory()
    for _ in range(4):
        log_in(client, user.username, "wrong")
    assert log_in(client, user.username, RIGHT).status_code == 302
    client.post("/accounts/logout/")
    for _ in range(4):
        assert log_in(client, user.username, "wrong").status_code == 200
    assert log_in(client, user.username, RIGHT).status_code == 302


def test_successes_do_not_use_up_an_addresss_allowance(client):
    user = UserFactory()
    for _ in range(throttle.IP_LIMIT + 1):
        assert log_in(client, user.username, RIGHT).status_code == 302
        client.post("/accounts/logout/")


def test_a_blank_form_is_not_counted_as_a_guess(client):
    user = UserFactory()
    for _ in range(10):
        assert log_in(client, user.username, "").status_code == 200
    assert log_in(client, user.username, RIGHT).status_code == 302


def test_only_five_guesses_get_through_however_many_arrive_at_once():
    # Attempts still in flight count: none of these has failed yet when the sixth arrives.
    verdicts = [throttle.start_attempt("ada", "192.0.2.1") for _ in range(8)]
    assert verdicts[:5] == [0] * 5
    assert all(0 < wait <= throttle.WINDOW_SECONDS for wait in verdicts[5:])


def test_a_refused_attempt_costs_the_address_nothing():
    for _ in range(5):
        throttle.start_attempt("ada", "192.0.2.1")
    for _ in range(30):
        assert throttle.start_attempt("ada", "192.0.2.1") > 0
    # 5 of 20 used: fifteen other usernames still get a first guess from this address.
    assert [throttle.start_attempt(f"user{i}", "192.0.2.1") for i in range(15)] == [0] * 15
    assert throttle.start_attempt("user99", "192.0.2.1") > 0
