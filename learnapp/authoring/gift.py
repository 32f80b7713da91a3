"""Moodle's GIFT format, the subset learnapp can ask: multiple choice, multiple answer,
true/false and numeric questions.

Read: https://docs.moodle.org/en/GIFT_format. Questions are separated by blank lines; '//' lines
are comments, except the two learnapp writes itself ('// difficulty: hard', '// scoring:
all-or-nothing'), which say what GIFT cannot. Text keeps its markdown; '\\n' is a line break.
"""

import re
from decimal import Decimal, InvalidOperation

from django.utils.text import slugify

from .portable import (
    ImportProblem,
    PortableOption,
    PortableQuestion,
    html_to_markdown,
    true_false,
)

_SPECIAL = "~=#{}:"
_META = re.compile(r"^//\s*(difficulty|scoring):\s*(\S+)\s*$", re.IGNORECASE)
_WEIGHT = re.compile(r"^%(-?\d+(?:\.\d+)?)%")
_FORMAT = re.compile(r"^\[(html|markdown|plain|moodle)\]", re.IGNORECASE)


# -- writing ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    text = text.replace("\\", "\\\\")
    for char in _SPECIAL:
        text = text.replace(char, "\\" + char)
    return text.replace("\r", "").replace("\n", "\\n")


def _weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def write(questions: list[PortableQuestion]) -> str:
    chunks = []
    for q in questions:
        lines = [f"// difficulty: {q.difficulty}"]
        if q.qtype == "multiple" and q.scoring == "all-or-nothing":
            # GIFT's weights say partial credit; this says learnapp's stricter rule.
            lines.append("// scoring: all-or-nothing")
        head = f"::{escape(q.key)}::[markdown]{escape(q.stem.strip())}"
        general = (
            "####" + escape("\n".join(f"{n}. {s}" for n, s in enumerate(q.solution, 1)))
            if q.solution
            else ""
        )
        if q.qtype == "numeric":
            answer = q.value + (f":{q.tolerance}" if q.tolerance else "")
            lines.append(f"{head}{{#{answer}{general}}}")
        elif q.is_true_false:
            wrong = next(o for o in q.options if not o.correct)
            feedback = f"#{escape(wrong.feedback)}" if wrong.feedback else ""
            lines.append(f"{head}{{{'T' if q.options[0].correct else 'F'}{feedback}{general}}}")
        else:
            lines.append(head + "{")
            right = sum(1 for o in q.options if o.correct)
            for option in q.options:
                if q.qtype == "multiple":
                    share = 100 / right
                    mark = f"~%{_weight(share if option.correct else -share)}%"
                else:
                    mark = "=" if option.correct else "~"
                feedback = f"#{escape(option.feedback)}" if option.feedback else ""
                lines.append(f"\t{mark}{escape(option.text)}{feedback}")
            if general:
                lines.append(f"\t{general}")
            lines.append("}")
        chunks.append("\n".join(lines))
    return "\n\n".join(chunks) + "\n"


# -- reading ----------------------------------------------------------------------------------


def _unescape(text: str) -> str:
    out, i = [], 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            following = text[i + 1]
            out.append("\n" if following == "n" else following)
            i += 2
            continue
        out.append(char)
        i += 1
    return "".join(out)


def _find(text: str, target: str, start: int = 0) -> int:
    """Index of the first unescaped `target` at or after start, or -1."""
    i = start
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text.startswith(target, i):
            return i
        i += 1
    return -1


def _split(text: str, markers: str) -> list[tuple[str, str]]:
    """Split at unescaped marker characters: [(marker, text after it)], the first marker ''."""
    parts: list[tuple[str, str]] = [("", "")]
    i = 0
    while i < len(text):
        char = text[i]
        if char == "\\" and i + 1 < len(text):
            parts[-1] = (parts[-1][0], parts[-1][1] + text[i : i + 2])
            i += 2
            continue
        if char in markers:
            parts.append((char, ""))
        else:
            parts[-1] = (parts[-1][0], parts[-1][1] + char)
        i += 1
    return parts


def read(text: str) -> list[PortableQuestion]:
    """Every question of a GIFT file; raises ImportProblem at the first malformed one."""
    questions: list[PortableQuestion] = []
    problems: list[ImportProblem] = []
    meta: dict[str, str] = {}
    chunk: list[str] = []
    chunk_start = 0
    keys: set[str] = set()

    def finish() -> None:
        nonlocal chunk
        if chunk:
            try:
                question = _read_question("\n".join(chunk), chunk_start, meta, len(questions) + 1)
                question.key = _unique(question.key, keys)
                questions.append(question)
            except ImportProblem as problem:
                problems.append(problem)
        chunk = []
        meta.clear()

    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if not stripped:
            finish()
            continue
        if stripped.startswith("//"):
            found = _META.match(stripped)
            if found and not chunk:
                meta[found.group(1).lower()] = found.group(2).lower()
            continue
        if stripped.startswith("$CATEGORY:") and not chunk:
            continue  # categories are Moodle's folders; the pattern chosen on the form is ours
        if not chunk:
            chunk_start = number
        chunk.append(line)
    finish()
    if problems:
        raise ImportProblems(problems)
    if not questions:
        raise ImportProblems([ImportProblem(1, "no questions found")])
    return questions


class ImportProblems(Exception):
    def __init__(self, problems: list[ImportProblem]):
        super().__init__("; ".join(str(p) for p in problems))
        self.problems = problems


def _unique(key: str, keys: set[str]) -> str:
    candidate, n = key, 2
    while candidate in keys:
        candidate = f"{key}-{n}"
        n += 1
    keys.add(candidate)
    return candidate


def _line_at(text: str, index: int, start: int) -> int:
    return start + text.count("\n", 0, max(index, 0))


def _read_question(text: str, start: int, meta: dict, number: int) -> PortableQuestion:
    body = text.strip()
    title = ""
    if body.startswith("::"):
        end = _find(body, "::", 2)
        if end < 0:
            raise ImportProblem(start, "the title is not closed with '::'")
        title = _unescape(body[2:end]).strip()
        body = body[end + 2 :]
    open_at = _find(body, "{")
    if open_at < 0:
        raise ImportProblem(start, "no answers: a question needs its answers in '{...}'")
    close_at = _find(body, "}", open_at + 1)
    if close_at < 0:
        raise ImportProblem(_line_at(text, text.find(body[open_at:]), start), "'{' is not closed")
    if body[close_at + 1 :].strip():
        raise ImportProblem(
            _line_at(text, text.find(body[close_at:]), start),
            "text after the answers (a missing-word question) is not supported; "
            "put the answers at the end",
        )
    stem = body[:open_at].strip()
    format_match = _FORMAT.match(stem)
    stem_format = "moodle"
    if format_match:
        stem_format = format_match.group(1).lower()
        stem = stem[format_match.end() :]
    stem = _unescape(stem).strip()
    if stem_format == "html":
        stem = html_to_markdown(stem)
    if not stem:
        raise ImportProblem(start, "the question has no text before its answers")
    answers_line = _line_at(text, text.find(body[open_at:]), start)
    key = slugify(title)[:60].strip("-") or slugify(stem)[:40].strip("-") or f"question-{number}"
    difficulty = meta.get("difficulty", "medium")
    common = {"difficulty": difficulty, "line": start}

    answers = body[open_at + 1 : close_at]
    general_at = _find(answers, "####")
    solution: list[str] = []
    if general_at >= 0:
        general = _unescape(answers[general_at + 4 :]).strip()
        answers = answers[:general_at]
        steps = [line.strip() for line in general.splitlines() if line.strip()]
        if steps and all(re.match(r"^\d+[.)]\s", s) for s in steps):
            solution = [re.sub(r"^\d+[.)]\s+", "", s) for s in steps]
        elif steps:
            solution = [" ".join(steps)]
    common["solution"] = solution
    stripped = answers.strip()
    if not stripped:
        raise ImportProblem(answers_line, "an essay question ('{}') is not supported")

    if stripped.startswith("#"):
        return _numeric(stripped[1:], key, stem, answers_line, common)
    first = _split(stripped, "#")
    if _unescape(first[0][1]).strip().upper() in ("T", "TRUE", "F", "FALSE"):
        answer = _unescape(first[0][1]).strip().upper().startswith("T")
        question = true_false(key, stem, answer, **common)
        if len(first) > 1 and _unescape(first[1][1]).strip():
            wrong = next(o for o in question.options if not o.correct)
            wrong.feedback = _unescape(first[1][1]).strip()
        return question
    return _choice(stripped, key, stem, answers_line, meta, common)


def _numeric(spec: str, key: str, stem: str, line: int, common: dict) -> PortableQuestion:
    answer = _unescape(_split(spec, "#")[0][1]).strip()
    if answer.startswith("=") or "\n" in answer.strip():
        raise ImportProblem(line, "a numeric question with several answers is not supported")
    try:
        if ".." in answer:
            low, high = (Decimal(part.strip()) for part in answer.split("..", 1))
            value, tolerance = (low + high) / 2, abs(high - low) / 2
        elif ":" in answer:
            value_text, tolerance_text = answer.split(":", 1)
            value, tolerance = Decimal(value_text.strip()), Decimal(tolerance_text.strip())
        else:
            value, tolerance = Decimal(answer), Decimal(0)
    except InvalidOperation:
        raise ImportProblem(
            line, f"'{answer}' is not a number (write #5, #5:0.1 or #4..6)"
        ) from None
    if not value.is_finite() or not tolerance.is_finite():
        raise ImportProblem(line, f"'{answer}' is not a number (write #5, #5:0.1 or #4..6)")
    return PortableQuestion(
        key=key,
        stem=stem,
        qtype="numeric",
        value=format(value.normalize(), "f"),
        tolerance=format(tolerance.normalize(), "f") if tolerance else "",
        **common,
    )


def _choice(
    answers: str, key: str, stem: str, line: int, meta: dict, common: dict
) -> PortableQuestion:
    parts = _split(answers, "~=")
    if parts[0][1].strip():
        raise ImportProblem(line, "each answer starts with '=' (right) or '~' (wrong)")
    options: list[tuple[str, float | None, PortableOption]] = []
    for marker, raw in parts[1:]:
        pieces = _split(raw, "#")
        text = pieces[0][1].strip()
        weight = None
        found = _WEIGHT.match(text)
        if found:
            weight = float(found.group(1))
            text = text[found.end() :].strip()
        feedback = _unescape(pieces[1][1]).strip() if len(pieces) > 1 else ""
        text = _unescape(text).strip()
        if not text:
            raise ImportProblem(line, f"answer {len(options) + 1} is empty")
        options.append((marker, weight, PortableOption(text, False, feedback)))
    if not options:
        raise ImportProblem(line, "no answers between '{' and '}'")
    for marker, weight, option in options:
        if marker == "=" or (weight or 0) > 0:
            # learnapp's feedback explains wrong answers; a right one is explained by the
            # solution (the general feedback), so what GIFT says after '=...#' is left out.
            option.feedback = ""
    if all(marker == "=" for marker, _, _ in options):
        raise ImportProblem(
            line, "a short-answer question (only '=' answers) is not supported; add '~' options"
        )
    plain_right = [o for marker, weight, o in options if marker == "=" and weight in (None, 100)]
    weighted = [(w, o) for marker, w, o in options if marker == "~" and w is not None]
    if plain_right:
        if any(w > 0 for w, _ in weighted):
            raise ImportProblem(
                line,
                "partial credit on a wrong option of a single-choice question is not supported",
            )
        for option in plain_right:
            option.correct = True
        return PortableQuestion(key=key, stem=stem, options=[o for _, _, o in options], **common)
    right = [o for w, o in weighted if w > 0]
    if not right:
        raise ImportProblem(line, "no answer is marked right ('=' or a positive '~%50%' weight)")
    for option in right:
        option.correct = True
    # One answer at 100% and no penalties is a single choice written with weights; penalties
    # for wrong answers say multiple answer (how multiple answer with one right one is written).
    if len(right) == 1 and max(w for w, _ in weighted) == 100 and min(w for w, _ in weighted) >= 0:
        return PortableQuestion(key=key, stem=stem, options=[o for _, _, o in options], **common)
    return PortableQuestion(
        key=key,
        stem=stem,
        qtype="multiple",
        scoring=meta.get("scoring", "partial"),
        options=[o for _, _, o in options],
        **common,
    )
