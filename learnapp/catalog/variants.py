"""Question templates and their variants.

A template question names parameters (integer or decimal ranges, choices) and derived values
(`name = expression`, evaluated by `learnapp.catalog.expressions`), and shows them with
placeholders such as `{{total}}` or `{{rate:.1f}}` in its stem, options, solution, final answer
and feedback. The loader renders the markdown once, keeping the placeholders as `{{name:format}}`
markers in the stored HTML; a variant fills them with HTML-escaped values for one integer seed.
No request renders markdown, and the same seed always gives the same variant, so an attempt only
has to store the seed (and the option order) to show a learner exactly what they saw again.

For the learning side:
    variant(version, seed)       -> Variant: the HTML a learner sees, and the answer to score with
    variant_answer(version, seed) -> dict: only that answer, rendering nothing
    option_order(version, seed)  -> the canonical letters in display order (shuffled unless the
                                    content marks the options as ordered)
    qtypes.score(version.qtype, variant.answer, response) -> Fraction
"""

import functools
import hashlib
import html
import json
import re
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

import yaml

from .expressions import (
    FUNCTIONS,
    MAX_MAGNITUDE,
    Expression,
    ExpressionError,
    compile_expression,
    round_half_away,
)

# How many seeds the loader renders each template for, refusing it if any of them fails.
SEEDS_CHECKED = 200

NAME = re.compile(r"^[a-z][a-z0-9_]*$")
PLACEHOLDER = re.compile(r"\{\{\s*([A-Za-z_][A-Za-z0-9_]*)\s*(?::([^{}]*))?\}\}")
_FORMAT = re.compile(r"^(?P<comma>,)?(?:\.(?P<places>\d)f)?$")
_TOKEN = "LEARNAPPVALUE{}Z"
_NUMBER = r"-?\d+(?:\.\d+)?"
_RANGE = re.compile(rf"^({_NUMBER})\s*\.\.\s*({_NUMBER})$")
_PARAMETER = re.compile(r"^(?P<name>\S+?)\s*:\s*(?P<kind>integer|decimal|choice)\b\s*(?P<rest>.*)$")
_DERIVED = re.compile(
    rf"^(?P<name>\S+?)\s*=\s*(?P<source>.+?)(?:\s+in\s+(?P<low>{_NUMBER})\s*\.\.\s*(?P<high>{_NUMBER}))?$"
)


class TemplateError(ValueError):
    """A problem with a template, with the line (within the file) it comes from when known."""

    def __init__(self, message: str, line: int = 0):
        super().__init__(message)
        self.line = line


Value = Fraction | str


def _pick(seed: int, name: str, count: int) -> int:
    # A hash rather than `random`: a stored seed must give the same variant after any upgrade.
    digest = hashlib.sha256(f"{seed}:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big") % count


# -- parameters and derived values --------------------------------------------------------------


@dataclass(frozen=True)
class Parameter:
    name: str
    kind: str  # "integer", "decimal" or "choice"
    low: Fraction = Fraction(0)
    high: Fraction = Fraction(0)
    step: Fraction = Fraction(1)
    choices: tuple[Value, ...] = ()
    line: int = 0

    @property
    def count(self) -> int:
        if self.kind == "choice":
            return len(self.choices)
        return int((self.high - self.low) // self.step) + 1

    @property
    def numeric(self) -> bool:
        return all(isinstance(c, Fraction) for c in self.choices)

    def draw(self, seed: int) -> Value:
        index = _pick(seed, self.name, self.count)
        if self.kind == "choice":
            return self.choices[index]
        return self.low + index * self.step

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "kind": self.kind,
            "low": str(self.low),
            "high": str(self.high),
            "step": str(self.step),
            "choices": [[type(c).__name__, str(c)] for c in self.choices],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Parameter":
        return cls(
            name=data["name"],
            kind=data["kind"],
            low=Fraction(data["low"]),
            high=Fraction(data["high"]),
            step=Fraction(data["step"]),
            choices=tuple(Fraction(v) if t == "Fraction" else v for t, v in data["choices"]),
        )


def parse_parameter(text: str, line: int = 0) -> Parameter:
    """`total: integer 800..5000 step 100`, `share: decimal 0.5..4.5 places 1`,
    `service: choice ["the chatbot", "the batch job"]`."""
    match = _PARAMETER.match(text.strip())
    if not match:
        raise TemplateError(
            "a parameter reads 'name: integer 1..10', 'name: decimal 0.5..4.5 places 1' "
            "or 'name: choice [a, b]'",
            line,
        )
    name, kind, rest = match["name"], match["kind"], match["rest"].strip()
    _check_name(name, line)
    if kind == "choice":
        try:
            choices = yaml.safe_load(rest)
        except yaml.YAMLError:
            choices = None
        if not isinstance(choices, list) or len(choices) < 2:
            raise TemplateError(f"'{name}': a choice lists two or more values, as in [a, b]", line)
        values: list[Value] = []
        for choice in choices:
            if isinstance(choice, bool) or not isinstance(choice, int | float | str):
                raise TemplateError(f"'{name}': choices are numbers or text", line)
            values.append(choice if isinstance(choice, str) else _fraction(str(choice), line))
        if len(set(values)) != len(values):
            raise TemplateError(f"'{name}': a value is listed twice", line)
        return Parameter(name, kind, choices=tuple(values), line=line)

    words = rest.split()
    if not words or not _RANGE.match(words[0]):
        raise TemplateError(f"'{name}': give a range such as 1..10 after '{kind}'", line)
    low_text, high_text = _RANGE.match(words[0]).groups()
    low, high = _fraction(low_text, line), _fraction(high_text, line)
    options = dict(zip(words[1::2], words[2::2], strict=False))
    if len(words) % 2 == 0 or set(options) - {"step", "places"}:
        raise TemplateError(
            f"'{name}': after the range only 'step N' or 'places N' may follow", line
        )
    if kind == "integer":
        if "places" in options or low.denominator != 1 or high.denominator != 1:
            raise TemplateError(
                f"'{name}': an integer range has whole bounds; use 'decimal' for others", line
            )
        step = _fraction(options.get("step", "1"), line)
        if step.denominator != 1:
            raise TemplateError(f"'{name}': an integer step is a whole number", line)
    else:
        places = max(_places(low_text), _places(high_text))
        if "places" in options:
            if not options["places"].isdigit() or not 0 < int(options["places"]) <= 6:
                raise TemplateError(f"'{name}': places is a whole number from 1 to 6", line)
            places = int(options["places"])
        step = _fraction(options["step"], line) if "step" in options else Fraction(1, 10**places)
    if step <= 0:
        raise TemplateError(f"'{name}': the step must be above zero", line)
    if high < low:
        raise TemplateError(f"'{name}': the range {low_text}..{high_text} runs backwards", line)
    if max(abs(low), abs(high)) > MAX_MAGNITUDE:
        raise TemplateError(f"'{name}': the range exceeds the limit of {MAX_MAGNITUDE:,}", line)
    return Parameter(name, kind, low=low, high=high, step=step, line=line)


@dataclass(frozen=True)
class Derived:
    name: str
    source: str
    low: Fraction | None = None
    high: Fraction | None = None
    line: int = 0

    def as_json(self) -> dict:
        return {
            "name": self.name,
            "source": self.source,
            "low": None if self.low is None else str(self.low),
            "high": None if self.high is None else str(self.high),
        }

    @classmethod
    def from_json(cls, data: dict) -> "Derived":
        def bound(text):
            return None if text is None else Fraction(text)

        return cls(data["name"], data["source"], bound(data["low"]), bound(data["high"]))


def parse_derived(text: str, line: int = 0) -> Derived:
    """`rate = valid / total * 100`, optionally with a range it must stay in: `... in 90..100`."""
    match = _DERIVED.match(text.strip())
    if not match:
        raise TemplateError(
            "a derived value reads 'name = expression', optionally followed by 'in LOW..HIGH'",
            line,
        )
    _check_name(match["name"], line)
    low = high = None
    if match["low"] is not None:
        low, high = _fraction(match["low"], line), _fraction(match["high"], line)
        if high < low:
            raise TemplateError(f"'{match['name']}': the range runs backwards", line)
    return Derived(match["name"], match["source"].strip(), low, high, line)


def _check_name(name: str, line: int) -> None:
    if not NAME.match(name):
        raise TemplateError(
            f"'{name}' is not a usable name: lower-case letters, digits and '_', "
            "starting with a letter",
            line,
        )
    if name in FUNCTIONS:
        raise TemplateError(f"'{name}' is the name of a function; choose another", line)


def _fraction(text: str, line: int) -> Fraction:
    try:
        return Fraction(Decimal(text))
    except (ArithmeticError, ValueError):
        raise TemplateError(f"'{text}' is not a number", line) from None


def _places(text: str) -> int:
    return len(text.partition(".")[2])


class Template:
    """Parameters and derived values; `values(seed)` gives one variant's values."""

    def __init__(self, parameters: list[Parameter], derived: list[Derived]):
        self.parameters = parameters
        self.derived = derived
        seen: dict[str, int] = {}
        numbers: list[str] = []
        for item in [*parameters, *derived]:
            if item.name in seen:
                raise TemplateError(f"'{item.name}' is defined twice", item.line)
            seen[item.name] = item.line
        for parameter in parameters:
            if parameter.numeric:
                numbers.append(parameter.name)
        self._compiled: list[tuple[Derived, Expression]] = []
        for item in derived:
            try:
                expression = compile_expression(item.source, numbers)
            except ExpressionError as exc:
                text_names = [p.name for p in parameters if not p.numeric]
                used = [n for n in text_names if re.search(rf"\b{n}\b", item.source)]
                if used:
                    raise TemplateError(
                        f"'{item.name}': '{used[0]}' is text; it can be shown, not computed with",
                        item.line,
                    ) from None
                raise TemplateError(f"'{item.name} = {item.source}': {exc}", item.line) from None
            self._compiled.append((item, expression))
            numbers.append(item.name)
        self.names = set(seen)
        self.numeric_names = set(numbers)

    def corners(self, limit: int = 256) -> list[dict[str, Value]]:
        """Parameter values at the ends of their ranges: where a derived value leaves its range.

        Random seeds rarely hit every extreme at once, so the loader checks these too.
        """
        ends = [
            (p.name, [p.choices[0], p.choices[-1]] if p.kind == "choice" else [p.low, p.high])
            for p in self.parameters
        ]
        combinations: list[dict[str, Value]] = [{}]
        for name, pair in ends:
            combinations = [{**c, name: end} for c in combinations for end in pair][:limit]
        return combinations

    def values(self, seed: int, drawn: dict[str, Value] | None = None) -> dict[str, Value]:
        """One variant's values; `drawn` fixes the parameters instead of drawing them."""
        values: dict[str, Value] = dict(drawn) if drawn else {}
        values = values or {p.name: p.draw(seed) for p in self.parameters}
        where = f"seed {seed}" if not drawn else describe_values(drawn)
        for item, expression in self._compiled:
            try:
                value = expression.evaluate(values)
            except ExpressionError as exc:
                raise TemplateError(f"'{item.name}' for {where}: {exc}", item.line) from None
            if item.low is not None and not item.low <= value <= item.high:
                raise TemplateError(
                    f"'{item.name}' is {_plain(value)} for {where}, outside its range "
                    f"{_plain(item.low)}..{_plain(item.high)}",
                    item.line,
                )
            values[item.name] = value
        return values

    def evaluate(self, source: str, values: dict[str, Value], line: int = 0) -> Fraction:
        """An expression over this template's values (a numeric answer, for example)."""
        try:
            return compile_expression(source, self.numeric_names).evaluate(values)
        except ExpressionError as exc:
            raise TemplateError(f"'{source}': {exc}", line) from None

    def as_json(self) -> dict:
        return {
            "parameters": [p.as_json() for p in self.parameters],
            "derived": [d.as_json() for d in self.derived],
        }

    @classmethod
    def from_json(cls, data: dict) -> "Template":
        return cls(
            [Parameter.from_json(p) for p in data.get("parameters", [])],
            [Derived.from_json(d) for d in data.get("derived", [])],
        )


def describe_values(values: dict[str, Value]) -> str:
    return ", ".join(f"{name} = {_plain(value)}" for name, value in values.items())


def _plain(value: Value) -> str:
    if isinstance(value, str):
        return repr(value)
    try:
        return format_value(value)
    except TemplateError:
        return f"{float(value):g}"


# -- display -----------------------------------------------------------------------------------


def check_format(spec: str) -> str | None:
    """The problem with a display format, or None. Formats: '' , ',' , '.1f' , ',.2f'."""
    if _FORMAT.match(spec):
        return None
    return f"unknown format ':{spec}' (use :.1f for one decimal place, :, or :,.2f)"


def format_value(value: Value, spec: str = "") -> str:
    """A value as shown: exact decimals, halves rounded away from zero, `,` groups thousands."""
    if isinstance(value, str):
        if spec:
            raise TemplateError(f"a format (:{spec}) applies to numbers, not to text")
        return value
    match = _FORMAT.match(spec)
    if not match:
        raise TemplateError(check_format(spec))
    places = match["places"]
    if places is None:
        places = _exact_places(value)
        if places is None:
            raise TemplateError(
                f"{float(value):g} is not a whole number; give a format such as :.1f"
            )
    places = int(places)
    scaled = round_half_away(value, places) * 10**places
    shown = Decimal(int(scaled)).scaleb(-places)
    return format(shown, f"{',' if match['comma'] else ''}.{places}f")


def _exact_places(value: Fraction) -> int | None:
    """How many decimals show this value exactly (up to 6), or None if it needs rounding."""
    for places in range(7):
        if (value * 10**places).denominator == 1:
            return places
    return None


def protect(text: str) -> tuple[str, list[tuple[str, str]]]:
    """Swap placeholders for plain tokens that markdown leaves alone; returns (text, markers)."""
    markers: list[tuple[str, str]] = []

    def swap(match: re.Match) -> str:
        markers.append((match[1], (match[2] or "").strip()))
        return _TOKEN.format(len(markers) - 1)

    return PLACEHOLDER.sub(swap, text), markers


def restore(rendered: str, markers: list[tuple[str, str]]) -> str:
    """Put the placeholders back, as `{{name}}` or `{{name:format}}`, into rendered HTML."""
    for index, (name, spec) in enumerate(markers):
        rendered = rendered.replace(
            _TOKEN.format(index), "{{" + name + (f":{spec}" if spec else "") + "}}"
        )
    return rendered


def placeholders(rendered: str) -> list[tuple[str, str]]:
    return [(m[1], m[2] or "") for m in PLACEHOLDER.finditer(rendered)]


def fill(rendered: str, values: dict[str, Value]) -> str:
    """Replace the placeholders of stored HTML with escaped values."""
    if "{{" not in rendered:
        return rendered
    return PLACEHOLDER.sub(
        lambda m: html.escape(format_value(values[m[1]], m[2] or ""), quote=True), rendered
    )


def generic(rendered: str) -> str:
    """Stored HTML with each placeholder shown as its name, for readers of every variant at once
    (an instructor's item analysis): "{{total}} requests" reads "<var>total</var> requests"."""
    if "{{" not in rendered:
        return rendered
    return PLACEHOLDER.sub(lambda m: f"<var>{html.escape(m[1])}</var>", rendered)


# The seed an instructor's pages show a template with: real numbers read better than their names
# ("shows <var>valid</var> valid requests"), and a fixed seed gives the same wording at each visit.
EXAMPLE_SEED = 0


def example(version, rendered: str) -> str:
    """One of `version`'s stored HTML fields as a learner could see it (EXAMPLE_SEED's values).

    Without a template a stray placeholder is named, as by `generic`, rather than shown raw.
    """
    template, values = _template_and_values(version, EXAMPLE_SEED)
    return fill(rendered, values) if template else generic(rendered)


# -- variants ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """What a learner sees of one question for one seed, and the answer to score it against."""

    seed: int
    stem_html: str
    options: list[dict]  # [{"letter", "html", "feedback_html", "misconception"}], canonical order
    solution_steps: list[str]
    final_answer_html: str
    quick_check_html: str
    hint_html: str
    common_mistakes: list[str]
    answer: dict  # as qtypes.score expects it; a numeric value is computed for this seed
    values: dict[str, str] = field(default_factory=dict)  # the template's values, as shown
    # Every hint tier, from the nudge to the last hint (which is hint_html).
    hints: list[str] = field(default_factory=list)


@functools.lru_cache(maxsize=1024)
def _template(spec: str) -> Template:
    # Versions never change, so their compiled templates can be kept for the process's life.
    return Template.from_json(json.loads(spec))


def _template_and_values(version, seed: int) -> tuple[Template | None, dict]:
    template_spec = getattr(version, "template", None) or {}
    template = _template(json.dumps(template_spec, sort_keys=True)) if template_spec else None
    return template, (template.values(seed) if template else {})


def variant_answer(version, seed: int = 0) -> dict:
    """Only `variant(version, seed).answer`: what scoring needs, without rendering any HTML.

    It reads only the version's qtype, answer_spec, correct_letter and template, so a caller
    that scores on every click (test autosave) can load just those columns.
    """
    return _answer(version, *_template_and_values(version, seed))


def _answer(version, template: Template | None, values: dict) -> dict:
    answer = dict(version.answer_spec or {})
    qtype = getattr(version, "qtype", "single") or "single"
    if qtype == "single" and "correct" not in answer:
        answer["correct"] = version.correct_letter
    if qtype == "numeric":
        value = (
            template.evaluate(answer["value"], values)
            if template
            else compile_expression(answer["value"]).evaluate({})
        )
        answer["value"] = str(value)
    return answer


def variant(version, seed: int = 0) -> Variant:
    """One question version rendered for `seed`; a version without a template ignores the seed."""
    template, values = _template_and_values(version, seed)
    answer = _answer(version, template, values)

    def show(rendered: str) -> str:
        return fill(rendered, values) if template else rendered

    return Variant(
        seed=seed,
        stem_html=show(version.stem_html),
        options=[
            {
                **option,
                "html": show(option["html"]),
                "feedback_html": show(option.get("feedback_html", "")),
                "misconception": option.get("misconception", ""),
            }
            for option in version.options or []
        ],
        solution_steps=[show(step) for step in version.solution_steps],
        final_answer_html=show(version.final_answer_html),
        quick_check_html=show(version.quick_check_html),
        hint_html=show(version.hint_html),
        hints=[show(tier) for tier in getattr(version, "hints", None) or [version.hint_html]],
        common_mistakes=[show(item) for item in version.common_mistakes],
        answer=answer,
        values={
            name: format_value(value, "" if not isinstance(value, Fraction) else _spec_of(value))
            for name, value in values.items()
        },
    )


def _spec_of(value: Fraction) -> str:
    return "" if _exact_places(value) is not None else ".4f"


def option_order(version, seed: int) -> list[str]:
    """The canonical option letters in the order one attempt shows them.

    Unchanged where the content marks the options as ordered (numbers in order, "all of the
    above"); an ordering question's steps are never shown in their correct order.
    """
    letters = [option["letter"] for option in version.options or []]
    if getattr(version, "ordered", False) or len(letters) < 2:
        return letters
    shuffled = sorted(
        letters, key=lambda letter: hashlib.sha256(f"{seed}:{letter}".encode()).digest()
    )
    if getattr(version, "qtype", "") == "ordering" and shuffled == letters:
        shuffled = shuffled[1:] + shuffled[:1]
    return shuffled
