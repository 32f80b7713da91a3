"""The pool rules held by the shipped content itself, and the number of variants a load checks.

The loader's refusals are tested on sample content in test_assessment.py; these tests read the
content learners get, so a pool item that repeats its practice set, or a practice question whose
seed numbers were replaced by a template, is caught even if the loader's own check is loosened.
"""

import re

import pytest

from learnapp.catalog.loader import validate
from learnapp.catalog.parsing import parse_assessment
from learnapp.catalog.variants import Template, fill

from .test_assessment import PATH, SOLUTION, TEMPLATE, question


@pytest.fixture(scope="module")
def shipped():
    from django.conf import settings

    return validate(settings.CONTENT_DIR).patterns


def words(html: str) -> str:
    return " ".join(re.findall(r"\w+", re.sub(r"<[^>]+>", " ", html).lower()))


def test_no_shipped_pool_item_repeats_a_practice_stem_word_for_word(shipped):
    checked = 0
    for found in shipped:
        if not (found.practice and found.assessment):
            continue
        practice = {words(q.stem_html): q.key for q in found.practice.questions}
        for item in found.assessment.questions:
            if item.template:
                template = Template.from_json(item.template)
                stems = {words(fill(item.stem_html, template.values(s))) for s in range(200)}
            else:
                stems = {words(item.stem_html)}
            repeated = {practice[s] for s in stems if s in practice}
            assert not repeated, (found.lesson.meta.slug, item.key, repeated)
            checked += 1
    assert checked >= 20 * 9


def test_the_seeds_access_log_stays_the_practice_question_and_the_pool_draws_other_logs(shipped):
    (found,) = [f for f in shipped if f.lesson.meta.slug == "api-key-management"]
    (seed_question,) = [q for q in found.practice.questions if q.key == "akm-success-rate"]
    assert not seed_question.template
    assert (
        "Valid Requests 950, Invalid Keys 30, Expired Keys 15, Rate Limit Hits 5 and "
        "Unauthorized Use 0" in seed_question.stem_html
    )
    right = seed_question.options[ord(seed_question.correct_letter) - ord("A")].html
    assert "95%" in right
    (variant,) = [q for q in found.assessment.questions if q.key == "akm-pool-success-variant"]
    template = Template.from_json(variant.template)
    logs = set()
    for seed in range(1000):
        values = template.values(seed)
        logs.add((values["valid"], values["invalid"], values["expired"], values["limited"]))
    assert (950, 30, 15, 5) not in logs
    assert len(logs) > 900  # other plausible logs, not one


def test_every_shipped_template_distractor_names_its_misconception(shipped):
    templates = 0
    for found in shipped:
        for item in found.assessment.questions if found.assessment else []:
            if not item.template or item.qtype != "single":
                continue
            templates += 1
            wrong = [
                o for i, o in enumerate(item.options) if chr(ord("A") + i) != item.correct_letter
            ]
            assert wrong and all(o.misconception.strip() for o in wrong), item.key
    assert templates >= 9


def test_a_template_is_rendered_for_at_least_200_seeds_at_load(monkeypatch):
    seeds = []
    original = Template.values

    def counting(self, seed, drawn=None):
        seeds.append(seed if drawn is None else ("corner", seed))
        return original(self, seed, drawn)

    monkeypatch.setattr(Template, "values", counting)
    parse_assessment(PATH, question(5, TEMPLATE + SOLUTION))
    assert set(range(200)) <= set(seeds)
