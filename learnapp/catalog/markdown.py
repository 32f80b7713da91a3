"""Markdown to safe HTML, done once when content is loaded.

Python-Markdown renders (tables, fenced code highlighted by Pygments, heading anchors, table of
contents); nh3 then removes anything a browser could execute, whatever the content file says.
"""

import html
import re
from dataclasses import dataclass

import markdown
import nh3

_ALLOWED_TAGS = {
    "a", "abbr", "aside", "b", "blockquote", "br", "code", "dd", "del", "details", "div", "dl",
    "dt", "em", "h2", "h3", "h4", "h5", "h6", "hr", "i", "img", "kbd", "li", "ol", "p", "pre",
    "s", "samp", "span", "strong", "sub", "summary", "sup", "table", "tbody", "td", "th", "thead",
    "tr", "ul",
}  # fmt: skip
_ALLOWED_ATTRIBUTES = {
    "*": {"class"},
    "a": {"href", "title"},
    "abbr": {"title"},
    "img": {"src", "alt", "title", "width", "height"},
    "h2": {"id"},
    "h3": {"id"},
    "h4": {"id"},
    "h5": {"id"},
    "h6": {"id"},
    "td": {"align"},
    "th": {"align"},
    "ol": {"start"},
}


def sanitize(fragment: str) -> str:
    cleaned = nh3.clean(
        fragment,
        tags=_ALLOWED_TAGS,
        attributes=_ALLOWED_ATTRIBUTES,
        url_schemes={"http", "https", "mailto"},
        link_rel="noopener noreferrer",
    )
    # Code blocks and wide tables scroll sideways on small screens; keyboard users need to be
    # able to focus them to scroll (WCAG 2.1.1). Added after cleaning: the author cannot set it.
    return cleaned.replace("<pre>", '<pre tabindex="0">').replace("<table>", '<table tabindex="0">')


_EXTENSIONS = ["tables", "fenced_code", "codehilite", "sane_lists"]
_EXTENSION_CONFIGS = {"codehilite": {"css_class": "highlight", "guess_lang": False}}

# One converter per kind, reset between documents: building a Markdown instance costs far more
# than converting a short fragment, and the loader converts tens of thousands of them.
_fragment_md = markdown.Markdown(extensions=_EXTENSIONS, extension_configs=_EXTENSION_CONFIGS)
_lesson_md = markdown.Markdown(
    extensions=[*_EXTENSIONS, "toc"],
    extension_configs={
        **_EXTENSION_CONFIGS,
        "toc": {
            "permalink": "#",
            "permalink_class": "anchor",
            "permalink_title": "Link to this section",
            "toc_depth": "2-3",
        },
    },
)

# Text with none of these can be escaped instead of parsed: the common case for options and hints.
_MARKUP = re.compile(r"[`*_\[\]\\<>&!#|~\n]|^\s*(?:[-+]|\d+[.)])\s|\s{2}$")


def render_block(text: str) -> str:
    """Render markdown that may hold paragraphs, lists and code blocks."""
    if not _MARKUP.search(text):
        return f"<p>{html.escape(text.strip(), quote=False)}</p>"
    _fragment_md.reset()
    return sanitize(_fragment_md.convert(text))


def render_inline(text: str) -> str:
    """Render one line of markdown without the wrapping paragraph (options, list items)."""
    if not _MARKUP.search(text):
        return html.escape(text.strip(), quote=False)
    rendered = render_block(text)
    if rendered.startswith("<p>") and rendered.endswith("</p>") and rendered.count("<p>") == 1:
        return rendered[3:-4]
    return rendered


@dataclass(frozen=True)
class TocEntry:
    level: int
    id: str
    title: str


def render_lesson(text: str) -> tuple[str, list[TocEntry]]:
    """Render a lesson body; returns the sanitized HTML and its table of contents."""
    _lesson_md.reset()
    body = _lesson_md.convert(text)
    toc: list[TocEntry] = []

    def walk(tokens: list[dict]) -> None:
        for token in tokens:
            toc.append(TocEntry(token["level"], token["id"], html.unescape(token["name"])))
            walk(token["children"])

    walk(_lesson_md.toc_tokens)
    return sanitize(body), toc
