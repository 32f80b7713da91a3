import pytest

from learnapp.catalog.loader import load
from learnapp.catalog.models import Pattern, Question
from learnapp.catalog.sample_tree import question_markdown

from .conftest import edit

pytestmark = pytest.mark.django_db

PATTERN = "track-1/section-1/pattern-1"
HOSTILE_LESSON = """## Harmless heading

<script>alert("lesson")</script>
<img src="x.png" onerror="alert('img')">
[click me](javascript:alert('link'))
<a href="https://example.com" onclick="alert('click')">outside</a>
<iframe src="https://evil.example"></iframe>
<style>body { display: none }</style>
"""


@pytest.fixture
def hostile_tree(tree):
    lesson = tree / PATTERN / "lesson.md"
    text = lesson.read_text()
    lesson.write_text(text.replace("## Why Pattern t1-s1-p1 matters", HOSTILE_LESSON))
    stem = 'Pick one <script>alert("stem")</script> <img src=x onerror=alert(1)>'
    edit(
        tree / PATTERN / "practice.md",
        question_markdown(1, "t1-s1-p1-q1"),
        question_markdown(1, "t1-s1-p1-q1", stem=stem).replace(
            "Think about what t1-s1-p1-q1 means.", "[hint](javascript:alert('hint'))"
        ),
    )
    return tree


def test_a_hostile_lesson_renders_harmless(hostile_tree, client):
    load(hostile_tree)
    pattern = Pattern.objects.get(slug="t1-s1-p1")
    html = pattern.lesson_html
    for dangerous in ("<script", "onerror", "onclick", "javascript:", "<iframe", "<style"):
        assert dangerous not in html.lower()
    assert 'href="https://example.com"' in html  # safe links survive
    page = client.get(pattern.get_absolute_url()).content.decode()
    assert 'alert("lesson")' not in page
    assert "javascript:" not in page


def test_a_hostile_question_renders_harmless(hostile_tree):
    load(hostile_tree)
    version = Question.objects.get(key="t1-s1-p1-q1").current_version
    assert "<script" not in version.stem_html
    assert "onerror" not in version.stem_html
    assert "javascript:" not in version.hint_html
    assert "hint" in version.hint_html


def test_lessons_get_tables_highlighted_code_anchors_and_a_contents(tree):
    load(tree)
    pattern = Pattern.objects.get(slug="t1-s1-p1")
    assert '<table tabindex="0">' in pattern.lesson_html
    assert '<div class="highlight">' in pattern.lesson_html
    assert '<span class="kn">import</span>' in pattern.lesson_html  # Pygments tokens
    assert '<h2 id="how-it-works">' in pattern.lesson_html
    assert pattern.toc == [
        {"level": 2, "id": "why-pattern-t1-s1-p1-matters", "title": "Why Pattern t1-s1-p1 matters"},
        {"level": 2, "id": "how-it-works", "title": "How it works"},
    ]


def test_the_self_check_answer_is_folded_away(tree):
    load(tree)
    html = Pattern.objects.get(slug="t1-s1-p1").lesson_html
    question_at = html.index("Is Pattern t1-s1-p1 worth learning?")
    details_at = html.index("<details><summary>Show the answer</summary>")
    assert question_at < details_at < html.index("Yes, because it is the subject")
