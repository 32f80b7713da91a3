"""Small words that matter: "1 minute", and region names that tell a page's regions apart."""

import re
from collections import Counter

import pytest
from django.test import Client

from .test_assigned_results import assigned, take  # noqa: F401  (assigned: a fixture)

pytestmark = pytest.mark.django_db


def teacher(assignment) -> Client:
    client = Client()
    client.force_login(assignment.classroom.instructor)
    return client


@pytest.mark.parametrize(("limit", "said"), [(1, "· 1 minute ·"), (20, "· 20 minutes ·")])
def test_a_time_limit_reads_in_the_singular_or_plural(assigned, limit, said):  # noqa: F811
    assigned.time_limit_minutes = limit
    assigned.save(update_fields=["time_limit_minutes"])
    page = teacher(assigned).get(f"/assignments/{assigned.pk}/").content.decode()
    assert re.sub(r"\s+", " ", said) in re.sub(r"\s+", " ", page)
    assert "1 minutes" not in page


def region_names(page: str) -> Counter:
    return Counter(re.findall(r'role="region" aria-label="([^"]+)"', page))


def test_class_and_learner_pages_name_each_table_region_once(learner_client, assigned):  # noqa: F811
    assigned.attempts_allowed = 2
    assigned.save(update_fields=["attempts_allowed"])
    take(learner_client, assigned)
    take(learner_client, assigned)
    client = teacher(assigned)
    class_id, user_id = assigned.classroom.pk, learner_client.user.pk
    for url in [f"/classes/{class_id}/", f"/classes/{class_id}/learners/{user_id}/"]:
        names = region_names(client.get(url).content.decode())
        assert names and max(names.values()) == 1, (url, names)
        assert "Table" not in names
