"""The result page's review shows only the parts a question has."""

import pytest

from learnapp.learning.models import Attempt
from tests.factories import make_assessment_pool

pytestmark = pytest.mark.django_db


def submitted_attempt(client) -> Attempt:
    client.post("/patterns/keys/test/")
    attempt = Attempt.objects.latest("pk")
    client.post(f"/tests/{attempt.pk}/submit/")
    return attempt


def test_a_pool_item_without_hint_quick_check_or_mistakes_shows_no_empty_headings(client, pattern):
    # Pool items need only a solution and a final answer (content/README.md).
    make_assessment_pool(pattern, quick_check_html="", hint_html="", common_mistakes=[])
    attempt = submitted_attempt(client)
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    assert "POOL-FINAL" in page
    for heading in ("<h4>Quick check</h4>", "<h4>Hint</h4>", "<h4>Common mistakes</h4>"):
        assert heading not in page


def test_a_pool_item_with_every_part_shows_them_all(client, pattern):
    make_assessment_pool(pattern)
    attempt = submitted_attempt(client)
    page = client.get(f"/tests/{attempt.pk}/result/").content.decode()
    for part in ("POOL-QUICK", "POOL-HINT", "POOL-MISTAKE", "<h4>Common mistakes</h4>"):
        assert part in page
