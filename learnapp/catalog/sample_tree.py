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


def write_tree(root: Path, tracks: int = 1, sections: int = 1, patterns: int = 3) -> Path:
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
    return root
