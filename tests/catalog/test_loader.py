import shutil

import pytest
from django.core.management import CommandError, call_command

from learnapp.catalog.loader import ContentInvalid, load, validate
from learnapp.catalog.models import Pattern, Question, QuestionVersion, Section, Track
from learnapp.catalog.sample_tree import question_markdown

from .conftest import edit

pytestmark = pytest.mark.django_db

PATTERN = "track-1/section-1/pattern-1"


def errors_of(root) -> list[str]:
    with pytest.raises(ContentInvalid) as info:
        validate(root)
    return [str(error) for error in info.value.errors]


def database_snapshot():
    return (
        list(Track.objects.values()),
        list(Section.objects.values()),
        list(Pattern.objects.values()),
        list(Question.objects.values()),
        list(QuestionVersion.objects.values()),
    )


class TestValidation:
    def test_a_valid_tree_passes(self, tree):
        parsed = validate(tree)
        assert len(parsed.patterns) == 3
        assert all(len(p.practice.questions) == 10 for p in parsed.patterns)

    def test_it_names_file_and_line_for_bad_yaml(self, tree):
        edit(tree / PATTERN / "lesson.md", "order: 1", "order: [1")
        (error,) = errors_of(tree)
        assert error.startswith(f"content/{PATTERN}/lesson.md:4: bad YAML in front matter")

    def test_it_reports_a_missing_section_at_the_question(self, tree):
        practice = tree / PATTERN / "practice.md"
        lines = practice.read_text().splitlines()
        heading = lines.index("## Question 3") + 1
        start = lines.index("### Hint", heading - 1)
        del lines[start : start + 3]
        practice.write_text("\n".join(lines))
        assert errors_of(tree) == [
            f"content/{PATTERN}/practice.md:{heading}: Question 3 has no '### Hint' section"
        ]

    def test_it_rejects_two_correct_options(self, tree):
        practice = tree / PATTERN / "practice.md"
        edit(
            practice,
            "- [ ] Option text A for t1-s1-p1-q1\n  Feedback: Why A tempts, and why it is wrong.",
            "- [x] Option text A for t1-s1-p1-q1",
        )
        (error,) = errors_of(tree)
        line = practice.read_text().splitlines().index("### Options") + 1
        assert error == (
            f"content/{PATTERN}/practice.md:{line}: exactly one option must be marked '- [x]' "
            "as correct; found A and B"
        )

    def test_it_rejects_nine_questions(self, tree):
        practice = tree / PATTERN / "practice.md"
        text = practice.read_text()
        practice.write_text(text[: text.index("## Question 10")])
        errors = errors_of(tree)
        assert len(errors) == 1
        assert "a practice set has exactly 10 questions; this one has 9" in errors[0]

    def test_it_rejects_an_unknown_difficulty(self, tree):
        practice = tree / PATTERN / "practice.md"
        edit(practice, "difficulty: medium", "difficulty: expert")
        line = practice.read_text().splitlines().index("difficulty: expert") + 1
        assert errors_of(tree) == [
            f"content/{PATTERN}/practice.md:{line}: unknown difficulty 'expert' "
            "(use easy, medium or hard)"
        ]

    def test_it_requires_every_difficulty(self, tree):
        practice = tree / PATTERN / "practice.md"
        edit(practice, "difficulty: hard", "difficulty: medium", count=3)
        (error,) = errors_of(tree)
        assert "at least one question of each difficulty; no hard" in error

    def test_it_rejects_a_duplicate_question_id_within_a_set(self, tree):
        practice = tree / PATTERN / "practice.md"
        edit(practice, "id: t1-s1-p1-q2\n", "id: t1-s1-p1-q1\n")
        (error,) = errors_of(tree)
        assert "duplicate question id 't1-s1-p1-q1'" in error

    def test_it_rejects_a_question_id_used_in_another_pattern(self, tree):
        edit(
            tree / "track-1/section-1/pattern-2/practice.md",
            "id: t1-s1-p2-q5\n",
            "id: t1-s1-p1-q5\n",
        )
        (error,) = errors_of(tree)
        assert error.startswith("content/track-1/section-1/pattern-2/practice.md:")
        assert (
            f"duplicate question id 't1-s1-p1-q5' (also in content/{PATTERN}/practice.md)" in error
        )

    def test_it_rejects_a_duplicate_pattern_slug(self, tree):
        edit(tree / "track-1/section-1/pattern-2/lesson.md", "slug: t1-s1-p2", "slug: t1-s1-p1")
        (error,) = errors_of(tree)
        assert "duplicate pattern slug 't1-s1-p1'" in error

    def test_it_checks_the_final_answer_names_the_correct_option(self, tree):
        practice = tree / PATTERN / "practice.md"
        edit(practice, "-> Option B", "-> Option C")
        (error,) = errors_of(tree)
        assert "the final answer names Option C, but the option marked correct is B" in error

    def test_it_reports_an_unclosed_self_check(self, tree):
        lesson = tree / PATTERN / "lesson.md"
        edit(lesson, "Yes, because it is the subject of this lesson.\n:::", "Yes.")
        (error,) = errors_of(tree)
        line = lesson.read_text().splitlines().index("::: self-check") + 1
        assert (
            error
            == f"content/{PATTERN}/lesson.md:{line}: the self-check block is not closed with ':::'"
        )

    def test_it_reports_missing_front_matter_and_missing_files(self, tree):
        (tree / "track-1/track.md").write_text("# no front matter\n")
        (tree / PATTERN / "practice.md").unlink()
        errors = errors_of(tree)
        assert "content/track-1/track.md:1: the file must start with YAML front matter" in errors[0]
        assert f"content/{PATTERN}: a pattern folder needs practice.md" in errors

    def test_it_reports_every_problem_in_one_run(self, tree):
        edit(tree / PATTERN / "practice.md", "difficulty: medium", "difficulty: tricky")
        edit(tree / "track-1/section-1/pattern-2/lesson.md", "title: ", "titel: ")
        edit(
            tree / "track-1/section-1/pattern-3/practice.md", "### Quick check", "### Sanity check"
        )
        errors = errors_of(tree)
        assert len(errors) >= 3
        files = {error.split(":")[0] for error in errors}
        assert files == {
            f"content/{PATTERN}/practice.md",
            "content/track-1/section-1/pattern-2/lesson.md",
            "content/track-1/section-1/pattern-3/practice.md",
        }

    def test_headings_inside_code_blocks_are_not_read_as_structure(self, tree):
        practice = tree / PATTERN / "practice.md"
        stem = "What does this print?\n\n```python\n## Question 99\n### Hint\nprint(200)\n```"
        old = question_markdown(1, "t1-s1-p1-q1")
        edit(practice, old, question_markdown(1, "t1-s1-p1-q1", stem=stem))
        question = validate(tree).patterns[0].practice.questions[0]
        assert "## Question 99" in question.stem_html


class TestLoading:
    def test_it_loads_tracks_sections_patterns_and_questions(self, tree):
        summary = load(tree)
        assert summary.added == {"patterns": 3, "questions": 30}
        pattern = Pattern.objects.get(slug="t1-s1-p2")
        assert pattern.section.track.slug == "t1"
        assert [p.position for p in Pattern.objects.order_by("position")] == [1, 2, 3]
        question = Question.objects.get(key="t1-s1-p2-q3")
        assert question.current_version.correct_letter == "D"
        assert question.current_version.options[0]["feedback_html"].startswith("Why A tempts")

    def test_an_invalid_tree_changes_nothing(self, tree):
        load(tree)
        before = database_snapshot()
        edit(tree / PATTERN / "lesson.md", "title: Pattern t1-s1-p1", "title: Renamed")
        edit(
            tree / "track-1/section-1/pattern-2/practice.md", "difficulty: hard", "difficulty: ???"
        )
        with pytest.raises(ContentInvalid):
            load(tree)
        assert database_snapshot() == before

    def test_reloading_unchanged_content_changes_nothing(self, tree, django_assert_max_num_queries):
        load(tree)
        before = database_snapshot()
        # 1-2. stored patterns and their question ids (to skip unchanged files)
        # 3-5. tracks, sections, all patterns, to compare; nothing is written.
        # 6. the savepoint of the test's transaction
        with django_assert_max_num_queries(6):
            summary = load(tree)
        assert summary.unchanged == {"patterns": 3, "questions": 30}
        assert (
            summary.added == summary.changed == summary.retired == {"patterns": 0, "questions": 0}
        )
        assert database_snapshot() == before

    def test_editing_a_question_makes_a_new_version_and_keeps_the_old(self, tree):
        load(tree)
        question = Question.objects.get(key="t1-s1-p1-q4")
        first = question.current_version
        edit(tree / PATTERN / "practice.md", "What does question `t1-s1-p1-q4` ask?", "Reworded?")
        summary = load(tree)
        assert summary.changed == {"patterns": 1, "questions": 1}
        assert summary.unchanged["questions"] == 29
        question.refresh_from_db()
        assert question.current_version.number == 2
        assert "Reworded?" in question.current_version.stem_html
        first.refresh_from_db()
        assert "ask?" in first.stem_html  # what earlier answers point to is untouched
        assert question.versions.count() == 2

    def test_a_removed_pattern_is_retired_and_comes_back(self, tree, tmp_path):
        load(tree)
        shutil.move(tree / PATTERN, tmp_path / "aside")
        summary = load(tree)
        assert summary.retired == {"patterns": 1, "questions": 10}
        pattern = Pattern.objects.get(slug="t1-s1-p1")
        assert pattern.retired_at is not None
        assert Question.objects.filter(pattern=pattern, retired_at__isnull=True).count() == 0
        assert not Pattern.objects.active().filter(slug="t1-s1-p1").exists()

        shutil.move(tmp_path / "aside", tree / PATTERN)
        load(tree)
        pattern.refresh_from_db()
        assert pattern.retired_at is None
        assert pattern.questions.active().count() == 10
        assert QuestionVersion.objects.filter(question__pattern=pattern).count() == 10

    def test_a_replaced_question_is_retired(self, tree):
        load(tree)
        edit(tree / PATTERN / "practice.md", "id: t1-s1-p1-q7\n", "id: t1-s1-p1-q7-new\n")
        summary = load(tree)
        assert summary.added["questions"] == 1
        assert summary.retired["questions"] == 1
        assert Question.objects.get(key="t1-s1-p1-q7").retired_at is not None
        assert Question.objects.get(key="t1-s1-p1-q7-new").position == 7


class TestCommand:
    def test_check_validates_without_writing(self, tree, capsys):
        call_command("loadcontent", str(tree), check=True)
        assert "3 patterns and 30 questions are valid" in capsys.readouterr().out
        assert not Pattern.objects.exists()

    def test_it_fails_listing_every_problem(self, tree, capsys):
        edit(tree / PATTERN / "practice.md", "difficulty: easy", "difficulty: simple")
        with pytest.raises(CommandError, match="1 problem"):
            call_command("loadcontent", str(tree))
        assert f"content/{PATTERN}/practice.md:" in capsys.readouterr().err
        assert not Pattern.objects.exists()

    def test_it_ends_with_a_summary(self, tree, capsys):
        call_command("loadcontent", str(tree))
        out = capsys.readouterr().out
        assert "patterns: 3 added, 0 changed, 0 unchanged, 0 retired." in out
        assert "questions: 30 added" in out

    def test_the_shipped_content_is_valid(self, settings):
        tree = validate(settings.CONTENT_DIR)
        slugs = {p.lesson.meta.slug for p in tree.patterns}
        assert {
            "api-key-management",
            "auth-headers-status-codes",
            "rate-limits-key-rotation",
        } <= slugs
