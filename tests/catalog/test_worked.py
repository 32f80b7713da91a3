"""Worked and faded examples in lessons: the markdown, its file:line problems, the page and the check."""

from pathlib import Path

import pytest
from django.conf import settings

from learnapp.catalog.parsing import ContentErrors, parse_lesson
from learnapp.catalog.worked import check
from learnapp.learning.models import Answer, Learner
from tests.factories import PatternFactory

API_KEY_LESSON = "prompt-engineering-genai/model-metrics-evaluation/api-key-management/lesson.md"

HEAD = """---
title: Rates
slug: rates
order: 1
summary: Counts into rates.
---

## Worked example

"""

WORKED = """::: worked-example
A log has 1,000 requests, 30 with invalid keys.

1. **Find the total.** 1,000 requests.
2. **Divide.** 30 / 1,000 = 3%.
:::
"""

FADED_NUMERIC = """::: faded-example
The same log has 15 requests with expired keys.

1. **Find the total.** 1,000 requests.
2. **Your step.** What share of the requests had an expired key, in percent?
::: answer
value: 1.5
tolerance: 0.05
percent: true
::: solution
15 / 1,000 = 1.5%, over the 1% line for "many" expired keys.
:::
"""

FADED_SINGLE = """::: faded-example
Invalid keys are 3% of the requests.

1. **The rate is known.** 3%.
2. **Your step.** How does 3% read against <1% good and >5% bad?
::: options
- [ ] Good
  Feedback: 3% is three times the 1% target.
- [x] Neither good nor bad: it needs watching
- [ ] Bad
  Feedback: 3% is under the 5% bad line.
::: solution
1% < 3% < 5%: between the two lines.
:::
"""


def lesson(*blocks: str) -> str:
    return HEAD + "\n".join(blocks)


def problems(text: str) -> list[str]:
    with pytest.raises(ContentErrors) as caught:
        parse_lesson("c/lesson.md", text)
    return [str(error) for error in caught.value.errors]


def line_of(text: str, needle: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), start=1) if needle in line)


class TestMarkdown:
    def test_a_worked_example_renders_its_problem_and_numbered_steps_where_it_was_written(self):
        parsed = parse_lesson("c/lesson.md", lesson("Before.\n", WORKED, "After.\n"))
        aside = parsed.html.index('class="worked-example"')
        assert parsed.html.index("Before.") < aside < parsed.html.index("After.")
        assert '<ol class="worked-steps"><li><p><strong>Find the total.</strong>' in parsed.html
        assert parsed.faded_examples == []

    def test_a_faded_example_leaves_a_slot_and_keeps_its_answer_out_of_the_lesson(self):
        parsed = parse_lesson("c/lesson.md", lesson(WORKED, FADED_NUMERIC, FADED_SINGLE))
        assert "<!--faded-example:1-->" in parsed.html
        assert "<!--faded-example:2-->" in parsed.html
        numeric, single = parsed.faded_examples
        assert numeric["qtype"] == "numeric" and numeric["answer"]["value"] == "1.5"
        assert numeric["given_steps"] == ["<p><strong>Find the total.</strong> 1,000 requests.</p>"]
        assert "expired key, in percent" in numeric["prompt_html"]
        assert single["answer"] == {"correct": "B"}
        # The solution and the feedback are stored apart, not in the page's HTML.
        assert "1.5%, over" not in parsed.html and "three times" not in parsed.html

    def test_a_fence_inside_a_step_is_code_not_a_block_marker(self):
        text = lesson(WORKED.replace("2. **Divide.**", "2. **Divide.** `::: answer` is text;"))
        assert parse_lesson("c/lesson.md", text).faded_examples == []

    @pytest.mark.parametrize(
        ("edit", "needle", "message"),
        [
            (lambda t: t.replace("::: answer\n", ""), "::: faded-example", "'::: options'"),
            (
                lambda t: t.replace(
                    '::: solution\n15 / 1,000 = 1.5%, over the 1% line for "many" expired keys.\n',
                    "",
                ),
                "::: faded-example",
                "needs a '::: solution'",
            ),
            (
                lambda t: t.replace("1. **Find the total.** 1,000 requests.\n2. ", "1. "),
                "::: faded-example",
                "at least 2 numbered steps",
            ),
            (
                lambda t: t.replace("2. **Your step.**", "3. **Your step.**"),
                "3. **Your",
                "expected 2",
            ),
            (
                lambda t: t.replace("value: 1.5", "value: one and a half"),
                "value: one",
                "the answer's value",
            ),
            (lambda t: t.replace("::: solution", "::: hint"), "::: hint", "unknown '::: hint'"),
            (lambda t: t.rstrip().removesuffix(":::"), "::: faded-example", "not closed"),
        ],
    )
    def test_a_broken_faded_example_is_reported_with_file_and_line(self, edit, needle, message):
        text = edit(lesson(FADED_NUMERIC))
        found = problems(text)
        assert any(
            p.startswith(f"c/lesson.md:{line_of(text, needle)}: ") and message in p for p in found
        ), found

    def test_single_choice_needs_exactly_one_right_option(self):
        text = lesson(FADED_SINGLE.replace("- [ ] Bad", "- [x] Bad"))
        found = problems(text)[0]
        assert found.startswith(f"c/lesson.md:{line_of(text, '::: options')}: ")
        assert "found B and C" in found

    def test_a_worked_example_needs_a_problem_and_two_steps(self):
        text = lesson(WORKED.replace("2. **Divide.** 30 / 1,000 = 3%.\n", ""))
        assert problems(text) == [
            f"c/lesson.md:{line_of(text, '::: worked-example')}: the worked example needs at "
            "least 2 numbered steps ('1. ...'); it has 1"
        ]

    def test_an_unknown_block_names_the_known_ones(self):
        text = lesson("::: worked\ntext\n:::\n")
        assert "'::: worked-example'" in problems(text)[0]


class TestCheck:
    def example(self, block: str) -> dict:
        return parse_lesson("c/lesson.md", lesson(block)).faded_examples[0]

    def test_numeric_is_graded_by_the_practice_rules(self):
        example = self.example(FADED_NUMERIC)
        assert check(example, "1.5").right
        assert check(example, "1.52 %").right  # within the tolerance, with a percent sign
        assert not check(example, "1.6").right
        assert not check(example, "3").right

    def test_single_choice_brings_the_chosen_options_feedback(self):
        example = self.example(FADED_SINGLE)
        assert check(example, "b").right
        wrong = check(example, "A")
        assert not wrong.right and "three times" in wrong.chosen["feedback_html"]


@pytest.mark.django_db
class TestPage:
    @pytest.fixture
    def pattern(self):
        parsed = parse_lesson("c/lesson.md", lesson(WORKED, FADED_NUMERIC, FADED_SINGLE))
        return PatternFactory(lesson_html=parsed.html, faded_examples=parsed.faded_examples)

    def url(self, pattern, number: int) -> str:
        return f"/patterns/{pattern.slug}/try/{number}/"

    def test_the_lesson_shows_the_forms_and_nothing_of_the_answers(self, client, pattern):
        page = client.get(pattern.get_absolute_url()).content.decode()
        assert page.count('class="faded-example"') == 2
        assert f'action="{self.url(pattern, 1)}#try-1"' in page
        assert f'hx-get="{self.url(pattern, 2)}"' in page
        for secret in ("1.5%, over", "three times", "under the 5% bad line", "between the two"):
            assert secret not in page
        assert "[x]" not in page and 'value="B" checked' not in page

    def test_a_right_number_is_checked_and_shows_the_worked_step(self, client, pattern):
        response = client.get(
            self.url(pattern, 1), {"answer": "1.5"}, headers={"HX-Request": "true"}
        )
        body = response.content.decode()
        assert response.status_code == 200
        assert "Right: your step is checked" in body and "1.5%, over" in body
        assert "<html" not in body  # the partial only

    def test_a_wrong_choice_says_why_and_lets_the_learner_try_again(self, client, pattern):
        response = client.get(self.url(pattern, 2), {"answer": "C"}, headers={"HX-Request": "true"})
        body = response.content.decode()
        assert "Not quite: try the step again" in body and "under the 5% bad line" in body
        assert "Show the last step worked out" in body

    def test_without_javascript_the_check_is_a_page_with_the_answer_kept(self, client, pattern):
        response = client.get(self.url(pattern, 2), {"answer": "B"})
        body = response.content.decode()
        assert response.status_code == 200
        assert "<html" in body and "Right: your step is checked" in body
        assert 'value="B" required checked' in body
        assert f'href="{pattern.get_absolute_url()}#try-2"' in body

    @pytest.mark.parametrize(
        ("number", "answer", "reason"),
        [
            (1, "", "Type a number"),
            (1, "four", "is not a number"),
            (1, "1,5", "Use a point for decimals"),
            (2, "", "Choose one of the options"),
            (2, "Z", "Choose one of the options A, B, C"),
            (1, "9" * 500, "too long"),
        ],
    )
    def test_an_answer_that_cannot_be_read_is_a_400_with_the_reason(
        self, client, pattern, number, answer, reason
    ):
        response = client.get(self.url(pattern, number), {"answer": answer})
        assert response.status_code == 400
        assert reason in response.content.decode()
        assert response.content.decode().count("Error:") == 1  # in the title

    def test_an_example_the_lesson_does_not_have_is_a_404(self, client, pattern):
        assert client.get(self.url(pattern, 3), {"answer": "1"}).status_code == 404
        assert client.get("/patterns/nope/try/1/", {"answer": "1"}).status_code == 404

    def test_checking_records_nothing_and_takes_one_query(
        self, client, pattern, django_assert_num_queries
    ):
        # 1. the pattern's slug, title and faded examples; no session, no answer row.
        with django_assert_num_queries(1):
            client.get(self.url(pattern, 1), {"answer": "2"}, headers={"HX-Request": "true"})
        assert Answer.objects.count() == 0 and Learner.objects.count() == 0
        assert "sessionid" not in client.cookies


@pytest.fixture(scope="module")
def parsed():
    path = Path(settings.CONTENT_DIR) / API_KEY_LESSON
    return parse_lesson(API_KEY_LESSON, path.read_text())


class TestApiKeyLesson:
    """The seed lesson's examples: its own table into rates, and the threshold it breaks."""

    def test_the_worked_example_turns_the_seed_table_into_rates_and_names_the_broken_threshold(
        self, parsed
    ):
        worked = parsed.html[parsed.html.index('class="worked-example"') :]
        worked = worked[: worked.index("</aside>")]
        for rate in ("950 / 1,000 = 95%", "30 / 1,000 = 3%", "15 / 1,000 = 1.5%", "0.5%"):
            assert rate in worked
        # 15 expired-key requests: 5 or more and over 1% of all, so "many" (the course's reading).
        assert "many expired keys still in use" in worked
        assert 15 >= 5 and 15 / 1000 > 0.01 and 30 / 1000 <= 0.05

    def test_the_faded_example_is_checked_against_its_own_numbers(self, parsed):
        (example,) = parsed.faded_examples
        counts = {"valid": 1880, "invalid": 110, "expired": 4, "limited": 6, "unauthorized": 0}
        total = sum(counts.values())
        assert total == 2000 and "2,000 requests" in example["given_steps"][0]
        assert counts["invalid"] / total == 0.055 > 0.05  # the bad line it breaks
        assert counts["expired"] < 5  # not "many" expired keys
        right = next(o for o in example["options"] if o["letter"] == example["answer"]["correct"])
        assert "Invalid key errors over 5%" in right["html"]
        assert "5.5%" in example["solution_html"]

    def test_the_seed_table_and_thresholds_are_kept_word_for_word(self):
        text = (Path(settings.CONTENT_DIR) / API_KEY_LESSON).read_text()
        for seed_line in (
            "| Valid Requests | 950 |",
            "| Unauthorized Use | 0 |",
            "- **Good:** Low invalid key rate (<1%), no unauthorized access, stable request "
            "success >99%, and timely key rotation.",
            "- **Overfitting monitoring:** Overreacting to small spikes in invalid keys without "
            "context.",
        ):
            assert seed_line in text


METRICS = "prompt-engineering-genai/model-metrics-evaluation"


@pytest.mark.parametrize(
    ("slug", "right", "wrong", "counts"),
    [
        # 180 of 3,000 responses were 429.
        ("rate-limit-utilisation", "6", "5.6", (180 / 3000 * 100, 6)),
        # The 19th of 20 sorted first-token times.
        ("latency-percentiles", "3,300 ms", "3900", (3300, 3300)),
        # 1,400 / 400,000 failed, against a 0.5% budget.
        ("error-rate-error-budget", "0.7", "1.3", ((1400 / 400000) / 0.005, 0.7)),
        # 3,000 prompt tokens at $0.20 and 500 completion tokens at $0.80 per million.
        ("token-usage-cost", "0.001", "0.0006", ((3000 * 0.20 + 500 * 0.80) / 1e6, 0.001)),
    ],
)
def test_each_metrics_lesson_has_a_worked_and_a_faded_example_with_a_true_answer(
    slug, right, wrong, counts
):
    path = Path(settings.CONTENT_DIR) / METRICS / slug / "lesson.md"
    parsed = parse_lesson(str(path), path.read_text())
    assert parsed.html.count('<aside class="worked-example"') == 1
    (example,) = parsed.faded_examples
    assert check(example, right).right and not check(example, wrong).right
    computed, stored = counts
    assert computed == pytest.approx(stored)
    assert float(example["answer"]["value"]) == pytest.approx(stored)
