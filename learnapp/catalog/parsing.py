"""Parse and validate content files into plain data, with the file and line of every problem.

Nothing here touches the database: the loader parses the whole tree first and writes only if no
file has a problem. Rendering to HTML happens here too, so a parsed pattern is ready to store.
"""

import hashlib
import html as html_module
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import yaml

from . import worked
from .expressions import ExpressionError, compile_expression
from .markdown import TocEntry, render_block, render_inline, render_lesson
from .variants import (
    SEEDS_CHECKED,
    Derived,
    Parameter,
    Template,
    TemplateError,
    check_format,
    describe_values,
    fill,
    parse_derived,
    parse_parameter,
    protect,
    restore,
)

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DIFFICULTIES = ("easy", "medium", "hard")
QUESTIONS_PER_SET = 10
LETTERS = "ABCDEFGH"  # single choice uses up to E; multiple up to F; ordering up to H
SECTIONS = ("Options", "Solution", "Final answer", "Quick check", "Hint", "Common mistakes")


@dataclass(frozen=True)
class ContentError:
    path: str
    line: int
    message: str

    def __str__(self) -> str:
        # Folder-level problems have no line.
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class Problems:
    """Collects every problem in one file, so an author sees them all in one run."""

    def __init__(self, path: str):
        self.path = path
        self.errors: list[ContentError] = []

    def add(self, line: int, message: str) -> None:
        self.errors.append(ContentError(self.path, line, message))


@dataclass
class Meta:
    title: str = ""
    slug: str = ""
    order: int = 0
    summary: str = ""
    line: int = 1  # where the front matter starts, for cross-file errors


@dataclass
class ParsedOption:
    letter: str
    html: str
    feedback_html: str
    misconception: str = ""  # a template's wrong option: the mistake that computes it


@dataclass
class ParsedQuestion:
    key: str
    position: int
    difficulty: str
    line: int
    source_hash: str
    stem_html: str = ""
    options: list[ParsedOption] = field(default_factory=list)
    correct_letter: str = ""
    solution_steps: list[str] = field(default_factory=list)
    final_answer_html: str = ""
    quick_check_html: str = ""
    hint_html: str = ""  # the last tier
    hints: list[str] = field(default_factory=list)  # every tier, the last one is hint_html
    common_mistakes: list[str] = field(default_factory=list)
    qtype: str = "single"
    scoring: str = ""
    ordered: bool = False
    answer_spec: dict = field(default_factory=dict)
    template: dict = field(default_factory=dict)
    # The stem's words (for templates, over every checked seed), to compare with practice stems.
    stem_words: set[str] = field(default_factory=set)


@dataclass
class ParsedLesson:
    meta: Meta
    html: str
    toc: list[TocEntry]
    # [{"question_html", "answer_html"}] per self-check block, in lesson order.
    self_checks: list[dict] = field(default_factory=list)
    # The faded worked examples, checked on the server (see learnapp.catalog.worked).
    faded_examples: list[dict] = field(default_factory=list)


@dataclass
class ParsedPractice:
    title: str
    questions: list[ParsedQuestion]


# -- front matter -----------------------------------------------------------------------------


def split_front_matter(lines: list[str], problems: Problems) -> tuple[dict, int] | None:
    """Return the front matter mapping and the index of the first body line."""
    if not lines or lines[0].strip() != "---":
        problems.add(1, "the file must start with YAML front matter between two '---' lines")
        return None
    for end in range(1, len(lines)):
        if lines[end].strip() == "---":
            break
    else:
        problems.add(1, "the front matter is not closed by a '---' line")
        return None
    try:
        data = yaml.safe_load("\n".join(lines[1:end])) or {}
    except yaml.YAMLError as exc:
        # The context mark is where the broken construct starts, which is where to look.
        mark = getattr(exc, "context_mark", None) or getattr(exc, "problem_mark", None)
        line = mark.line + 2 if mark else 1
        problem = getattr(exc, "problem", None) or str(exc)
        problems.add(line, f"bad YAML in front matter: {problem}")
        return None
    if not isinstance(data, dict):
        problems.add(2, "the front matter must be a mapping of 'key: value' lines")
        return None
    return data, end + 1


def read_meta(data: dict, problems: Problems, required: tuple[str, ...]) -> Meta:
    allowed = {"title", "slug", "order", "summary"}
    for key in data:
        if key not in allowed:
            problems.add(
                1, f"unknown front matter key '{key}' (allowed: {', '.join(sorted(allowed))})"
            )
    meta = Meta()
    for key in required:
        if key not in data or data[key] in (None, ""):
            problems.add(1, f"front matter needs '{key}'")
    title = data.get("title")
    if title is not None and not isinstance(title, str):
        problems.add(1, "'title' must be text")
    meta.title = str(title or "").strip()
    slug = data.get("slug")
    if slug is not None:
        if not isinstance(slug, str) or not SLUG.match(slug):
            problems.add(1, f"slug {slug!r} must be lower-case letters, digits and hyphens")
        else:
            meta.slug = slug
    order = data.get("order")
    if order is not None:
        if isinstance(order, bool) or not isinstance(order, int):
            problems.add(1, f"'order' must be a whole number, not {order!r}")
        else:
            meta.order = order
    meta.summary = str(data.get("summary") or "").strip()
    return meta


def parse_index(path: str, text: str) -> Meta | None:
    """track.md and section.md: front matter only."""
    problems = Problems(path)
    found = split_front_matter(text.splitlines(), problems)
    if found is None:
        raise ContentErrors(problems.errors)
    meta = read_meta(found[0], problems, ("title", "slug", "order", "summary"))
    if problems.errors:
        raise ContentErrors(problems.errors)
    return meta


class ContentErrors(Exception):
    def __init__(self, errors: list[ContentError]):
        super().__init__("\n".join(map(str, errors)))
        self.errors = errors


# -- lessons ----------------------------------------------------------------------------------

_FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
_SELF_CHECK_PLACEHOLDER = "LEARNAPPSELFCHECK{}"


def fence_flags(lines: list[str]) -> list[bool]:
    """For each line, whether it lies inside (or opens or closes) a fenced code block."""
    flags = []
    fence = None
    for line in lines:
        match = _FENCE.match(line)
        if fence is None:
            if match:
                fence = match.group(1)
                flags.append(True)
                continue
            flags.append(False)
        else:
            flags.append(True)
            if match and match.group(1)[0] == fence[0] and len(match.group(1)) >= len(fence):
                fence = None
    return flags


def parse_lesson(path: str, text: str) -> ParsedLesson:
    problems = Problems(path)
    lines = text.splitlines()
    found = split_front_matter(lines, problems)
    if found is None:
        raise ContentErrors(problems.errors)
    meta = read_meta(found[0], problems, ("title", "slug", "order", "summary"))
    body_start = found[1]
    body = lines[body_start:]
    if not any(line.strip() for line in body):
        problems.add(body_start + 1, "the lesson has no text after its front matter")

    fenced = fence_flags(body)
    body, examples = worked.extract(body, body_start, fenced, problems)
    example_html: list[str] = []
    faded_examples: list[dict] = []
    for example in examples:
        if example.kind == "worked-example":
            example_html.append(worked.render_worked(example, problems) or "")
        else:
            faded = worked.parse_faded(example, len(faded_examples) + 1, problems)
            if faded:
                faded_examples.append(faded)
                example_html.append(worked.SLOT.format(faded["number"]))
    out: list[str] = []
    self_checks: list[tuple[str, str]] = []
    block: dict | None = None
    for index, line in enumerate(body):
        number = body_start + index + 1
        stripped = line.strip()
        if not fenced[index] and re.match(r"^#\s", line):
            problems.add(
                number,
                "use '##' for lesson sections: the page shows the title as the only '#' heading",
            )
        if fenced[index] or not stripped.startswith(":::"):
            (
                block["answer" if block and block["in_answer"] else "question"] if block else out
            ).append(line)
            continue
        marker = stripped[3:].strip().lower()
        if marker == "self-check":
            if block:
                problems.add(number, "a self-check block cannot start inside another one")
                continue
            block = {"line": number, "question": [], "answer": [], "in_answer": False}
        elif marker == "answer":
            if not block:
                problems.add(number, "'::: answer' outside a '::: self-check' block")
            elif block["in_answer"]:
                problems.add(number, "a self-check block has only one '::: answer'")
            else:
                block["in_answer"] = True
        elif marker == "":
            if not block:
                problems.add(number, "':::' closes nothing: no '::: self-check' block is open")
                continue
            if not block["in_answer"]:
                problems.add(block["line"], "the self-check block has no '::: answer' part")
            question, answer = "\n".join(block["question"]), "\n".join(block["answer"])
            if not question.strip():
                problems.add(block["line"], "the self-check block has no question")
            if block["in_answer"] and not answer.strip():
                problems.add(block["line"], "the self-check block's answer is empty")
            out.extend(["", _SELF_CHECK_PLACEHOLDER.format(len(self_checks)), ""])
            self_checks.append((question, answer))
            block = None
        else:
            problems.add(
                number,
                f"unknown block '::: {marker}' (known: '::: self-check', "
                "'::: worked-example', '::: faded-example')",
            )
    if block:
        problems.add(block["line"], "the self-check block is not closed with ':::'")
    if problems.errors:
        raise ContentErrors(problems.errors)

    html, toc = render_lesson("\n".join(out))
    for number, rendered in enumerate(example_html):
        html = html.replace(f"<p>{worked.PLACEHOLDER.format(number)}</p>", rendered)
    rendered_checks = []
    for number, (question, answer) in enumerate(self_checks):
        check = {"question_html": render_block(question), "answer_html": render_block(answer)}
        rendered_checks.append(check)
        html = html.replace(
            f"<p>{_SELF_CHECK_PLACEHOLDER.format(number)}</p>",
            '<aside class="self-check"><p class="self-check-label">Self-check</p>'
            f"{check['question_html']}"
            "<details><summary>Show the answer</summary>"
            f'<div class="self-check-answer">{check["answer_html"]}</div></details></aside>',
        )
    return ParsedLesson(
        meta=meta,
        html=html,
        toc=toc,
        self_checks=rendered_checks,
        faded_examples=faded_examples,
    )


# -- practice sets and assessment pools ---------------------------------------------------------

_QUESTION_HEADING = re.compile(r"^##\s+Question\s+(\d+)\s*$")
_OPTION = re.compile(r"^[-*]\s+\[( |x|X)\]\s+(.*)$")
_STEP = re.compile(r"^(\d+)[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_FEEDBACK = re.compile(r"^Feedback:\s*(.*)$")
_MISCONCEPTION = re.compile(r"^Misconception:\s*(.*)$")
_OPTION_NAMED = re.compile(r"\bOptions?\s+([A-H])\b")
_OF_THE_ABOVE = re.compile(r"\b(all|none|both|neither) of the (above|previous)\b", re.IGNORECASE)
_NUMBER_TEXT = re.compile(r"^-?\d+(?:\.\d+)?$")
_TAG = re.compile(r"<[^>]+>")

QUESTION_FIELDS = ("id", "difficulty", "type", "scoring", "ordered")
QUESTION_TYPES = ("single", "multiple", "numeric", "ordering")
SCORINGS = ("all-or-nothing", "partial")
ALL_SECTIONS = (
    "Parameters",
    "Derived",
    "Options",
    "Answer",
    "Steps",
    "Solution",
    "Final answer",
    "Quick check",
    "Hint",
    "Common mistakes",
)
# What each type answers with; the other answer sections are refused.
ANSWER_SECTION = {
    "single": "Options",
    "multiple": "Options",
    "numeric": "Answer",
    "ordering": "Steps",
}
OPTION_COUNTS = {"single": (3, 5), "multiple": (3, 6), "ordering": (3, 8)}
ANSWER_KEYS = ("value", "tolerance", "relative_tolerance", "unit", "percent", "accept_fraction")
# A test draws ten questions; the pool needs enough of each difficulty, and enough in all that a
# retake can draw questions the learner has not seen.
POOL_MINIMUM = 2 * QUESTIONS_PER_SET


@dataclass
class ParsedAssessment:
    title: str
    blueprint: dict[str, int]
    questions: list[ParsedQuestion]
    line: int = 1


def parse_practice(path: str, text: str) -> ParsedPractice:
    problems = Problems(path)
    found = _parse_question_file(path, text, problems, pool=False)
    if found is None:
        raise ContentErrors(problems.errors)
    data, body_start, headings, questions, lines = found
    for key in data:
        if key != "title":
            problems.add(1, f"unknown front matter key '{key}' (a practice set has only 'title')")
    title = str(data.get("title") or "").strip()
    if not title:
        problems.add(1, "front matter needs 'title'")
    if len(headings) != QUESTIONS_PER_SET:
        problems.add(
            len(lines) if headings else body_start + 1,
            f"a practice set has exactly {QUESTIONS_PER_SET} questions; this one has {len(headings)}",
        )
    difficulties = {question.difficulty for question in questions}
    missing = [d for d in DIFFICULTIES if d not in difficulties]
    if questions and missing and len(questions) == len(headings):
        problems.add(
            body_start + 1,
            f"the set needs at least one question of each difficulty; no {' or '.join(missing)}",
        )
    if problems.errors:
        raise ContentErrors(problems.errors)
    return ParsedPractice(title=title, questions=questions)


def parse_assessment(path: str, text: str) -> ParsedAssessment:
    """assessment.md: the pool that tests draw from, and the blueprint of a test."""
    problems = Problems(path)
    found = _parse_question_file(path, text, problems, pool=True)
    if found is None:
        raise ContentErrors(problems.errors)
    data, body_start, headings, questions, lines = found
    for key in data:
        if key not in ("title", "blueprint"):
            problems.add(
                1, f"unknown front matter key '{key}' (an assessment has 'title' and 'blueprint')"
            )
    title = str(data.get("title") or "").strip()
    if not title:
        problems.add(1, "front matter needs 'title'")
    blueprint = _read_blueprint(data.get("blueprint"), lines, problems)
    if blueprint and len(questions) == len(headings):
        counts = {d: sum(1 for q in questions if q.difficulty == d) for d in DIFFICULTIES}
        short = [f"{counts[d]} {d} for {n}" for d, n in blueprint.items() if counts[d] < n]
        if short:
            problems.add(
                _front_matter_line(lines, "blueprint"),
                f"the pool cannot fill the blueprint: it has {', '.join(short)}",
            )
        if len(questions) < POOL_MINIMUM:
            problems.add(
                body_start + 1,
                f"an assessment pool needs at least {POOL_MINIMUM} questions, so that a retake "
                f"can draw unseen ones; this one has {len(questions)}",
            )
    if problems.errors:
        raise ContentErrors(problems.errors)
    return ParsedAssessment(title=title, blueprint=blueprint, questions=questions)


def _front_matter_line(lines: list[str], key: str) -> int:
    for number, line in enumerate(lines[1:], start=2):
        if line.startswith(f"{key}:"):
            return number
        if line.strip() == "---":
            break
    return 1


def _read_blueprint(value, lines: list[str], problems: Problems) -> dict[str, int]:
    line = _front_matter_line(lines, "blueprint")
    example = "blueprint: {easy: 3, medium: 4, hard: 3}"
    if value is None:
        problems.add(1, f"front matter needs 'blueprint', as in '{example}'")
        return {}
    if not isinstance(value, dict) or not value:
        problems.add(line, f"the blueprint counts questions per difficulty, as in '{example}'")
        return {}
    blueprint: dict[str, int] = {}
    for key, count in value.items():
        if key not in DIFFICULTIES:
            problems.add(
                line, f"unknown difficulty '{key}' in the blueprint (use easy, medium, hard)"
            )
        elif isinstance(count, bool) or not isinstance(count, int) or count < 0:
            problems.add(line, f"the blueprint's '{key}' must be a whole number, not {count!r}")
        else:
            blueprint[key] = count
    if len(blueprint) != len(value):
        return {}
    blueprint = {d: blueprint.get(d, 0) for d in DIFFICULTIES}
    if sum(blueprint.values()) != QUESTIONS_PER_SET:
        problems.add(
            line,
            f"a test has {QUESTIONS_PER_SET} questions; the blueprint adds up to "
            f"{sum(blueprint.values())}",
        )
        return {}
    if blueprint["hard"] < 1:
        # "Strong" needs at least one hard question right, so every test must hold one.
        problems.add(line, "the blueprint needs at least one hard question (the 'strong' rule)")
        return {}
    return blueprint


def _parse_question_file(path: str, text: str, problems: Problems, pool: bool):
    lines = text.splitlines()
    found = split_front_matter(lines, problems)
    if found is None:
        return None
    data, body_start = found
    headings, questions = _parse_questions(lines, body_start, problems, pool)
    return data, body_start, headings, questions, lines


def parse_question_blocks(path: str, text: str) -> list[ParsedQuestion]:
    """Questions without a file around them (an instructor's own, written in the browser or
    imported): `## Question 1`, `## Question 2`... checked as assessment pool questions, since
    they are asked in tests. Raises ContentErrors with every problem."""
    problems = Problems(path)
    lines = text.splitlines()
    headings, questions = _parse_questions(lines, 0, problems, pool=True)
    if not headings and not problems.errors:
        problems.add(1, "write a question: start with a '## Question 1' heading")
    if problems.errors:
        raise ContentErrors(problems.errors)
    return questions


def _parse_questions(lines: list[str], body_start: int, problems: Problems, pool: bool):
    fenced = fence_flags(lines)
    headings = [
        i for i in range(body_start, len(lines)) if not fenced[i] and lines[i].startswith("## ")
    ]
    for i in range(body_start, headings[0] if headings else len(lines)):
        if lines[i].strip():
            problems.add(i + 1, "text before the first '## Question 1' heading")
            break
    questions: list[ParsedQuestion] = []
    for n, start in enumerate(headings):
        end = headings[n + 1] if n + 1 < len(headings) else len(lines)
        question = _parse_question(lines, fenced, start, end, n + 1, problems, pool)
        if question:
            questions.append(question)
    seen: dict[str, int] = {}
    for question in questions:
        if question.key in seen:
            problems.add(
                question.line,
                f"duplicate question id '{question.key}' (also used at line {seen[question.key]})",
            )
        seen.setdefault(question.key, question.line)
    return headings, questions


def _parse_question(
    lines: list[str],
    fenced: list[bool],
    start: int,
    end: int,
    expected: int,
    problems: Problems,
    pool: bool = False,
) -> ParsedQuestion | None:
    heading_line = start + 1
    before = len(problems.errors)
    match = _QUESTION_HEADING.match(lines[start])
    if not match:
        problems.add(
            heading_line, f"expected '## Question {expected}', found '{lines[start].strip()}'"
        )
        return None
    if int(match.group(1)) != expected:
        numbering = "1, 2, 3..." if pool else f"1 to {QUESTIONS_PER_SET}"
        problems.add(
            heading_line,
            f"questions are numbered {numbering} in order; expected Question {expected}",
        )

    # id, difficulty and the optional type, scoring and ordered lines, right under the heading.
    fields: dict[str, tuple[str, int]] = {}
    i = start + 1
    while i < end and lines[i].strip():
        key, sep, value = lines[i].partition(":")
        key = key.strip().lower()
        if not sep or key not in QUESTION_FIELDS:
            break
        if key in fields:
            problems.add(i + 1, f"'{key}' is given twice")
        fields[key] = (value.strip(), i + 1)
        i += 1
    key, key_line = fields.get("id", ("", heading_line))
    if "id" not in fields:
        problems.add(heading_line, f"Question {expected} needs an 'id: ...' line under its heading")
    elif not SLUG.match(key):
        problems.add(
            key_line, f"question id '{key}' must be lower-case letters, digits and hyphens"
        )
    difficulty, difficulty_line = fields.get("difficulty", ("", heading_line))
    if "difficulty" not in fields:
        problems.add(
            heading_line, f"Question {expected} needs a 'difficulty: ...' line under its heading"
        )
    elif difficulty.lower() not in DIFFICULTIES:
        problems.add(
            difficulty_line, f"unknown difficulty '{difficulty}' (use easy, medium or hard)"
        )
    difficulty = difficulty.lower()
    qtype, type_line = fields.get("type", ("single", heading_line))
    qtype = qtype.lower()
    if qtype not in QUESTION_TYPES:
        problems.add(
            type_line, f"unknown question type '{qtype}' (use {', '.join(QUESTION_TYPES)})"
        )
        return None
    scoring, scoring_line = fields.get("scoring", ("", heading_line))
    scoring = scoring.lower()
    if qtype in ("single", "numeric") and scoring:
        problems.add(scoring_line, f"'scoring' is for multiple and ordering questions, not {qtype}")
    elif qtype == "multiple" and not scoring:
        problems.add(
            heading_line,
            f"Question {expected} is multiple answer: say how it is scored with "
            "'scoring: all-or-nothing' or 'scoring: partial'",
        )
    elif scoring and scoring not in SCORINGS:
        problems.add(scoring_line, f"unknown scoring '{scoring}' (use {' or '.join(SCORINGS)})")
    if qtype == "ordering" and not scoring:
        scoring = "all-or-nothing"
    ordered_text, ordered_line = fields.get("ordered", ("false", heading_line))
    if ordered_text.lower() not in ("true", "false"):
        problems.add(ordered_line, f"'ordered' is true or false, not '{ordered_text}'")
    ordered = ordered_text.lower() == "true"
    if ordered and qtype not in ("single", "multiple"):
        problems.add(ordered_line, "'ordered' is for the options of single and multiple questions")

    # The stem runs to the first '###' heading; then the named sections.
    parts: dict[str, tuple[int, list[str]]] = {}
    current = "stem"
    parts[current] = (i + 1, [])
    order: list[str] = []
    for j in range(i, end):
        line = lines[j]
        if not fenced[j] and line.startswith("### "):
            name = line[4:].strip()
            canonical = next((s for s in ALL_SECTIONS if s.lower() == name.lower()), None)
            if canonical is None:
                problems.add(
                    j + 1, f"unknown section '### {name}' (expected: {', '.join(ALL_SECTIONS)})"
                )
                current = f"?{j}"
            elif canonical in parts:
                problems.add(j + 1, f"'### {canonical}' appears twice in Question {expected}")
                current = f"?{j}"
            else:
                current = canonical
                order.append(canonical)
            parts[current] = (j + 2, [])
            continue
        if not fenced[j] and line.startswith("#"):
            problems.add(
                j + 1, "only '##' question headings and '###' section headings are allowed here"
            )
        parts[current][1].append(line)

    answer_section = ANSWER_SECTION[qtype]
    required = [answer_section, "Solution", "Final answer"]
    if not pool:
        # Practice shows all of these; in a test's review they are optional.
        required += ["Quick check", "Hint", "Common mistakes"]
    for name in ALL_SECTIONS:
        if name in required and name not in parts:
            problems.add(heading_line, f"Question {expected} has no '### {name}' section")
        elif name in ANSWER_SECTION.values() and name != answer_section and name in parts:
            problems.add(parts[name][0] - 1, f"'### {name}' does not belong in a {qtype} question")
    present = [s for s in ALL_SECTIONS if s in order]
    if order != present:
        expected_order = [s for s in ALL_SECTIONS if s in required or s in parts]
        problems.add(
            heading_line,
            f"Question {expected}: sections must come in this order: {', '.join(expected_order)}",
        )

    def text_of(name: str) -> tuple[int, str]:
        """A section's text, and the line of its first non-blank line."""
        first, body = parts.get(name, (heading_line, []))
        blank = next((n for n, line in enumerate(body) if line.strip()), 0)
        return first + blank, "\n".join(body).strip("\n")

    # A template: parameters and derived values, shown through {{placeholders}}.
    template = None
    if "Derived" in parts and "Parameters" not in parts:
        problems.add(parts["Derived"][0] - 1, "'### Derived' needs a '### Parameters' section")
    if "Parameters" in parts:
        if qtype not in ("single", "numeric"):
            problems.add(
                parts["Parameters"][0] - 1,
                "templates are single choice or numeric questions; this one is " + qtype,
            )
        else:
            template = _parse_template(parts, problems)

    def render(function, text: str, line: int) -> str:
        if template is None:
            return function(text)
        protected, markers = protect(text)
        if "{{" in protected or "}}" in protected:
            problems.add(line, "'{{' or '}}' that is not a placeholder such as {{name}}")
        for name, spec in markers:
            if name not in template.names:
                problems.add(line, f"unknown placeholder '{{{{{name}}}}}' (not a parameter)")
            elif spec and name not in template.numeric_names:
                problems.add(line, f"'{{{{{name}:{spec}}}}}': text values take no format")
            elif spec and check_format(spec):
                problems.add(line, check_format(spec))
        return restore(function(protected), markers)

    stem_line, stem = text_of("stem")
    if not stem.strip():
        problems.add(heading_line, f"Question {expected} has no stem (the question text)")

    raw_options = []
    if answer_section in ("Options", "Steps") and answer_section in parts:
        raw_options = _parse_options(parts[answer_section], expected, problems, qtype)
    steps = _parse_list(
        parts.get("Solution"), _STEP, "Solution", "a numbered step ('1. ...')", problems
    )
    mistakes = _parse_list(
        parts.get("Common mistakes"), _BULLET, "Common mistakes", "a bullet ('- ...')", problems
    )
    texts = {}
    for name in ("Final answer", "Quick check", "Hint"):
        if name in parts:
            first, value = text_of(name)
            if not value.strip():
                problems.add(parts[name][0] - 1, f"'### {name}' is empty")
            texts[name] = (first, value)

    hint_tiers = _hint_tiers(*texts["Hint"], problems) if "Hint" in texts else []

    correct = [o for o in raw_options if o["correct"]]
    correct_letter = ""
    answer_spec: dict = {}
    if qtype in ("single", "multiple") and raw_options:
        options_line = parts["Options"][0] - 1
        if qtype == "single" and len(correct) != 1:
            letters = " and ".join(o["letter"] for o in correct) if correct else "none"
            problems.add(
                options_line,
                f"exactly one option must be marked '- [x]' as correct; found {letters}",
            )
        if qtype == "multiple":
            if not correct or len(correct) == len(raw_options):
                problems.add(
                    options_line,
                    "a multiple answer question needs at least one option marked '- [x]' "
                    "and at least one left '- [ ]'",
                )
            answer_spec = {"correct": [o["letter"] for o in correct], "scoring": scoring}
        for option in raw_options:
            if option["feedback"] and option["correct"]:
                problems.add(
                    option["line"],
                    f"option {option['letter']} is the correct one; 'Feedback:' is for wrong options",
                )
            if option["misconception"] and option["correct"]:
                problems.add(
                    option["line"],
                    f"option {option['letter']} is correct; 'Misconception:' names a wrong answer",
                )
            if template and not option["correct"] and not option["misconception"]:
                problems.add(
                    option["line"],
                    f"option {option['letter']} of a template is computed from a mistake: "
                    "name it on a 'Misconception: ...' line under the option",
                )
        if qtype == "single" and len(correct) == 1:
            correct_letter = correct[0]["letter"]
            named = _OPTION_NAMED.search(texts.get("Final answer", (0, ""))[1])
            if named and not pool and named.group(1) != correct_letter:
                problems.add(
                    texts["Final answer"][0],
                    f"the final answer names Option {named.group(1)}, "
                    f"but the option marked correct is {correct_letter}",
                )
        if pool and not ordered:
            # A test shows these options shuffled, so a letter in the text would be wrong.
            for name in ("Final answer", "Solution"):
                _, value = text_of(name)
                named = _OPTION_NAMED.search(value)
                if named:
                    problems.add(
                        parts[name][0] - 1,
                        f"'{named.group(0)}' names an option by letter, but a test shuffles "
                        "them: name the answer itself, or add 'ordered: true'",
                    )
            for option in raw_options:
                if _OF_THE_ABOVE.search(option["text"]):
                    problems.add(
                        option["line"],
                        "an option that refers to the others only makes sense in its place: "
                        "add 'ordered: true' so the options are not shuffled",
                    )
    if qtype == "ordering" and raw_options:
        answer_spec = {"correct": [o["letter"] for o in raw_options], "scoring": scoring}
    if qtype == "numeric" and "Answer" in parts:
        answer_spec = _parse_numeric_answer(parts["Answer"], template, problems)

    if len(problems.errors) > before:
        return None

    options = [
        ParsedOption(
            letter=o["letter"],
            html=render(render_inline, o["text"], o["line"]),
            feedback_html=render(render_inline, o["feedback"], o["line"]) if o["feedback"] else "",
            misconception=render(render_inline, o["misconception"], o["line"])
            if o["misconception"]
            else "",
        )
        for o in raw_options
    ]
    block = "\n".join(lines[start + 1 : end]).strip()
    parsed = ParsedQuestion(
        key=key,
        position=expected,
        difficulty=difficulty,
        line=heading_line,
        source_hash=hashlib.sha256(block.encode()).hexdigest(),
        stem_html=render(render_block, stem, stem_line),
        options=options,
        correct_letter=correct_letter,
        solution_steps=[render(render_block, step, parts["Solution"][0]) for step in steps],
        final_answer_html=render(render_block, texts["Final answer"][1], texts["Final answer"][0]),
        quick_check_html=render(render_block, texts["Quick check"][1], texts["Quick check"][0])
        if "Quick check" in texts
        else "",
        hints=[render(render_block, tier, line) for line, tier in hint_tiers],
        hint_html=render(render_block, hint_tiers[-1][1], hint_tiers[-1][0]) if hint_tiers else "",
        common_mistakes=[
            render(render_inline, mistake, parts["Common mistakes"][0]) for mistake in mistakes
        ],
        qtype=qtype,
        scoring=scoring,
        ordered=ordered,
        answer_spec=answer_spec,
        template=template.as_json() if template else {},
    )
    if len(problems.errors) > before:
        return None
    if template:
        _check_variants(parsed, template, parts, problems)
    else:
        parsed.stem_words = {_words(parsed.stem_html)}
        _check_distinct_options(parsed, {}, parts, problems, seed=None)
    if len(problems.errors) > before:
        return None
    return parsed


_HINT_TIER = re.compile(r"^\*\*Hint(?:\s+(\d+))?:\*\*\s*(.*)$")
MAX_HINT_TIERS = 5


def _hint_tiers(first: int, text: str, problems: Problems) -> list[tuple[int, str]]:
    """A '### Hint' section as its tiers, [(line, markdown)], from the nudge to the last hint.

    Tiers start with '**Hint 1:**', '**Hint 2:**'... at the start of a line. A section with no
    such line, or with one '**Hint:**', is a single tier, as every hint was before tiers.
    """
    lines = text.split("\n")
    starts = [
        (offset, _HINT_TIER.match(line.strip()))
        for offset, line in enumerate(lines)
        if _HINT_TIER.match(line.strip())
    ]
    if not starts:
        return [(first, text.strip())]
    if "\n".join(lines[: starts[0][0]]).strip():
        problems.add(first, "text before the first '**Hint 1:**' belongs to no tier")
    numbers = [match[1] for _, match in starts]
    if None in numbers and len(starts) > 1:
        problems.add(first, "'**Hint:**' is a single hint: number the tiers '**Hint 1:**', ...")
        return []
    if None not in numbers:
        expected = [str(n) for n in range(1, len(starts) + 1)]
        if numbers != expected:
            problems.add(first, f"hint tiers count 1, 2, 3... in order; found {', '.join(numbers)}")
            return []
    if len(starts) > MAX_HINT_TIERS:
        problems.add(first, f"at most {MAX_HINT_TIERS} hint tiers; this hint has {len(starts)}")
    tiers = []
    for index, (offset, match) in enumerate(starts):
        until = starts[index + 1][0] if index + 1 < len(starts) else len(lines)
        tier = "\n".join([match[2], *lines[offset + 1 : until]]).strip()
        if not tier:
            problems.add(first + offset, f"hint {match[1] or ''} is empty".replace("  ", " "))
        tiers.append((first + offset, tier))
    return tiers


def _words(rendered: str) -> str:
    """A stem's words, for the 'no pool stem repeats a practice stem word for word' rule."""
    return " ".join(re.findall(r"\w+", html_module.unescape(_TAG.sub(" ", rendered)).lower()))


def _shown(rendered: str) -> str:
    return " ".join(html_module.unescape(_TAG.sub("", rendered)).split())


def _parse_template(parts, problems: Problems) -> Template | None:
    parameters: list[Parameter] = []
    derived: list[Derived] = []
    ok = True
    for name, parse, target in (
        ("Parameters", parse_parameter, parameters),
        ("Derived", parse_derived, derived),
    ):
        if name not in parts:
            continue
        first, body = parts[name]
        items = 0
        for offset, line in enumerate(body):
            if not line.strip():
                continue
            bullet = _BULLET.match(line.strip())
            try:
                if not bullet:
                    raise TemplateError(f"expected a bullet ('- ...') in '### {name}'")
                target.append(parse(bullet.group(1), first + offset))
                items += 1
            except TemplateError as exc:
                problems.add(first + offset, str(exc))
                ok = False
        if not items and ok:
            problems.add(first - 1, f"'### {name}' needs at least one item")
            ok = False
    if not ok:
        return None
    try:
        return Template(parameters, derived)
    except TemplateError as exc:
        problems.add(exc.line or parts["Parameters"][0] - 1, str(exc))
        return None


def _parse_numeric_answer(part, template: Template | None, problems: Problems) -> dict:
    first, body = part
    spec: dict = {
        "value": None,
        "tolerance": None,
        "relative_tolerance": None,
        "unit": "",
        "percent": False,
        "accept_fraction": False,
    }
    lines: dict[str, int] = {}
    for offset, line in enumerate(body):
        number = first + offset
        if not line.strip():
            continue
        key, sep, value = line.strip().partition(":")
        key, value = key.strip().lower().replace(" ", "_"), value.strip()
        if not sep or key not in ANSWER_KEYS:
            problems.add(
                number,
                f"expected 'key: value' in '### Answer' with a key among {', '.join(ANSWER_KEYS)}",
            )
            continue
        if key in lines:
            problems.add(number, f"'{key}' is given twice")
        lines[key] = number
        if key == "value":
            try:
                compile_expression(value, template.numeric_names if template else ())
            except ExpressionError as exc:
                problems.add(number, f"the answer's value: {exc}")
            else:
                if template is None and not _NUMBER_TEXT.match(value):
                    problems.add(
                        number, "the answer's value is a number (or, in a template, an expression)"
                    )
            spec["value"] = value
        elif key in ("tolerance", "relative_tolerance"):
            if not _NUMBER_TEXT.match(value) or Decimal(value) < 0:
                problems.add(number, f"'{key}' is a number of zero or more, not '{value}'")
            elif key == "relative_tolerance" and Decimal(value) >= 1:
                problems.add(number, "'relative_tolerance' is a share below 1 (0.01 = within 1%)")
            else:
                spec[key] = value
        elif key in ("percent", "accept_fraction"):
            if value.lower() not in ("true", "false"):
                problems.add(number, f"'{key}' is true or false, not '{value}'")
            spec[key] = value.lower() == "true"
        else:
            if not value or len(value) > 20 or any(c.isdigit() for c in value):
                problems.add(number, "'unit' is a short name without digits, such as ms")
            spec["unit"] = value
    if spec["value"] is None:
        problems.add(first - 1, "'### Answer' needs a 'value: ...' line")
    if spec["tolerance"] and spec["relative_tolerance"]:
        problems.add(first - 1, "give 'tolerance' or 'relative_tolerance', not both")
    if spec["percent"] and spec["unit"]:
        problems.add(first - 1, "a percentage has no other 'unit'")
    if spec["accept_fraction"] and not spec["percent"]:
        problems.add(
            lines["accept_fraction"], "'accept_fraction' only applies with 'percent: true'"
        )
    if (
        spec["accept_fraction"]
        and template is None
        and spec["value"]
        and _NUMBER_TEXT.match(spec["value"])
        and not _fraction_reading_is_unambiguous(Fraction(spec["value"]), spec)
    ):
        problems.add(
            lines["accept_fraction"],
            "'accept_fraction' needs an answer above 1%: below it, 0.5 could mean 0.5% or 50%",
        )
    return spec


def _fraction_reading_is_unambiguous(value: Fraction, spec: dict) -> bool:
    allowed = Fraction(spec.get("tolerance") or 0)
    if spec.get("relative_tolerance"):
        allowed = max(allowed, abs(value) * Fraction(spec["relative_tolerance"]))
    return abs(value) - allowed > 1


def _check_distinct_options(parsed, values, parts, problems: Problems, seed) -> bool:
    """Two options that look the same, or a distractor that shows the answer, make a bad item."""
    if parsed.qtype not in ("single", "multiple", "ordering") or not parsed.options:
        return True
    section = ANSWER_SECTION[parsed.qtype]
    line = parts[section][0] - 1
    when = "" if seed is None else f" for seed {seed}" if isinstance(seed, int) else f" for {seed}"
    shown = [_shown(fill(o.html, values) if values else o.html) for o in parsed.options]
    if parsed.qtype == "single":
        answer = shown[LETTERS.index(parsed.correct_letter)]
        for option, text in zip(parsed.options, shown, strict=True):
            if option.letter != parsed.correct_letter and text == answer:
                because = f" ({_shown(option.misconception)})" if option.misconception else ""
                problems.add(
                    line,
                    f"option {option.letter}{because} shows the answer{when}: {text}",
                )
                return False
    seen: dict[str, str] = {}
    for option, text in zip(parsed.options, shown, strict=True):
        if text in seen:
            problems.add(line, f"options {seen[text]} and {option.letter} coincide{when}: {text}")
            return False
        seen[text] = option.letter
    return True


def _check_variants(parsed: ParsedQuestion, template: Template, parts, problems: Problems) -> None:
    """Render the template for SEEDS_CHECKED seeds; refuse it at the first seed that fails."""
    fields = [
        parsed.stem_html,
        *(o.html for o in parsed.options),
        *(o.feedback_html for o in parsed.options),
        *(o.misconception for o in parsed.options),
        *parsed.solution_steps,
        parsed.final_answer_html,
        parsed.quick_check_html,
        *parsed.hints,
        *parsed.common_mistakes,
    ]
    stems = set()
    corners = template.corners()
    for seed in range(SEEDS_CHECKED + len(corners)):
        try:
            # Seeds first, then the ends of the parameters' ranges (reported as seeds past 199).
            drawn = corners[seed - SEEDS_CHECKED] if seed >= SEEDS_CHECKED else None
            values = template.values(seed, drawn)
            for rendered in fields:
                fill(rendered, values)
            if parsed.qtype == "numeric":
                value = template.evaluate(parsed.answer_spec["value"], values, parts["Answer"][0])
                if parsed.answer_spec["accept_fraction"] and not _fraction_reading_is_unambiguous(
                    value, parsed.answer_spec
                ):
                    raise TemplateError(
                        f"the answer is {float(value):g}% for seed {seed}: 'accept_fraction' "
                        "needs every answer above 1%",
                        parts["Answer"][0],
                    )
        except TemplateError as exc:
            problems.add(exc.line or parsed.line, str(exc))
            return
        where = seed if drawn is None else describe_values(drawn)
        if not _check_distinct_options(parsed, values, parts, problems, where):
            return
        stems.add(_words(fill(parsed.stem_html, values)))
    parsed.stem_words = stems


def _items(
    part: tuple[int, list[str]], marker: re.Pattern, what: str, section: str, problems: Problems
):
    """Split a section into list items: (line, first-line match, continuation lines)."""
    first, body = part
    items: list[tuple[int, re.Match, list[str]]] = []
    for offset, line in enumerate(body):
        number = first + offset
        if not line.strip():
            if items:
                items[-1][2].append("")
            continue
        match = marker.match(line)
        if match:
            items.append((number, match, []))
        elif items and line.startswith(("  ", "\t")):
            items[-1][2].append(
                line.strip()
                if marker is _OPTION
                else line[2:]
                if line.startswith("  ")
                else line[1:]
            )
        else:
            problems.add(number, f"expected {what} in '### {section}', found '{line.strip()}'")
    if not items:
        problems.add(first - 1, f"'### {section}' needs at least one item")
    return items


def _parse_list(part, marker: re.Pattern, section: str, what: str, problems: Problems) -> list[str]:
    if part is None:
        return []
    items = _items(part, marker, what, section, problems)
    if marker is _STEP:
        for expected, (number, match, _) in enumerate(items, start=1):
            if int(match.group(1)) != expected:
                problems.add(
                    number, f"{section.lower()} steps are numbered 1, 2, 3...; expected {expected}"
                )
                break
    return ["\n".join([match.group(match.lastindex), *rest]).strip() for _, match, rest in items]


def _parse_options(part, question: int, problems: Problems, qtype: str = "single") -> list[dict]:
    """Options (a checklist) or, for ordering, steps (a numbered list in the correct order)."""
    low, high = OPTION_COUNTS[qtype]
    if qtype == "ordering":
        items = _items(part, _STEP, "a numbered step ('1. ...')", "Steps", problems)
        for expected, (number, match, _) in enumerate(items, start=1):
            if int(match.group(1)) != expected:
                problems.add(number, f"steps are numbered 1, 2, 3...; expected {expected}")
                return []
        what = "steps"
    else:
        items = _items(
            part, _OPTION, "an option ('- [ ] text' or '- [x] text')", "Options", problems
        )
        what = "options"
        if qtype == "single" and [m.group(2).strip().lower() for _, m, _ in items] == [
            "true",
            "false",
        ]:
            low = 2  # a true/false question: those two options are the whole choice
    if items and not low <= len(items) <= high:
        problems.add(
            part[0] - 1, f"Question {question} has {len(items)} {what}; give {low} to {high}"
        )
        return []
    options = []
    for letter, (number, match, rest) in zip(LETTERS, items, strict=False):
        is_correct = qtype == "ordering" or match.group(1).lower() == "x"
        text_lines = [match.group(2)]
        feedback = misconception = ""
        current = None
        for line in rest:
            fb, mc = _FEEDBACK.match(line), _MISCONCEPTION.match(line)
            if fb and qtype != "ordering":
                feedback, current = fb.group(1), "feedback"
            elif mc and qtype != "ordering":
                misconception, current = mc.group(1), "misconception"
            elif current == "feedback" and line:
                feedback += " " + line
            elif current == "misconception" and line:
                misconception += " " + line
            elif line:
                text_lines.append(line)
        text = " ".join(text_lines).strip()
        if not text:
            problems.add(number, f"option {letter} is empty")
        options.append(
            {
                "letter": letter,
                "text": text,
                "feedback": feedback.strip(),
                "misconception": misconception.strip(),
                "correct": is_correct,
                "line": number,
            }
        )
    return options
