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


# Near-valid test answers: a real question number and option, with the rest of the fields junk
# (superscript digits pass str.isdigit(); twenty digits overflow the database's integer).
numberish = st.one_of(
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
    st.sampled_from(["²", "¹²", "١٢", "99999999999999999999", "3600001", "1e3", " 5 ", ""]),
    st.text(alphabet=st.characters(categories=["Nd", "No"]), min_size=1, max_size=25),
)
test_answer_fields = st.fixed_dictionaries(
    {"number": st.one_of(st.integers(min_value=1, max_value=10).map(str), numberish)},
    optional={
        "choice": st.sampled_from(["A", "B", "b", " C ", "", "Z", "AB"]),
        "go": st.sampled_from(["next", "previous", "submit", "", "sideways"]),
        "elapsed_ms": numberish,
    },
)


@settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=test_answer_fields, json=st.booleans())
def test_a_test_answer_with_junk_numbers_is_a_4xx_never_a_5xx(client, pattern, data, json):
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.in_progress().latest("pk")
    headers = {"HTTP_ACCEPT": "application/json"} if json else {}
    response = client.post(f"/tests/{attempt.pk}/answer/", data, **headers)
    assert response.status_code < 500, (data, response.status_code)
    if response.status_code == 400 and json:
        assert response.json()["error"]  # a reason, not just a status
    saved = attempt.answers.values_list("time_taken_ms", flat=True)
    assert all(ms is None or 0 <= ms <= 24 * 60 * 60 * 1000 for ms in saved)
