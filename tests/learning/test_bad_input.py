"""Whatever a client sends to the learning endpoints, the answer is never a server error."""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from learnapp.learning.models import Attempt

pytestmark = pytest.mark.django_db

junk = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**63), max_value=2**63).map(str),
    st.sampled_from(["", "A", "z", "10", "-1", "1e9", "\uff21\uff22", "\x00", "B" * 2000]),
)
fields = st.dictionaries(
    st.sampled_from(["choice", "number", "form_token", "go", "elapsed_ms", "csrfmiddlewaretoken"]),
    junk,
    max_size=5,
)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=fields, htmx=st.booleans(), json=st.booleans())
def test_posting_junk_never_breaks_the_server(client, pattern, data, htmx, json):
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.latest("pk")
    headers = {}
    if htmx:
        headers["HTTP_HX_REQUEST"] = "true"
    if json:
        headers["HTTP_ACCEPT"] = "application/json"
    for url in (
        "/patterns/keys/practice/1/",
        "/patterns/keys/practice/1/hint/",
        f"/tests/{attempt.pk}/answer/",
        f"/tests/{attempt.pk}/submit/",
        "/patterns/keys/read/",
    ):
        response = client.post(url, data, **headers)
        assert response.status_code < 500, (url, data, response.status_code)


@pytest.mark.parametrize(
    "url",
    [
        "/patterns/keys/practice/0/",
        "/patterns/keys/practice/99999999999999999999/",
        "/tests/99999999999999999999/q/1/",
        "/tests/1/q/99999999999999999999/",
        "/patterns/%00/",
    ],
)
def test_out_of_range_addresses_are_not_found(client, pattern, url):
    assert client.get(url).status_code == 404
