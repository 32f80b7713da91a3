"""CSV downloads that a spreadsheet opens as data, never as formulas.

Every CSV the site writes goes through `csv_download`, so no writer can forget the escaping.
"""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse

# OWASP's list for CSV injection: a spreadsheet reads a cell that starts with one of these as a
# formula (a user name "=HYPERLINK(...)" or "+1+1" would run when the instructor opens it).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: object) -> object:
    """A text cell that would start a formula, prefixed with a quote; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _Echo:
    """A file-like object whose write returns the line, for streaming csv rows."""

    def write(self, value: str) -> str:
        return value


def csv_download(rows: Iterable[Iterable[object]], filename: str) -> StreamingHttpResponse:
    """Stream `rows` (the header first) as an attachment, one line at a time."""
    writer = csv.writer(_Echo())
    lines = (writer.writerow([spreadsheet_safe(value) for value in row]) for row in rows)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
