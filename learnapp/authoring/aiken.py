"""The Aiken format: single-choice questions as plain text.

    Which header carries an API key?
    A. Authorization
    B. Accept
    C. Key
    ANSWER: A

The question text may run over several lines; options are 'A.' or 'A)'; 'ANSWER: X' ends a
question. Blank lines between questions are allowed, not required.
"""

import re

from django.utils.text import slugify

from .gift import ImportProblems, _unique
from .portable import ImportProblem, PortableOption, PortableQuestion

_OPTION = re.compile(r"^([A-Z])[.)]\s+(.*)$")
_ANSWER = re.compile(r"^ANSWER:\s*(.*)$")


def read(text: str) -> list[PortableQuestion]:
    questions: list[PortableQuestion] = []
    problems: list[ImportProblem] = []
    keys: set[str] = set()
    stem: list[str] = []
    options: list[tuple[str, str]] = []
    start = 0
    skipping = False  # after a problem, until the question's ANSWER line

    def reset() -> None:
        nonlocal stem, options, skipping
        stem, options, skipping = [], [], False

    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        answer = _ANSWER.match(line)
        option = _OPTION.match(line)
        if skipping:
            if answer:
                reset()
            continue
        if answer:
            letter = answer.group(1).strip().upper()
            if not stem:
                problems.append(ImportProblem(number, "'ANSWER:' with no question before it"))
            elif not options:
                problems.append(ImportProblem(number, "the question has no options ('A. ...')"))
            elif letter not in [key for key, _ in options]:
                problems.append(
                    ImportProblem(
                        number,
                        f"'ANSWER: {letter}' is not one of the options "
                        f"({', '.join(key for key, _ in options)})",
                    )
                )
            else:
                text_of_stem = "\n".join(stem)
                questions.append(
                    PortableQuestion(
                        key=_unique(slugify(text_of_stem)[:40].strip("-") or "question", keys),
                        stem=text_of_stem,
                        options=[PortableOption(t, k == letter) for k, t in options],
                        line=start,
                    )
                )
            reset()
            continue
        if option and stem:
            expected = chr(ord("A") + len(options))
            if option.group(1) != expected:
                problems.append(
                    ImportProblem(number, f"expected option {expected}, found {option.group(1)}")
                )
                skipping = True
                continue
            options.append((option.group(1), option.group(2).strip()))
            continue
        if options:
            problems.append(
                ImportProblem(number, "expected another option or 'ANSWER: X' after the options")
            )
            skipping = True
            continue
        if not stem:
            start = number
        stem.append(line)
    if stem and not skipping:
        problems.append(ImportProblem(start, "the last question has no 'ANSWER: X' line"))
    if problems:
        raise ImportProblems(problems)
    if not questions:
        raise ImportProblems([ImportProblem(1, "no questions found")])
    return questions
