"""Load a content tree into the catalog: validate everything first, then write in one transaction.

Patterns whose files are unchanged since the last load (same content hash) are neither parsed nor
written, so re-running on an unchanged tree only reads and hashes the files.
"""

import hashlib
import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction
from django.utils import timezone

from .models import Pattern, Pool, Question, QuestionVersion, Section, Track
from .pages import clear_page_cache
from .parsing import (
    ContentError,
    ContentErrors,
    Meta,
    ParsedAssessment,
    ParsedLesson,
    ParsedPractice,
    ParsedQuestion,
    fence_flags,
    parse_assessment,
    parse_index,
    parse_lesson,
    parse_practice,
)
from .variants import Template, fill

# Bump when parsing or rendering changes, so that every pattern is rendered again.
LOADER_VERSION = "4"


class ContentInvalid(Exception):
    def __init__(self, errors: list[ContentError]):
        super().__init__(f"{len(errors)} problem(s) in the content files")
        self.errors = errors


@dataclass
class FoundPattern:
    path: str  # folder, relative to the tree's parent, as shown in messages
    track_path: str
    section_path: str
    source_hash: str
    lesson_text: str
    practice_text: str
    assessment_text: str | None = None  # assessment.md is optional
    lesson: ParsedLesson | None = None
    practice: ParsedPractice | None = None
    assessment: ParsedAssessment | None = None
    # For unchanged patterns, what the database already holds.
    existing: Pattern | None = None


@dataclass
class Tree:
    tracks: dict[str, Meta] = field(default_factory=dict)  # by folder path
    sections: dict[str, tuple[str, Meta]] = field(
        default_factory=dict
    )  # path -> (track path, meta)
    patterns: list[FoundPattern] = field(default_factory=list)
    # Problems worth a look that do not stop a load (see longest_option_warnings).
    warnings: list[ContentError] = field(default_factory=list)


@dataclass
class Summary:
    added: dict[str, int] = field(default_factory=lambda: {"patterns": 0, "questions": 0})
    changed: dict[str, int] = field(default_factory=lambda: {"patterns": 0, "questions": 0})
    unchanged: dict[str, int] = field(default_factory=lambda: {"patterns": 0, "questions": 0})
    retired: dict[str, int] = field(default_factory=lambda: {"patterns": 0, "questions": 0})
    warnings: list[ContentError] = field(default_factory=list)

    def __str__(self) -> str:
        return " ".join(
            f"{kind}: {self.added[kind]} added, {self.changed[kind]} changed, "
            f"{self.unchanged[kind]} unchanged, {self.retired[kind]} retired."
            for kind in ("patterns", "questions")
        )


def _display(path: Path, root: Path) -> str:
    return str(Path(root.name) / path.relative_to(root))


def _hash(*texts: str) -> str:
    digest = hashlib.sha256(LOADER_VERSION.encode())
    for text in texts:
        digest.update(b"\0")
        digest.update(text.encode())
    return digest.hexdigest()


def scan(root: Path, errors: list[ContentError]) -> Tree:
    """Find the track, section and pattern folders and read their files."""
    tree = Tree()
    if not root.is_dir():
        errors.append(ContentError(str(root), 0, "no such content folder"))
        return tree

    def read(path: Path) -> str | None:
        try:
            return path.read_text(encoding="utf-8")
        except UnicodeDecodeError as exc:
            errors.append(ContentError(_display(path, root), 1, f"not UTF-8 text ({exc.reason})"))
        except OSError as exc:
            errors.append(ContentError(_display(path, root), 0, f"cannot read: {exc.strerror}"))
        return None

    def index(path: Path, what: str) -> Meta | None:
        if not path.is_file():
            errors.append(
                ContentError(_display(path.parent, root), 0, f"a {what} folder needs {path.name}")
            )
            return None
        text = read(path)
        if text is None:
            return None
        try:
            return parse_index(_display(path, root), text)
        except ContentErrors as exc:
            errors.extend(exc.errors)
            return None

    for track_dir in sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith(".")):
        track_meta = index(track_dir / "track.md", "track")
        if track_meta:
            tree.tracks[_display(track_dir, root)] = track_meta
        for section_dir in sorted(
            p for p in track_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
        ):
            section_meta = index(section_dir / "section.md", "section")
            if section_meta:
                tree.sections[_display(section_dir, root)] = (
                    _display(track_dir, root),
                    section_meta,
                )
            for pattern_dir in sorted(
                p for p in section_dir.iterdir() if p.is_dir() and not p.name.startswith(".")
            ):
                missing = [
                    n for n in ("lesson.md", "practice.md") if not (pattern_dir / n).is_file()
                ]
                if missing:
                    errors.append(
                        ContentError(
                            _display(pattern_dir, root),
                            0,
                            f"a pattern folder needs {' and '.join(missing)}",
                        )
                    )
                    continue
                lesson_text = read(pattern_dir / "lesson.md")
                practice_text = read(pattern_dir / "practice.md")
                assessment_text = None
                if (pattern_dir / "assessment.md").is_file():
                    assessment_text = read(pattern_dir / "assessment.md")
                    if assessment_text is None:
                        continue
                if lesson_text is None or practice_text is None:
                    continue
                texts = [lesson_text, practice_text]
                if assessment_text is not None:
                    texts.append(assessment_text)
                tree.patterns.append(
                    FoundPattern(
                        path=_display(pattern_dir, root),
                        track_path=_display(track_dir, root),
                        section_path=_display(section_dir, root),
                        source_hash=_hash(*texts),
                        lesson_text=lesson_text,
                        practice_text=practice_text,
                        assessment_text=assessment_text,
                    )
                )
    return tree


def validate(
    root: Path,
    unchanged: dict[str, Pattern] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> Tree:
    """Scan and parse the whole tree; raise ContentInvalid listing every problem.

    `unchanged` maps pattern folders to the stored pattern, to skip parsing files whose hash matches.
    """
    errors: list[ContentError] = []
    tree = scan(root, errors)
    unchanged = unchanged or {}
    total = len(tree.patterns)
    for count, found in enumerate(tree.patterns, start=1):
        stored = unchanged.get(found.path)
        if stored is not None and stored.source_hash == found.source_hash:
            found.existing = stored
        else:
            for attr, parse, name in (
                ("lesson", parse_lesson, "lesson.md"),
                ("practice", parse_practice, "practice.md"),
                ("assessment", parse_assessment, "assessment.md"),
            ):
                text = getattr(found, f"{attr}_text")
                if text is None:
                    continue
                try:
                    setattr(found, attr, parse(f"{found.path}/{name}", text))
                except ContentErrors as exc:
                    errors.extend(exc.errors)
            _check_pool_against_practice(found, errors)
            tree.warnings.extend(longest_option_warnings(found))
            tree.warnings.extend(empty_heading_warnings(found))
        if progress and (count % 100 == 0 or count == total):
            progress(count, total)
    _check_unique(tree, errors)
    if errors:
        raise ContentInvalid(errors)
    return tree


def _check_pool_against_practice(found: FoundPattern, errors: list[ContentError]) -> None:
    """A test must not be learnable from practice: no pool stem repeats a practice stem."""
    if not (found.practice and found.assessment):
        return
    practice = {}
    for question in found.practice.questions:
        for words in question.stem_words:
            practice.setdefault(words, question.key)
    for question in found.assessment.questions:
        repeated = next((practice[w] for w in question.stem_words if w in practice), None)
        if repeated:
            errors.append(
                ContentError(
                    f"{found.path}/assessment.md",
                    question.line,
                    f"the stem repeats practice question '{repeated}' word for word; "
                    "a test question must not be learnable from practice",
                )
            )


LONGEST_KEYED_SHARE = 0.4


def _shown_length(question: ParsedQuestion, html_text: str) -> int:
    # What a learner reads: markup stripped, a template's placeholders filled for one variant.
    if question.template:
        html_text = fill(html_text, Template.from_json(question.template).values(0))
    return len(html.unescape(re.sub(r"<[^>]+>", "", html_text)).strip())


def longest_option_warnings(found: FoundPattern) -> list[ContentError]:
    """Warn where the keyed option is the strictly longest in over 40 % of a set's questions.

    Test-wise learners pick the longest option; if that is usually the right one, a score
    measures the habit rather than the lesson. A warning, not an error: the seed's own set is
    kept word for word, and a single question may well need its long right answer. Practice and
    pool are counted apart, over their single-choice questions (the only ones with one keyed
    option).
    """
    warnings = []
    for name, parsed in (("practice.md", found.practice), ("assessment.md", found.assessment)):
        singles = [q for q in parsed.questions if q.qtype == "single"] if parsed else []
        longest = []
        for q in singles:
            keyed = [_shown_length(q, o.html) for o in q.options if o.letter == q.correct_letter]
            others = [_shown_length(q, o.html) for o in q.options if o.letter != q.correct_letter]
            if keyed and others and keyed[0] > max(others):
                longest.append(q)
        if singles and len(longest) > LONGEST_KEYED_SHARE * len(singles):
            lines = ", ".join(str(q.line) for q in longest)
            warnings.append(
                ContentError(
                    f"{found.path}/{name}",
                    longest[0].line,
                    f"warning: the right option is the strictly longest in {len(longest)} of "
                    f"{len(singles)} single-choice questions "
                    f"({len(longest) / len(singles):.0%}, over {LONGEST_KEYED_SHARE:.0%}), "
                    f"at lines {lines}; learners who pick the longest option score without "
                    "knowing the answer",
                )
            )
    return warnings


_HEADING = re.compile(r"^#{2,3}\s+\S")
_ANY_HEADING = re.compile(r"^#{1,6}\s")


def empty_heading_warnings(found: FoundPattern) -> list[ContentError]:
    """Warn where a lesson's '##' or '###' heading has no text before the next heading or the end.

    A heading the lesson never explains is a promise it does not keep; the table of contents
    still lists it. A warning, so a lesson being written can still be loaded to look at.
    """
    lines = found.lesson_text.splitlines()
    fenced = fence_flags(lines)
    headings = [i for i, line in enumerate(lines) if not fenced[i] and _ANY_HEADING.match(line)]
    warnings = []
    for n, index in enumerate(headings):
        if not _HEADING.match(lines[index]):
            continue
        end = headings[n + 1] if n + 1 < len(headings) else len(lines)
        if not any(line.strip() for line in lines[index + 1 : end]):
            what = "the next heading" if n + 1 < len(headings) else "the end of the lesson"
            warnings.append(
                ContentError(
                    f"{found.path}/lesson.md",
                    index + 1,
                    f"warning: the heading '{lines[index].strip()}' has no text before {what}; "
                    "say what the section is about",
                )
            )
    return warnings


def _check_unique(tree: Tree, errors: list[ContentError]) -> None:
    """Slugs and question ids are identities: each must be unique across the whole tree."""

    def check(kind: str, entries: list[tuple[str, str, int]]) -> None:
        seen: dict[str, str] = {}
        for value, where, line in entries:
            if value in seen:
                errors.append(
                    ContentError(where, line, f"duplicate {kind} '{value}' (also in {seen[value]})")
                )
            else:
                seen[value] = where

    check("track slug", [(m.slug, f"{p}/track.md", 1) for p, m in tree.tracks.items()])
    check("section slug", [(m.slug, f"{p}/section.md", 1) for p, (_, m) in tree.sections.items()])
    pattern_slugs, question_ids = [], []
    for found in tree.patterns:
        if found.existing is not None:
            pattern_slugs.append((found.existing.slug, f"{found.path}/lesson.md", 1))
            question_ids.extend(
                (key, f"{found.path}/practice.md", 1) for key in found.existing.question_keys
            )
        else:
            if found.lesson:
                pattern_slugs.append((found.lesson.meta.slug, f"{found.path}/lesson.md", 1))
            if found.practice:
                question_ids.extend(
                    (q.key, f"{found.path}/practice.md", q.line) for q in found.practice.questions
                )
            if found.assessment:
                question_ids.extend(
                    (q.key, f"{found.path}/assessment.md", q.line)
                    for q in found.assessment.questions
                )
    check("pattern slug", pattern_slugs)
    check("question id", question_ids)


def load(root: Path, progress: Callable[[int, int], None] | None = None) -> Summary:
    """Validate the tree and write it; raise ContentInvalid (writing nothing) on any problem."""
    with transaction.atomic():
        patterns = list(Pattern.objects.all())
        by_id = {p.pk: p for p in patterns}
        for pattern in patterns:
            pattern.question_keys = []
        for pattern_id, key in (
            Question.objects.from_content().active().values_list("pattern_id", "key")
        ):
            by_id[pattern_id].question_keys.append(key)
        active_by_path = {p.source_path: p for p in patterns if p.retired_at is None}
        tree = validate(root, active_by_path, progress)
        summary = _write(tree, {p.slug: p for p in patterns})
        summary.warnings = tree.warnings
    clear_page_cache()
    return summary


def _upsert_index(model, entries: dict, parent_of, now) -> dict[str, object]:
    """Create, update, retire and revive tracks or sections; returns objects by folder path."""
    existing = {obj.slug: obj for obj in model.objects.all()}
    by_path = {}
    seen = set()
    for path, meta in entries.items():
        values = {
            "title": meta.title,
            "summary": meta.summary,
            "order": meta.order,
            "source_path": path,
            "retired_at": None,
            **parent_of(path),
        }
        obj = existing.get(meta.slug)
        if obj is None:
            obj = model.objects.create(slug=meta.slug, **values)
        else:
            changed = [k for k, v in values.items() if getattr(obj, k) != v]
            for k in changed:
                setattr(obj, k, values[k])
            if changed:
                obj.save(update_fields=changed)
        by_path[path] = obj
        seen.add(meta.slug)
    gone = [obj.pk for slug, obj in existing.items() if slug not in seen and obj.retired_at is None]
    if gone:
        model.objects.filter(pk__in=gone).update(retired_at=now)
    return by_path


def _write(tree: Tree, all_patterns: dict[str, Pattern]) -> Summary:
    now = timezone.now()
    summary = Summary()
    tracks = _upsert_index(Track, tree.tracks, lambda path: {}, now)
    sections = _upsert_index(
        Section,
        {path: meta for path, (_, meta) in tree.sections.items()},
        lambda path: {"track_id": tracks[tree.sections[path][0]].pk},
        now,
    )

    kept: list[Pattern] = []
    changed_patterns: list[tuple[Pattern, FoundPattern]] = []
    for found in tree.patterns:
        if found.existing is not None:
            summary.unchanged["patterns"] += 1
            summary.unchanged["questions"] += len(found.existing.question_keys)
            pattern = all_patterns[found.existing.slug]
            section = sections[found.section_path]
            if pattern.section_id != section.pk:
                pattern.section = section
                pattern.save(update_fields=["section"])
            kept.append(pattern)
            continue
        meta = found.lesson.meta
        values = {
            "section": sections[found.section_path],
            "title": meta.title,
            "summary": meta.summary,
            "order": meta.order,
            "lesson_html": found.lesson.html,
            "toc": [{"level": e.level, "id": e.id, "title": e.title} for e in found.lesson.toc],
            "self_checks": found.lesson.self_checks,
            "faded_examples": found.lesson.faded_examples,
            "practice_title": found.practice.title,
            "assessment_title": found.assessment.title if found.assessment else "",
            "blueprint": found.assessment.blueprint if found.assessment else {},
            "source_path": found.path,
            "source_hash": found.source_hash,
            "retired_at": None,
        }
        pattern = all_patterns.get(meta.slug)
        if pattern is None:
            pattern = Pattern.objects.create(slug=meta.slug, **values)
            summary.added["patterns"] += 1
        else:
            for key, value in values.items():
                setattr(pattern, key, value)
            pattern.save()
            summary.changed["patterns"] += 1
        kept.append(pattern)
        changed_patterns.append((pattern, found))

    kept_ids = {p.pk for p in kept}
    gone = [p.pk for p in all_patterns.values() if p.pk not in kept_ids and p.retired_at is None]
    if gone:
        summary.retired["patterns"] = Pattern.objects.filter(pk__in=gone).update(retired_at=now)
        summary.retired["questions"] += (
            Question.objects.from_content()
            .active()
            .filter(pattern_id__in=gone)
            .update(retired_at=now)
        )

    _write_questions(changed_patterns, summary, now)
    _renumber(kept, tracks, sections)
    return summary


def _write_questions(changed: list[tuple[Pattern, "FoundPattern"]], summary: Summary, now) -> None:
    parsed = {
        q.key: (pattern, pool, q)
        for pattern, found in changed
        for pool, questions in _question_sets(found)
        for q in questions
    }
    if not changed:
        return
    existing = {
        q.key: q
        for q in Question.objects.from_content()
        .filter(key__in=parsed.keys())
        .select_related("current_version")
    }
    new_questions, new_versions, updated = [], [], []
    for key, (pattern, pool, pq) in parsed.items():
        question = existing.get(key)
        if question is None:
            question = Question(
                pattern=pattern, key=key, pool=pool, position=pq.position, difficulty=pq.difficulty
            )
            new_questions.append((question, pq))
            summary.added["questions"] += 1
            continue
        fields = {
            "pattern_id": pattern.pk,
            "pool": pool,
            "position": pq.position,
            "difficulty": pq.difficulty,
            "retired_at": None,
        }
        changed_fields = [k for k, v in fields.items() if getattr(question, k) != v]
        for k in changed_fields:
            setattr(question, k, fields[k])
        version = question.current_version
        if version is None or version.source_hash != pq.source_hash:
            number = (version.number if version else 0) + 1
            new_versions.append((question, _version(question, pq, number)))
            summary.changed["questions"] += 1
        else:
            summary.unchanged["questions"] += 1
        if changed_fields:
            updated.append(question)

    Question.objects.bulk_create([q for q, _ in new_questions], batch_size=500)
    new_versions.extend((q, _version(q, pq, 1)) for q, pq in new_questions)
    QuestionVersion.objects.bulk_create([v for _, v in new_versions], batch_size=500)
    for question, version in new_versions:
        question.current_version = version
    to_update = {q.pk: q for q in updated} | {q.pk: q for q, _ in new_versions}
    Question.objects.bulk_update(
        list(to_update.values()),
        ["pattern", "pool", "position", "difficulty", "retired_at", "current_version"],
        batch_size=500,
    )
    # Questions removed from a changed practice set or pool (or with their assessment.md).
    summary.retired["questions"] += (
        Question.objects.from_content()
        .active()
        .filter(pattern__in=[p for p, _ in changed])
        .exclude(key__in=parsed.keys())
        .update(retired_at=now)
    )


def _question_sets(found: FoundPattern):
    yield Pool.PRACTICE, found.practice.questions
    if found.assessment:
        yield Pool.ASSESSMENT, found.assessment.questions


def _version(question: Question, pq, number: int) -> QuestionVersion:
    return QuestionVersion(
        question=question,
        number=number,
        source_hash=pq.source_hash,
        difficulty=pq.difficulty,
        qtype=pq.qtype,
        scoring=pq.scoring,
        ordered=pq.ordered,
        answer_spec=pq.answer_spec,
        template=pq.template,
        stem_html=pq.stem_html,
        options=[
            {"letter": o.letter, "html": o.html, "feedback_html": o.feedback_html}
            | ({"misconception": o.misconception} if o.misconception else {})
            for o in pq.options
        ],
        correct_letter=pq.correct_letter,
        solution_steps=pq.solution_steps,
        final_answer_html=pq.final_answer_html,
        quick_check_html=pq.quick_check_html,
        hint_html=pq.hint_html,
        hints=pq.hints,
        common_mistakes=pq.common_mistakes,
    )


def _renumber(patterns: list[Pattern], tracks: dict, sections: dict) -> None:
    """Number active patterns 1..n in catalog order, so previous/next is one query."""
    section_by_id = {s.pk: s for s in sections.values()}
    track_by_id = {t.pk: t for t in tracks.values()}

    def sort_key(pattern: Pattern):
        section = section_by_id[pattern.section_id]
        track = track_by_id[section.track_id]
        return (track.order, track.slug, section.order, section.slug, pattern.order, pattern.slug)

    moved = []
    for position, pattern in enumerate(sorted(patterns, key=sort_key), start=1):
        if pattern.position != position:
            pattern.position = position
            moved.append(pattern)
    Pattern.objects.bulk_update(moved, ["position"], batch_size=500)
