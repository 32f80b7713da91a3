"""Parse and validate content files into plain data, with the file and line of every problem.

Nothing here touches the database: the loader parses the whole tree first and writes only if no
file has a problem. Rendering to HTML happens here too, so a parsed pattern is ready to store.
"""

import hashlib
import re
from dataclasses import dataclass, field

import yaml

from .markdown import TocEntry, render_block, render_inline, render_lesson

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
DIFFICULTIES = ("easy", "medium", "hard")
QUESTIONS_PER_SET = 10
LETTERS = "ABCDE"
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
    hint_html: str = ""
    common_mistakes: list[str] = field(default_factory=list)


@dataclass
class ParsedLesson:
    meta: Meta
    html: str
    toc: list[TocEntry]


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
            problems.add(number, f"unknown block '::: {marker}' (only '::: self-check' is known)")
    if block:
        problems.add(block["line"], "the self-check block is not closed with ':::'")
    if problems.errors:
        raise ContentErrors(problems.errors)

    html, toc = render_lesson("\n".join(out))
    for number, (question, answer) in enumerate(self_checks):
        html = html.replace(
            f"<p>{_SELF_CHECK_PLACEHOLDER.format(number)}</p>",
            '<aside class="self-check"><p class="self-check-label">Self-check</p>'
            f"{render_block(question)}"
            "<details><summary>Show the answer</summary>"
            f'<div class="self-check-answer">{render_block(answer)}</div></details></aside>',
        )
    return ParsedLesson(meta=meta, html=html, toc=toc)


# -- practice sets ----------------------------------------------------------------------------

_QUESTION_HEADING = re.compile(r"^##\s+Question\s+(\d+)\s*$")
_OPTION = re.compile(r"^[-*]\s+\[( |x|X)\]\s+(.*)$")
_STEP = re.compile(r"^(\d+)[.)]\s+(.*)$")
_BULLET = re.compile(r"^[-*]\s+(.*)$")
_FEEDBACK = re.compile(r"^Feedback:\s*(.*)$")
_OPTION_NAMED = re.compile(r"\bOption\s+([A-E])\b")


def parse_practice(path: str, text: str) -> ParsedPractice:
    problems = Problems(path)
    lines = text.splitlines()
    found = split_front_matter(lines, problems)
    if found is None:
        raise ContentErrors(problems.errors)
    data, body_start = found
    for key in data:
        if key != "title":
            problems.add(1, f"unknown front matter key '{key}' (a practice set has only 'title')")
    title = str(data.get("title") or "").strip()
    if not title:
        problems.add(1, "front matter needs 'title'")

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
        question = _parse_question(lines, fenced, start, end, n + 1, problems)
        if question:
            questions.append(question)

    if len(headings) != QUESTIONS_PER_SET:
        problems.add(
            len(lines) if headings else body_start + 1,
            f"a practice set has exactly {QUESTIONS_PER_SET} questions; this one has {len(headings)}",
        )
    seen: dict[str, int] = {}
    for question in questions:
        if question.key in seen:
            problems.add(
                question.line,
                f"duplicate question id '{question.key}' (also used at line {seen[question.key]})",
            )
        seen.setdefault(question.key, question.line)
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


def _parse_question(
    lines: list[str], fenced: list[bool], start: int, end: int, expected: int, problems: Problems
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
        problems.add(
            heading_line,
            f"questions are numbered 1 to {QUESTIONS_PER_SET} in order; expected Question {expected}",
        )

    # id and difficulty lines, right under the heading.
    fields: dict[str, tuple[str, int]] = {}
    i = start + 1
    while i < end and lines[i].strip():
        key, sep, value = lines[i].partition(":")
        key = key.strip().lower()
        if not sep or key not in ("id", "difficulty"):
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

    # The stem runs to the first '###' heading; then the named sections.
    parts: dict[str, tuple[int, list[str]]] = {}
    current = "stem"
    parts[current] = (i + 1, [])
    order: list[str] = []
    for j in range(i, end):
        line = lines[j]
        if not fenced[j] and line.startswith("### "):
            name = line[4:].strip()
            canonical = next((s for s in SECTIONS if s.lower() == name.lower()), None)
            if canonical is None:
                problems.add(
                    j + 1, f"unknown section '### {name}' (expected: {', '.join(SECTIONS)})"
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

    for name in SECTIONS:
        if name not in parts:
            problems.add(heading_line, f"Question {expected} has no '### {name}' section")
    present = [s for s in SECTIONS if s in order]
    if order != present:
        problems.add(
            heading_line,
            f"Question {expected}: sections must come in this order: {', '.join(SECTIONS)}",
        )

    def text_of(name: str) -> tuple[int, str]:
        first, body = parts.get(name, (heading_line, []))
        return first, "\n".join(body).strip("\n")

    _, stem = text_of("stem")
    if not stem.strip():
        problems.add(heading_line, f"Question {expected} has no stem (the question text)")

    options = _parse_options(parts.get("Options"), expected, problems) if "Options" in parts else []
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
                problems.add(first - 1, f"'### {name}' is empty")
            texts[name] = (first, value)
    correct = [option for option, is_correct, _ in options if is_correct]
    if options:
        if len(correct) != 1:
            letters = " and ".join(o.letter for o in correct) if correct else "none"
            problems.add(
                parts["Options"][0] - 1,
                f"exactly one option must be marked '- [x]' as correct; found {letters}",
            )
        named = _OPTION_NAMED.search(texts.get("Final answer", (0, ""))[1])
        if named and len(correct) == 1 and named.group(1) != correct[0].letter:
            problems.add(
                texts["Final answer"][0],
                f"the final answer names Option {named.group(1)}, "
                f"but the option marked correct is {correct[0].letter}",
            )

    if len(problems.errors) > before:
        return None
    block = "\n".join(lines[start + 1 : end]).strip()
    return ParsedQuestion(
        key=key,
        position=expected,
        difficulty=difficulty,
        line=heading_line,
        source_hash=hashlib.sha256(block.encode()).hexdigest(),
        stem_html=render_block(stem),
        options=[option for option, _, _ in options],
        correct_letter=correct[0].letter,
        solution_steps=[render_block(step) for step in steps],
        final_answer_html=render_block(texts["Final answer"][1]),
        quick_check_html=render_block(texts["Quick check"][1]),
        hint_html=render_block(texts["Hint"][1]),
        common_mistakes=[render_inline(mistake) for mistake in mistakes],
    )


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
                problems.add(number, f"solution steps are numbered 1, 2, 3...; expected {expected}")
                break
    return ["\n".join([match.group(match.lastindex), *rest]).strip() for _, match, rest in items]


def _parse_options(part, question: int, problems: Problems):
    items = _items(part, _OPTION, "an option ('- [ ] text' or '- [x] text')", "Options", problems)
    if items and not 3 <= len(items) <= len(LETTERS):
        problems.add(part[0] - 1, f"Question {question} has {len(items)} options; give 3 to 5")
        return []
    options = []
    for letter, (number, match, rest) in zip(LETTERS, items, strict=False):
        is_correct = match.group(1).lower() == "x"
        text_lines = [match.group(2)]
        feedback = ""
        for line in rest:
            fb = _FEEDBACK.match(line)
            if fb:
                feedback = fb.group(1)
            elif feedback:
                feedback += " " + line
            elif line:
                text_lines.append(line)
        text = " ".join(text_lines).strip()
        if not text:
            problems.add(number, f"option {letter} is empty")
        if feedback and is_correct:
            problems.add(
                number, f"option {letter} is the correct one; 'Feedback:' is for wrong options"
            )
        options.append(
            (
                ParsedOption(
                    letter, render_inline(text), render_inline(feedback) if feedback else ""
                ),
                is_correct,
                number,
            )
        )
    return options
