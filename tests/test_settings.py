import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from learnapp.settings import envbool, envint

ROOT = Path(__file__).resolve().parent.parent


def manage(*args: str, **env: str) -> subprocess.CompletedProcess:
    environment = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_URL", "CACHE_URL"))
    }
    environment.update(env)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=environment,
        capture_output=True,
        text=True,
        timeout=60,
    )


def deploy_check(**env: str) -> subprocess.CompletedProcess:
    return manage("check", "--deploy", "--fail-level", "WARNING", **env)


def test_production_settings_pass_the_deploy_check():
    # As the README's production command: a shared cache, and the TLS proxy on this machine.
    result = deploy_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="learnapp.example.com",
        CACHE_URL="redis://127.0.0.1:6379/0",
        DJANGO_TRUSTED_PROXIES="127.0.0.1",
    )
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_the_deploy_check_refuses_the_development_secret_key():
    result = deploy_check(DJANGO_DEBUG="0", DJANGO_ALLOWED_HOSTS="learnapp.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr


def test_the_deploy_check_refuses_debug():
    result = deploy_check(DJANGO_DEBUG="1", DJANGO_SECRET_KEY=secrets.token_urlsafe(50))
    assert result.returncode != 0
    assert "DEBUG" in result.stderr


def test_the_deploy_check_warns_that_a_per_process_cache_multiplies_every_limit():
    result = deploy_check(
        DJANGO_DEBUG="0",
        DJANGO_SECRET_KEY=secrets.token_urlsafe(50),
        DJANGO_ALLOWED_HOSTS="learnapp.example.com",
    )
    assert result.returncode != 0
    assert "learnapp.W001" in result.stderr
    assert "Set CACHE_URL" in result.stderr


def test_development_is_not_warned_about_its_in_memory_cache():
    result = manage("check", DJANGO_DEBUG="1")
    assert result.returncode == 0, result.stderr
    assert "learnapp.W001" not in result.stdout + result.stderr


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("1", True),
        ("TRUE", True),
        (" yes ", True),
        ("On", True),
        ("0", False),
        ("false", False),
        ("NO", False),
        ("off", False),
        ("", None),
    ],
)
def test_boolean_settings_accept_the_usual_spellings(monkeypatch, value, expected):
    monkeypatch.setenv("LEARNAPP_TEST_FLAG", value)
    default = object()
    assert envbool("LEARNAPP_TEST_FLAG", default) is (default if expected is None else expected)


@pytest.mark.parametrize("value", ["flase", "2", "enabled", "y e s"])
def test_a_boolean_setting_that_is_not_a_boolean_is_refused(monkeypatch, value):
    monkeypatch.setenv("LEARNAPP_TEST_FLAG", value)
    with pytest.raises(ImproperlyConfigured, match=r"LEARNAPP_TEST_FLAG=.* is not a boolean"):
        envbool("LEARNAPP_TEST_FLAG", False)


@pytest.mark.parametrize("value", ["ten", "2x5", "1.5"])
def test_a_number_setting_that_is_not_a_number_is_refused(monkeypatch, value):
    monkeypatch.setenv("LEARNAPP_TEST_NUMBER", value)
    with pytest.raises(
        ImproperlyConfigured, match=r"LEARNAPP_TEST_NUMBER=.* is not a whole number"
    ):
        envint("LEARNAPP_TEST_NUMBER", 10)


def test_a_misspelt_debug_stops_start_up_and_names_the_variable():
    result = manage("check", DJANGO_DEBUG="flase")
    assert result.returncode != 0
    assert "DJANGO_DEBUG='flase' is not a boolean" in result.stderr


def test_a_misspelt_number_stops_start_up_and_names_the_variable():
    result = manage("check", DATABASE_CONN_MAX_AGE="ten")
    assert result.returncode != 0
    assert "DATABASE_CONN_MAX_AGE='ten' is not a whole number" in result.stderr


def test_a_trusted_proxy_that_is_not_an_address_stops_start_up():
    result = manage("check", DJANGO_TRUSTED_PROXIES="127.0.0.1,proxy.example.com")
    assert result.returncode != 0
    assert "DJANGO_TRUSTED_PROXIES: 'proxy.example.com' is not an IP address" in result.stderr
