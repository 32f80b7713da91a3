"""Coming back to an answered practice question shows the answer given and its feedback."""

import pytest

from .test_practice import answer

pytestmark = pytest.mark.django_db


def test_coming_back_shows_the_last_answer_and_its_feedback(client, pattern):
    answer(client, "C")
    page = client.get("/patterns/keys/practice/1/").content.decode()
    assert "Your last answer" in page
    assert "Not quite." in page
    assert 'value="C" checked' in page


def test_try_again_and_a_chosen_variant_start_afresh(client, pattern):
    answer(client, "C")
    for url in ["/patterns/keys/practice/1/?again=1", "/patterns/keys/practice/1/?variant=0"]:
        page = client.get(url).content.decode()
        assert "Your last answer" not in page
        assert "checked" not in page.split('name="choice"', 1)[1].split("</fieldset>", 1)[0]
