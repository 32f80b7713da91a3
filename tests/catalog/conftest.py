from pathlib import Path

import pytest

from learnapp.catalog.sample_tree import write_tree


@pytest.fixture
def tree(tmp_path) -> Path:
    """A valid tree: one track, one section, three patterns of ten questions."""
    return write_tree(tmp_path / "content", tracks=1, sections=1, patterns=3)


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count))
