"""Worked examples in lessons: a fully worked one, and a faded one whose last step the learner does.

In lesson.md:

    ::: worked-example
    The problem, in a paragraph or two.

    1. **A step.** With its reasoning.
    2. **The next step.** ...
    :::

    ::: faded-example
    The problem.

    1. **A step that is given.** ...
    2. **Your step.** The question the learner answers.
    ::: options            (single choice: a checklist, '- [x]' the right one, 'Feedback:' lines)
    ::: answer             (or numeric entry: 'value:', 'tolerance:', 'percent:'... lines)
    ::: solution
    The last step worked out, shown once the learner has answered.
    :::

The faded example's check is graded by the same question types as practice
(`learnapp.catalog.qtypes`), on the server: the page carries the question only, and the answer,
the feedback and the solution come back in the response to an answer. Nothing is recorded; it is a
lesson check, not a test.
"""

import re
from dataclasses import dataclass

from .markdown import render_block, render_inline
from .qtypes import ResponseRejected, parse_numeric_response, score

BLOCKS = ("worked-example", "faded-example")
_PARTS = ("options", "answer", "solution")
_STEP = re.compile(r"^(\d+)[.)]\s+(.*)$")
PLACEHOLDER = "LEARNAPPEXAMPLE{}"
# Where a faded example's form goes in the stored lesson HTML; the page template splits on it.
SLOT = "<!--faded-example:{}-->"
SLOT_PATTERN = re.compile(r"<!--faded-example:(\d+)-->")


@dataclass
class Block:
    kind: str
    line: int
    parts: dict  # "body" / "options" / "answer" / "solution" -> (first line number, [lines])


def extract(body: list[str], body_start: int, fenced: list[bool], problems) -> tuple[list, list]:
    """Take the worked and faded example blocks out of a lesson body.

    Returns the body with each block replaced by a placeholder line and blank lines (so the line
    numbers of everything else stay true) and the parsed blocks, in order. Other ':::' lines
    (self-checks) are left for the lesson parser.
    """
    out = list(body)
    blocks: list[Block] = []
    current: Block | None = None
    part = "body"
    for index, line in enumerate(body):
        number = body_start + index + 1
        stripped = line.strip()
        marker = stripped[3:].strip().lower() if stripped.startswith(":::") else None
        if fenced[index]:
            marker = None
        if current is None:
            if marker in BLOCKS:
                current = Block(marker, number, {"body": (number + 1, [])})
                part = "body"
                out[index] = ""
            continue
        out[index] = ""
        if marker is None:
            current.parts[part][1].append(line)
        elif marker == "":
            # Blank lines around it make it a paragraph of its own, whatever is next to it.
            out[index - (number - current.line)] = f"\n{PLACEHOLDER.format(len(blocks))}\n"
            blocks.append(current)
            current = None
        elif current.kind == "faded-example" and marker in _PARTS:
            if marker in current.parts:
                problems.add(number, f"the faded example has only one '::: {marker}'")
            part = marker
            current.parts[part] = (number + 1, [])
        elif marker in BLOCKS or marker == "self-check":
            problems.add(number, f"'::: {marker}' cannot start inside a '::: {current.kind}' block")
        else:
            known = ", ".join(f"'::: {p}'" for p in _PARTS)
            where = f"inside a faded example ({known})" if current.kind == "faded-example" else ""
            problems.add(
                number,
                f"unknown '::: {marker}' {where or 'in a worked example, which holds only text'}",
            )
    if current is not None:
        problems.add(current.line, f"the '::: {current.kind}' block is not closed with ':::'")
    return out, blocks


def _steps(block: Block, problems, minimum: int) -> tuple[str, list[str]] | None:
    """A block's text as (the problem, [steps]): paragraphs, then a numbered list of steps."""
    first, lines = block.parts["body"]
    intro: list[str] = []
    steps: list[list[str]] = []
    for offset, line in enumerate(lines):
        match = _STEP.match(line)
        if match:
            expected = len(steps) + 1
            if int(match.group(1)) != expected:
                problems.add(first + offset, f"steps are numbered 1, 2, 3...; expected {expected}")
                return None
            steps.append([match.group(2)])
        elif steps and (not line.strip() or line.startswith(("  ", "\t"))):
            steps[-1].append(line.strip())
        elif steps:
            problems.add(
                first + offset,
                f"text after the steps of the {block.kind.replace('-', ' ')}: the numbered steps "
                "come last, and a step's own lines are indented",
            )
            return None
        else:
            intro.append(line)
    if not "\n".join(intro).strip():
        problems.add(block.line, f"the {block.kind.replace('-', ' ')} needs the problem it works")
    if len(steps) < minimum:
        problems.add(
            block.line,
            f"the {block.kind.replace('-', ' ')} needs at least {minimum} numbered steps "
            f"('1. ...'); it has {len(steps)}",
        )
        return None
    return "\n".join(intro).strip(), ["\n".join(step).strip() for step in steps]


def _in_block(problems, block: Block, name: str):
    """The parsing module's question-section readers, with their messages pointed at this block."""

    class Redirect:
        def add(self, line: int, message: str) -> None:
            message = message.replace(f"'### {name.capitalize()}'", f"'::: {name}'")
            message = message.replace("Question 1 has", "The faded example has")
            problems.add(line, message)

    return Redirect()


def render_worked(block: Block, problems) -> str | None:
    found = _steps(block, problems, minimum=2)
    if found is None:
        return None
    intro, steps = found
    items = "".join(f"<li>{render_block(step)}</li>" for step in steps)
    return (
        '<aside class="worked-example" aria-label="Worked example">'
        '<p class="worked-label">Worked example</p>'
        f'{render_block(intro)}<ol class="worked-steps">{items}</ol></aside>'
    )


def parse_faded(block: Block, number: int, problems) -> dict | None:
    """A faded example as stored on the pattern (`Pattern.faded_examples`)."""
    # The readers of practice questions' options and numeric answers, so both are written,
    # validated and graded exactly as they are in practice.
    from .parsing import _parse_numeric_answer, _parse_options

    before = len(problems.errors)
    found = _steps(block, problems, minimum=2)
    kinds = [name for name in ("options", "answer") if name in block.parts]
    if len(kinds) != 1:
        problems.add(
            block.line,
            "the faded example checks the last step with '::: options' (single choice) or "
            "'::: answer' (a number)" + ("; it has both" if kinds else ""),
        )
    solution = "\n".join(block.parts.get("solution", (0, []))[1]).strip()
    if not solution:
        problems.add(
            block.parts["solution"][0] - 1 if "solution" in block.parts else block.line,
            "the faded example needs a '::: solution' with the last step worked out",
        )
    example: dict = {"number": number, "line": block.line}
    if kinds == ["options"]:
        options = _parse_options(
            block.parts["options"], 1, _in_block(problems, block, "options"), "single"
        )
        correct = [o for o in options if o["correct"]]
        if options and len(correct) != 1:
            problems.add(
                block.parts["options"][0] - 1,
                "exactly one option must be marked '- [x]' as correct; found "
                + (" and ".join(o["letter"] for o in correct) or "none"),
            )
        for option in options:
            if option["correct"] and option["feedback"]:
                problems.add(option["line"], "'Feedback:' is for wrong options")
            if option["misconception"]:
                problems.add(option["line"], "'Misconception:' is for templates, not lessons")
        example["qtype"] = "single"
        example["options"] = [
            {
                "letter": o["letter"],
                "html": render_inline(o["text"]),
                "feedback_html": render_inline(o["feedback"]) if o["feedback"] else "",
            }
            for o in options
        ]
        example["answer"] = {"correct": correct[0]["letter"] if len(correct) == 1 else ""}
    elif kinds == ["answer"]:
        example["qtype"] = "numeric"
        example["answer"] = _parse_numeric_answer(
            block.parts["answer"], None, _in_block(problems, block, "answer")
        )
    if len(problems.errors) > before or found is None:
        return None
    intro, steps = found
    example["problem_html"] = render_block(intro)
    example["given_steps"] = [render_block(step) for step in steps[:-1]]
    example["prompt_html"] = render_block(steps[-1])
    example["solution_html"] = render_block(solution)
    return example


# -- checking an answer -------------------------------------------------------------------------


class AnswerUnreadable(ValueError):
    """An answer that cannot be checked (no choice, an unknown letter, text that is no number)."""


@dataclass(frozen=True)
class Checked:
    right: bool
    typed: str
    chosen: dict | None = None  # single choice: the option picked, with its feedback
    accepted: str = ""  # numeric: the accepted answer, once the learner got it right


def check(example: dict, answer: str) -> Checked:
    """Grade the learner's last step with the practice question types; records nothing."""
    answer = (answer or "").strip()
    if example["qtype"] == "single":
        if not answer:
            raise AnswerUnreadable("Choose one of the options, then check it.")
        letters = [o["letter"] for o in example["options"]]
        if answer.upper() not in letters:
            raise AnswerUnreadable(f"Choose one of the options {', '.join(letters)}.")
        chosen = next(o for o in example["options"] if o["letter"] == answer.upper())
        right = score("single", example["answer"], chosen["letter"]) == 1
        return Checked(right=right, typed=chosen["letter"], chosen=chosen)
    if not answer:
        raise AnswerUnreadable("Type a number, then check it.")
    try:
        parse_numeric_response(answer, example["answer"])
        right = score("numeric", example["answer"], answer) == 1
    except ResponseRejected as exc:
        raise AnswerUnreadable(str(exc)) from exc
    accepted = ""
    if right:
        spec = example["answer"]
        accepted = spec["value"] + ("%" if spec.get("percent") else f" {spec.get('unit') or ''}")
    return Checked(right=right, typed=answer, accepted=accepted.strip())


def lesson_parts(lesson_html: str, examples: list[dict]) -> list[dict]:
    """The stored lesson HTML cut at its faded examples' slots: [{"html", "example"}]."""
    by_number = {example["number"]: example for example in examples}
    parts = []
    pieces = SLOT_PATTERN.split(lesson_html)
    for index in range(0, len(pieces), 2):
        example = by_number.get(int(pieces[index + 1])) if index + 1 < len(pieces) else None
        parts.append({"html": pieces[index], "example": example})
    return parts
