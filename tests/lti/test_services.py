"""Access tokens for the platform's services: the client-credentials JWT grant, cached."""

import pytest
import requests
from lti_tool.models import LtiRegistration

from learnapp.lti.models import platform_for
from learnapp.lti.services import (
    NRPS_SCOPE,
    ServiceError,
    access_token,
    service_request,
)
from tests.lti.fake_services import FakeHttpResponse, FakeServices


@pytest.fixture
def services(platform, client, monkeypatch):
    services = FakeServices(platform, client)
    services.install(monkeypatch)
    return services


@pytest.fixture
def registration(platform):
    return LtiRegistration.objects.get(issuer=platform.issuer)


def test_token_is_asked_for_with_an_assertion_the_platform_verifies_and_then_kept(
    services, registration
):
    token = access_token(registration, [NRPS_SCOPE])
    assert token == "token-1"
    assert services.token_requests[0]["scope"] == NRPS_SCOPE
    # Asked again (also through learnapp's Platform): the cached token, no second request.
    assert access_token(platform_for(registration), [NRPS_SCOPE]) == "token-1"
    assert len(services.token_requests) == 1
    # Other scopes are another token.
    assert access_token(registration, [NRPS_SCOPE, "other"]) == "token-2"


def test_a_token_about_to_expire_is_not_kept(services, registration):
    services.expires_in = 30
    assert access_token(registration, [NRPS_SCOPE]) == "token-1"
    assert access_token(registration, [NRPS_SCOPE]) == "token-2"


def test_a_refused_or_unreachable_token_endpoint_is_a_service_error(services, registration):
    services.token_status = 401
    with pytest.raises(ServiceError) as refused:
        access_token(registration, [NRPS_SCOPE])
    assert refused.value.status == 401
    assert "refused" in refused.value.message
    services.token_status = 200
    services.fail_with = requests.Timeout()
    with pytest.raises(ServiceError) as unreachable:
        access_token(registration, [NRPS_SCOPE])
    assert "could not reach" in unreachable.value.message


def test_a_revoked_token_is_replaced_once(services, registration):
    url = "https://lms.example.test/api/thing"
    services.routes[("GET", url)] = FakeHttpResponse(200, {"ok": True})
    access_token(registration, [NRPS_SCOPE])
    services.issued.clear()  # the platform forgot every token it gave
    response = service_request(registration, [NRPS_SCOPE], "GET", url)
    assert response.json() == {"ok": True}
    assert len(services.token_requests) == 2
