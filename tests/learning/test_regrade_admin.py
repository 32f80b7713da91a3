"""Admins can read the regrade trail, and nobody can rewrite it there."""

import pytest

from learnapp.learning.models import Attempt, Learner, RegradeRecord
from tests.factories import UserFactory, make_question_set

pytestmark = pytest.mark.django_db


def test_the_regrade_trail_is_listed_for_admins_and_read_only(client):
    pattern, versions = make_question_set()
    attempt = Attempt.objects.create(learner=Learner.objects.create(), pattern=pattern, score=6)
    record = RegradeRecord.objects.create(
        attempt=attempt,
        question=versions[3].question,
        number=4,
        reason="full_credit",
        old_score=6,
        new_score=7,
        old_total=10,
        new_total=10,
    )
    client.force_login(UserFactory(is_superuser=True, is_staff=True))
    page = client.get("/admin/learning/regraderecord/")
    assert page.status_code == 200 and "full_credit" not in page.content.decode()
    assert "Everyone gets full credit" in page.content.decode()
    assert client.get("/admin/learning/regraderecord/add/").status_code == 403
    assert client.post(f"/admin/learning/regraderecord/{record.pk}/delete/").status_code == 403
