"""Questions in the shape other systems exchange them (GIFT, Aiken, QTI): text, options, answers.

Imports build these and turn them into learnapp's own question markdown, so that an import is
checked by exactly the rules of the browser editor and the content loader. Exports build them
from stored versions, turning the stored (sanitized) HTML back into markdown.
"""

import html
import re
from dataclasses import dataclass, field
from decimal import Decimal
from html.parser import HTMLParser

from learnapp.catalog.models import QuestionVersion


class ImportProblem(Exception):
    """A problem in an import file, at a line of that file."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line
        self.message = message


@dataclass
class PortableOption:
    text: str  # markdown, one line
    correct: bool
    feedback: str = ""


@dataclass
class PortableQuestion:
    key: str
    stem: str  # markdown
    qtype: str = "single"  # single, multiple or numeric; true/false is single with True, False
    difficulty: str = "medium"
    scoring: str = ""
    ordered: bool = False
    options: list[PortableOption] = field(default_factory=list)
    value: str = ""  # numeric: the answer, as written
    tolerance: str = ""
    solution: list[str] = field(default_factory=list)  # markdown steps
    line: int = 1  # where the question starts in the file it came from

    @property
    def is_true_false(self) -> bool:
        return self.qtype == "single" and [o.text.lower() for o in self.options] == [
            "true",
            "false",
        ]

    def final_answer(self) -> str:
        if self.qtype == "numeric":
            return self.value + (f" (± {self.tolerance})" if self.tolerance else "")
        return "; ".join(o.text for o in self.options if o.correct)


def true_false(key: str, stem: str, answer: bool, **kwargs) -> PortableQuestion:
    return PortableQuestion(
        key=key,
        stem=stem,
        ordered=True,  # True before False, as every system shows them
        options=[PortableOption("True", answer), PortableOption("False", not answer)],
        **kwargs,
    )


def one_line(text: str) -> str:
    return " ".join(text.split())


def to_markdown(question: PortableQuestion, number: int = 1) -> str:
    """The question in content/'s format, for the same parser the loader and editor use."""
    head = [f"## Question {number}", f"id: {question.key}", f"difficulty: {question.difficulty}"]
    if question.qtype != "single":
        head.append(f"type: {question.qtype}")
    if question.scoring:
        head.append(f"scoring: {question.scoring}")
    if question.ordered:
        head.append("ordered: true")
    parts = ["\n".join(head), question.stem.strip()]
    if question.qtype == "numeric":
        answer = [f"value: {question.value}"]
        if question.tolerance:
            answer.append(f"tolerance: {question.tolerance}")
        parts.append("### Answer\n" + "\n".join(answer))
    else:
        lines = []
        for option in question.options:
            lines.append(f"- [{'x' if option.correct else ' '}] {one_line(option.text)}")
            if option.feedback:
                lines.append(f"  Feedback: {one_line(option.feedback)}")
        parts.append("### Options\n" + "\n".join(lines))
    steps = question.solution or [f"The answer is {one_line(question.final_answer())}."]
    parts.append(
        "### Solution\n" + "\n".join(f"{n}. {one_line(s)}" for n, s in enumerate(steps, 1))
    )
    parts.append("### Final answer\n" + one_line(question.final_answer()))
    return "\n\n".join(parts) + "\n"


# -- from stored versions --------------------------------------------------------------------


class Unportable(Exception):
    """A question another system cannot take (a template, an ordering question)."""


def local_key(key: str) -> str:
    """An instructor's question id as they wrote it (the stored key carries the owner)."""
    return key.partition("_")[2] or key


def from_version(version: QuestionVersion) -> PortableQuestion:
    if version.template:
        raise Unportable("it is a template: its numbers change from one learner to the next")
    if version.qtype == "ordering":
        raise Unportable("ordering questions have no equivalent there")
    question = PortableQuestion(
        key=local_key(version.question.key),
        stem=html_to_markdown(version.stem_html),
        qtype=version.qtype,
        difficulty=version.difficulty,
        scoring=version.scoring,
        ordered=version.ordered,
        solution=[html_to_markdown(step) for step in version.solution_steps],
    )
    if version.qtype == "numeric":
        spec = version.answer_spec
        value = Decimal(str(spec["value"]))
        tolerance = spec.get("tolerance")
        if spec.get("relative_tolerance"):
            tolerance = abs(value * Decimal(str(spec["relative_tolerance"])))
        question.value = _plain_number(value)
        question.tolerance = _plain_number(Decimal(str(tolerance))) if tolerance else ""
        return question
    correct = (
        set(version.answer_spec.get("correct", []))
        if version.qtype == "multiple"
        else {version.correct_letter}
    )
    question.options = [
        PortableOption(
            text=html_to_markdown(option["html"]),
            correct=option["letter"] in correct,
            feedback=html_to_markdown(option.get("feedback_html", "")),
        )
        for option in version.options
    ]
    return question


def _plain_number(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


class _ToMarkdown(HTMLParser):
    """The little of HTML that question markdown renders to, turned back into markdown."""

    INLINE = {"strong": "**", "b": "**", "em": "*", "i": "*"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.blocks: list[str] = []
        self.current: list[str] = []
        self.in_pre = False
        self.in_code = False
        self.list_stack: list[list] = []

    def _flush(self) -> None:
        text = "".join(self.current).strip()
        if text:
            self.blocks.append(text)
        self.current = []

    def handle_starttag(self, tag, attrs):
        if tag == "pre":
            self._flush()
            self.in_pre = True
        elif tag == "code" and not self.in_pre:
            self.in_code = True
            self.current.append("`")
        elif tag in self.INLINE and not self.in_pre:
            self.current.append(self.INLINE[tag])
        elif tag == "br":
            self.current.append("  \n")
        elif tag in ("ul", "ol"):
            self._flush()
            self.list_stack.append([tag, 0])
        elif tag == "li" and self.list_stack:
            kind = self.list_stack[-1]
            kind[1] += 1
            self.current.append("- " if kind[0] == "ul" else f"{kind[1]}. ")
        elif tag == "a":
            self.current.append("[")
            self.href = dict(attrs).get("href", "")
        elif tag == "p":
            self._flush()

    def handle_endtag(self, tag):
        if tag == "pre":
            code = "".join(self.current).rstrip("\n")
            self.current = []
            self.blocks.append(f"```\n{code}\n```")
            self.in_pre = False
        elif tag == "code" and self.in_code:
            self.in_code = False
            self.current.append("`")
        elif tag in self.INLINE and not self.in_pre:
            self.current.append(self.INLINE[tag])
        elif tag == "a":
            self.current.append(f"]({getattr(self, 'href', '')})")
        elif tag == "li":
            self.current.append("\n")
        elif tag in ("ul", "ol"):
            if self.list_stack:
                self.list_stack.pop()
            self._flush()
        elif tag == "p":
            self._flush()

    def handle_data(self, data):
        if self.in_pre or self.in_code:
            self.current.append(data)
        else:
            self.current.append(_escape_markdown(data))


_MARKDOWN_SPECIAL = re.compile(r"([\\`*_\[\]<>])")


def _escape_markdown(text: str) -> str:
    # Text shown literally stays literal when rendered again: '*' is not emphasis, '<' not a tag.
    return _MARKDOWN_SPECIAL.sub(r"\\\1", text)


def html_to_markdown(fragment: str) -> str:
    if not fragment:
        return ""
    parser = _ToMarkdown()
    parser.feed(fragment)
    parser.close()
    parser._flush()
    return "\n\n".join(parser.blocks)


def html_to_text(fragment: str) -> str:
    """Plain text (Aiken, titles): tags dropped, entities read."""
    return " ".join(html.unescape(re.sub(r"<[^>]+>", " ", fragment)).split())
