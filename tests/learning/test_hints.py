"""Tiered hints: parsed from content, opened one tier at a time, each use recorded once."""

import html
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.html import strip_tags

from learnapp.catalog.parsing import ContentErrors, parse_practice
from learnapp.classes.models import Membership
from learnapp.learning.models import Answer, HintUse
from tests.factories import ClassroomFactory, UserFactory, make_instructor

SEED = (
    Path(settings.BASE_DIR)
    / "content/prompt-engineering-genai/model-metrics-evaluation/api-key-management/practice.md"
)
# The seed's hints, word for word: they stay as the last tier.
SEED_HINTS = [
    "API keys are like secret passwords for access",
    "Use <code>Authorization: Bearer</code> for API keys in headers",
    "200 means success, 401 means unauthorized",
    "401 means check your API key value first",
    "Add new key before deleting old one",
    "Add up every row of the table before you divide.",
    "Convert the count into a percentage of all requests, then compare it with both thresholds.",
    "Look at what <code>headers</code> contains at the moment it is logged.",
    'Convert the spike into a rate and compare it with the "good" threshold before '
    "deciding how hard to react.",
    """Check every part of the lesson's definition of "good", not just the percentages.""",
]


def text(rendered: str) -> str:
    return " ".join(html.unescape(strip_tags(rendered)).split())


def practice_with_hint(hint: str) -> str:
    """A valid practice set whose first question has this '### Hint' section."""
    question = """## Question {n}
id: q-{n}
difficulty: {level}

Which one?

### Options
- [x] Right
- [ ] Wrong
- [ ] Also wrong

### Solution
1. **Think.** It is the right one.

### Final answer
Right -> Option A

### Quick check
Right

### Hint
{hint}

### Common mistakes
- Picking the wrong one
"""
    levels = ["easy", "medium", "hard"] + ["easy"] * 7
    body = "\n".join(
        question.format(n=n, level=levels[n - 1], hint=hint if n == 1 else "A nudge")
        for n in range(1, 11)
    )
    return f"---\ntitle: Practice\n---\n\n{body}"


# -- the content format -------------------------------------------------------------------------


def test_numbered_tiers_are_read_in_order():
    parsed = parse_practice(
        "p.md",
        practice_with_hint("**Hint 1:** A nudge.\n\n**Hint 2:** A strategy.\n\n**Hint 3:** All."),
    )
    question = parsed.questions[0]
    assert [text(tier) for tier in question.hints] == ["A nudge.", "A strategy.", "All."]
    assert question.hint_html == question.hints[-1]


@pytest.mark.parametrize("hint", ["Just one hint.", "**Hint:** Just one hint."])
def test_a_single_hint_is_one_tier(hint):
    question = parse_practice("p.md", practice_with_hint(hint)).questions[0]
    assert [text(tier) for tier in question.hints] == ["Just one hint."]


@pytest.mark.parametrize(
    ("hint", "message"),
    [
        ("**Hint 1:** One.\n**Hint 3:** Three.", "hint tiers count 1, 2, 3... in order"),
        ("**Hint 2:** Two.\n**Hint 1:** One.", "hint tiers count 1, 2, 3... in order"),
        ("Stray text.\n**Hint 1:** One.\n**Hint 2:** Two.", "belongs to no tier"),
        ("**Hint 1:** One.\n**Hint 2:**", "is empty"),
        ("**Hint:** One.\n**Hint:** Two.", "'**Hint:**' is a single hint"),
        ("\n".join(f"**Hint {n}:** {n}" for n in range(1, 7)), "at most 5 hint tiers"),
    ],
)
def test_badly_written_tiers_are_refused_with_the_line(hint, message):
    with pytest.raises(ContentErrors) as caught:
        parse_practice("p.md", practice_with_hint(hint))
    assert message in str(caught.value)
    assert "p.md:" in str(caught.value)


# -- the seed's hints ---------------------------------------------------------------------------


def seed_questions():
    return parse_practice(str(SEED), SEED.read_text()).questions


def test_the_seed_hints_stay_word_for_word_as_the_last_tier():
    questions = seed_questions()
    assert [q.hint_html for q in questions] == [f"<p>{hint}</p>" for hint in SEED_HINTS]
    assert all(len(q.hints) == 3 and q.hints[-1] == q.hint_html for q in questions)


def test_no_earlier_tier_gives_the_answer_away():
    for question in seed_questions():
        right = next(o for o in question.options if o.letter == question.correct_letter)
        answer = text(right.html).lower()
        final = text(question.final_answer_html).split("->")[0].strip().lower()
        last_step = text(question.solution_steps[-1]).lower()
        for tier in question.hints[:-1]:
            shown = text(tier).lower()
            assert answer not in shown, (question.key, shown)
            assert final not in shown, (question.key, shown)
            assert last_step not in shown, (question.key, shown)


# -- practice -----------------------------------------------------------------------------------


@pytest.fixture
def tiered(versions):
    """Question 1 with three tiers."""
    versions[0].hints = ["<p>TIER-ONE</p>", "<p>TIER-TWO</p>", "<p>SECRET-HINT-1</p>"]
    versions[0].save(update_fields=["hints"])
    return versions[0]


def practice_page(client, n=1) -> str:
    return client.get(f"/patterns/keys/practice/{n}/").content.decode()


def ask_hint(client, tier, page=None, **headers):
    page = page or practice_page(client)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    return client.post(
        "/patterns/keys/practice/1/hint/", {"form_token": token, "tier": tier}, **headers
    )


@pytest.mark.django_db
def test_tiers_open_one_at_a_time_each_added_below_the_last(client, tiered):
    page = practice_page(client)
    assert "Show a hint (1 of 3)" in page and "TIER-ONE" not in page

    first = ask_hint(client, 1, page, HTTP_HX_REQUEST="true").content.decode()
    assert "TIER-ONE" in first and "TIER-TWO" not in first
    assert "Show the next hint (2 of 3)" in first
    assert "<html" not in first  # only the hint's part of the page

    second = ask_hint(client, 2, page, HTTP_HX_REQUEST="true").content.decode()
    assert second.index("TIER-ONE") < second.index("TIER-TWO")
    assert "SECRET-HINT-1" not in second and "Show the next hint (3 of 3)" in second

    third = ask_hint(client, 3, page, HTTP_HX_REQUEST="true").content.decode()
    assert "SECRET-HINT-1" in third and "Show the next hint" not in third
    assert list(HintUse.objects.order_by("tier").values_list("tier", flat=True)) == [1, 2, 3]


@pytest.mark.django_db
def test_it_works_without_javascript(client, tiered):
    response = ask_hint(client, 1)
    assert response.status_code == 302 and response.url.endswith("#hint")
    page = client.get(response.url).content.decode()
    assert "TIER-ONE" in page and "Show the next hint (2 of 3)" in page
    ask_hint(client, 2, page)
    page = practice_page(client)
    assert "TIER-ONE" in page and "TIER-TWO" in page and "(3 of 3)" in page


@pytest.mark.django_db
def test_a_double_click_counts_once(client, tiered):
    page = practice_page(client)
    ask_hint(client, 1, page, HTTP_HX_REQUEST="true")
    again = ask_hint(client, 1, page, HTTP_HX_REQUEST="true").content.decode()
    assert HintUse.objects.count() == 1
    assert "TIER-TWO" not in again


@pytest.mark.django_db
def test_tiers_cannot_be_skipped(client, tiered):
    skipped = ask_hint(client, 3, HTTP_HX_REQUEST="true").content.decode()
    assert "TIER-ONE" in skipped and "SECRET-HINT-1" not in skipped
    assert HintUse.objects.count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("tier", ["0", "x", "99", "-1", "٣"])
def test_a_bad_tier_is_a_400_with_a_reason(client, tiered, tier):
    response = ask_hint(client, tier)
    assert response.status_code == 400
    assert "tier" in response.content.decode()
    assert not HintUse.objects.exists()


@pytest.mark.django_db
def test_the_answer_records_that_a_hint_was_used(client, tiered):
    page = practice_page(client)
    ask_hint(client, 1, page, HTTP_HX_REQUEST="true")
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post("/patterns/keys/practice/1/", {"choice": "B", "form_token": token})
    assert Answer.objects.get().used_hint is True


@pytest.mark.django_db
def test_a_one_tier_hint_says_show_a_hint(client, versions):
    page = practice_page(client, 2)
    assert "Show a hint</button>" in page and "(1 of" not in page


@pytest.mark.django_db
def test_the_instructor_sees_how_many_hints_were_used(client, tiered, versions):
    instructor = make_instructor(username="teach")
    classroom = ClassroomFactory(instructor=instructor)
    learner = UserFactory(username="ada")
    Membership.objects.create(classroom=classroom, user=learner)
    client.force_login(learner)
    page = practice_page(client)
    ask_hint(client, 1, page)
    ask_hint(client, 2, page)
    page = practice_page(client, 2)
    token = re.search(r'name="form_token" value="([^"]+)"', page).group(1)
    client.post("/patterns/keys/practice/2/hint/", {"form_token": token, "tier": 1})

    teacher = Client()
    teacher.force_login(instructor)
    page = teacher.get(f"/classes/{classroom.pk}/learners/{learner.pk}/").content.decode()
    assert "Hints used in practice: 3" in page
    assert 'data-hints-used="keys-q1">2<' in page
    assert 'data-hints-used="keys-q2">1<' in page
