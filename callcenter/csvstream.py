"""CSV files written as a stream of chunks (the CDR export, the audit log's export): UTF-8 with a BOM like the
product's other CSV files (Excel then reads Chinese correctly), CRLF line ends, and every text cell a spreadsheet
would run as a formula (starting with = + - @, a tab or a carriage return) written with a leading ``'``, as the
customers' export does (``callcenter/customers/importer.py``).

Nothing here holds more than one chunk: the caller reads its rows from the database a chunk at a time (keyset
pagination) and this module turns each chunk into bytes for a ``StreamingResponse``."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Iterable, Sequence
from typing import Any

BOM = "\ufeff"
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(v: Any) -> Any:
    """A cell as written: None empty, a text that would be a formula quoted with a leading ``'``, else as is."""
    if v is None:
        return ""
    if isinstance(v, str) and v.startswith(FORMULA_START):
        return "'" + v
    return v


def csv_text(rows: Iterable[Sequence[Any]]) -> str:
    """``rows`` as CSV text (CRLF), every cell through :func:`safe_cell`."""
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\r\n")
    for r in rows:
        w.writerow([safe_cell(v) for v in r])
    return buf.getvalue()


async def stream_csv(header: Sequence[str], chunks: AsyncIterator[list[Sequence[Any]]]) -> AsyncIterator[bytes]:
    """The BOM and the header line, then one ``bytes`` per chunk of rows."""
    yield (BOM + csv_text([header])).encode("utf-8")
    async for rows in chunks:
        if rows:
            yield csv_text(rows).encode("utf-8")
