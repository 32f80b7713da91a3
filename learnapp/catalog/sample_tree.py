"""Write a valid synthetic content tree of any size, for tests and the loader benchmark."""

from pathlib import Path

DIFFICULTY_OF = ["easy"] * 3 + ["medium"] * 4 + ["hard"] * 3


def question_markdown(number: int, key: str, difficulty: str | None = None, stem: str = "") -> str:
    correct = "ABCD"[number % 4]
    options = "\n".join(
        f"- [{'x' if letter == correct else ' '}] Option text {letter} for {key}"
        + ("" if letter == correct else f"\n  Feedback: Why {letter} tempts, and why it is wrong.")
        for letter in "ABCD"
    )
    return f"""## Question {number}
id: {key}
difficulty: {difficulty or DIFFICULTY_OF[number - 1]}

{stem or f"What does question `{key}` ask? Pick the right option."}

### Options
{options}

### Solution
1. **Read the question.** It asks about {key}.
2. **Choose.** Only option {correct} fits.

### Final answer
Option text {correct} -> Option {correct}

### Quick check
{key} = option {correct}

### Hint
Think about what {key} means.

### Common mistakes
- Picking the first option without reading
- Confusing {key} with another question
"""


def practice_markdown(prefix: str, title: str = "Practice") -> str:
    questions = "\n".join(question_markdown(n, f"{prefix}-q{n}") for n in range(1, 11))
    return f"---\ntitle: {title}\n---\n\n{questions}"


def lesson_markdown(slug: str, title: str, order: int, body: str = "") -> str:
    return f"""---
title: {title}
slug: {slug}
order: {order}
summary: What {title} is about, in one sentence.
---

{
        body
        or f'''## Why {title} matters

Some text about **{title}**, with a table:

| Access Type | Count |
|-------------|-------|
| Valid | 950 |

## How it works

```python
import requests
print(requests.get("https://example.com").status_code)
```

::: self-check
Is {title} worth learning?
::: answer
Yes, because it is the subject of this lesson.
:::
'''
    }"""


def index_markdown(slug: str, title: str, order: int) -> str:
    return f"---\ntitle: {title}\nslug: {slug}\norder: {order}\nsummary: About {title}.\n---\n"


def write_tree(
    root: Path, tracks: int = 1, sections: int = 1, patterns: int = 3, pools: bool = False
) -> Path:
    """Tracks t1.., sections t1-s1.., patterns t1-s1-p1.. with questions t1-s1-p1-q1.."""
    for t in range(1, tracks + 1):
        track_dir = root / f"track-{t}"
        track_dir.mkdir(parents=True, exist_ok=True)
        (track_dir / "track.md").write_text(index_markdown(f"t{t}", f"Track {t}", t))
        for s in range(1, sections + 1):
            section_dir = track_dir / f"section-{s}"
            section_dir.mkdir(exist_ok=True)
            (section_dir / "section.md").write_text(
                index_markdown(f"t{t}-s{s}", f"Section {t}.{s}", s)
            )
            for p in range(1, patterns + 1):
                slug = f"t{t}-s{s}-p{p}"
                pattern_dir = section_dir / f"pattern-{p}"
                pattern_dir.mkdir(exist_ok=True)
                (pattern_dir / "lesson.md").write_text(lesson_markdown(slug, f"Pattern {slug}", p))
                (pattern_dir / "practice.md").write_text(practice_markdown(slug))
                if pools:
                    (pattern_dir / "assessment.md").write_text(assessment_markdown(slug))
    return root


# -- assessment pools ---------------------------------------------------------------------------

POOL_DIFFICULTY_OF = ["easy"] * 6 + ["medium"] * 8 + ["hard"] * 6


def pool_question_markdown(number: int, key: str, difficulty: str | None = None) -> str:
    """A pool item: mostly single choice, with one of each other type and a template."""
    difficulty = difficulty or POOL_DIFFICULTY_OF[(number - 1) % len(POOL_DIFFICULTY_OF)]
    head = f"## Question {number}\nid: {key}\ndifficulty: {difficulty}\n"
    tail = f"""
### Solution
1. **Work it out.** The answer to `{key}` follows from the lesson.

### Final answer
The answer to `{key}`
"""
    if number == 1:
        return f"""{head}type: numeric

How many requests does pool item `{key}` count?

### Answer
value: 40
tolerance: 0.5
{tail}"""
    if number == 2:
        return f"""{head}type: multiple
scoring: partial

Which statements about pool item `{key}` hold?

### Options
- [x] Statement one of `{key}`
- [ ] Statement two of `{key}`
  Feedback: Why two is wrong.
- [x] Statement three of `{key}`
- [ ] Statement four of `{key}`
{tail}"""
    if number == 3:
        return f"""{head}type: ordering

Put the steps of pool item `{key}` in order.

### Steps
1. First step of `{key}`
2. Second step of `{key}`
3. Third step of `{key}`
4. Fourth step of `{key}`
{tail}"""
    if number == 4:
        return f"""{head}
A log of pool item `{key}` counts {{{{valid}}}} valid requests and {{{{failed}}}} failed ones.
What is the success rate?

### Parameters
- valid: integer 900..990
- failed: integer 10..60

### Derived
- total = valid + failed
- rate = valid / total * 100 in 90..100
- wrong = valid / (valid + 2 * failed) * 100

### Options
- [x] {{{{rate:.1f}}}}%
- [ ] {{{{wrong:.1f}}}}%
  Misconception: counted the failures twice
- [ ] 100%
  Misconception: counted only the valid requests
{tail}"""
    return f"""{head}
Which option answers pool item `{key}`?

### Options
- [x] The right option for `{key}`
- [ ] A tempting option for `{key}`
  Feedback: Why it tempts, and why it is wrong.
- [ ] Another option for `{key}`
{tail}"""


def assessment_markdown(prefix: str, count: int = 20, blueprint: str = "") -> str:
    blueprint = blueprint or "{easy: 3, medium: 4, hard: 3}"
    questions = "\n".join(pool_question_markdown(n, f"{prefix}-a{n}") for n in range(1, count + 1))
    return f"---\ntitle: Assessment\nblueprint: {blueprint}\n---\n\n{questions}"
