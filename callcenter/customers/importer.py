"""The customers as CSV: export every customer, import (create or update) many at once. Admins only; both are
audited. An import checks every row first and stores nothing if any row has a problem."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from callcenter.clock import Clock
from callcenter.customers.access import ADMIN, Actor, Audit, require
from callcenter.customers.checks import MAX_TEXT, check_numbers, check_tags, check_text, iso, need, utc
from callcenter.customers.errors import (
    IMPORT_BAD_CREATED_AT,
    IMPORT_BAD_ID,
    IMPORT_BAD_VIP,
    IMPORT_DUPLICATE_COLUMNS,
    IMPORT_EMPTY,
    IMPORT_NAME_COLUMN,
    IMPORT_NO_ROWS,
    IMPORT_NOT_CSV,
    IMPORT_NOT_UTF8,
    IMPORT_ROWS_BAD,
    IMPORT_TOO_BIG,
    IMPORT_TOO_MANY_ROWS,
    IMPORT_UNKNOWN_COLUMNS,
)
from callcenter.customers.repository import CustomerRepository
from callcenter.errors import InvalidInput

MAX_CSV_BYTES = 5 * 1024 * 1024
MAX_CSV_ROWS = 50_000
MAX_LISTED_ROWS = 1000
CSV_COLUMNS = ("id", "name", "company", "address", "vip", "tags", "numbers", "notes", "created_at")

_TRUE = {"true", "1", "yes", "y", "vip", "是"}
_FALSE = {"", "false", "0", "no", "n", "否"}
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ImportResult:
    created: int
    updated: int


def _cell(v: str) -> str:
    """Excel would run a cell that starts with = + - @ as a formula: such text is exported with a leading '."""
    return "'" + v if v.startswith(_FORMULA_START) else v


def _uncell(v: str) -> str:
    return v[1:] if v.startswith("'") and v[1:].startswith(_FORMULA_START) else v


class CustomerCsv:
    def __init__(self, repo: CustomerRepository, clock: Clock, audit: Audit) -> None:
        self.repo = repo
        self.clock = clock
        self.audit = audit

    async def export_csv(self, actor: Actor) -> bytes:
        """Every customer as CSV, UTF-8 with a BOM (Excel then reads Chinese correctly)."""
        require(actor, ADMIN, "exporting customers")
        rows = await self.repo.all_customers()
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\r\n")
        w.writerow(CSV_COLUMNS)
        for f in rows:
            c = f.customer
            w.writerow([c.id, _cell(c.name), _cell(c.company), _cell(c.address), "true" if c.vip else "false",
                        _cell(";".join(c.tags or [])), ";".join(f.numbers), _cell(c.notes), iso(c.created_at)])
        await self.audit(actor.username, "customer.export", "customers", {"count": len(rows)})
        return buf.getvalue().encode("utf-8-sig")

    @staticmethod
    def _read_csv(data: bytes) -> tuple[list[str], list[tuple[int, list[str]]]]:
        if len(data) > MAX_CSV_BYTES:
            raise IMPORT_TOO_BIG({"value": len(data) / 1024 / 1024}, field="file")
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            raise IMPORT_NOT_UTF8(field="file", byte=e.start) from e
        reader = csv.reader(io.StringIO(text, newline=""))
        rows: list[tuple[int, list[str]]] = []
        header: list[str] | None = None
        try:
            for n, cells in enumerate(reader, start=1):
                if header is None:
                    header = [h.strip().lower() for h in cells]
                    continue
                if not any(c.strip() for c in cells):
                    continue
                if len(rows) >= MAX_CSV_ROWS:
                    raise IMPORT_TOO_MANY_ROWS({"max_csv_rows": MAX_CSV_ROWS}, field="file")
                rows.append((n, cells))
        except csv.Error as e:
            raise IMPORT_NOT_CSV({"line_num": reader.line_num, "e": e}, field="file") from e
        if not header or not any(header):
            raise IMPORT_EMPTY({"columns": ",".join(CSV_COLUMNS)}, field="file")
        unknown = [h for h in header if h not in CSV_COLUMNS]
        if unknown:
            raise IMPORT_UNKNOWN_COLUMNS({"unknown": ', '.join(map(repr, unknown)), "columns": ",".join(CSV_COLUMNS)},
                                         field="file")
        dupes = sorted({h for h in header if header.count(h) > 1})
        if dupes:
            raise IMPORT_DUPLICATE_COLUMNS({"dupes": ', '.join(dupes)}, field="file")
        if "name" not in header:
            raise IMPORT_NAME_COLUMN(field="file")
        if not rows:
            raise IMPORT_NO_ROWS(field="file")
        return header, rows

    @staticmethod
    def _parse_row(header: list[str], cells: list[str]) -> tuple[dict[str, Any], list[str]]:
        problems: list[str] = []
        if len(cells) != len(header):
            return {}, [f"{len(cells)} cells; the header has {len(header)} columns"]
        raw = {h: _uncell(c) for h, c in zip(header, cells, strict=True)}
        out: dict[str, Any] = {}

        def attempt(key: str, fn: Callable[[str], Any]) -> None:
            if key in raw:
                try:
                    out[key] = fn(raw[key])
                except InvalidInput as e:
                    problems.append(e.message)

        def parse_id(v: str) -> int | None:
            v = v.strip()
            if not v:
                return None
            need(v.isdigit() and 0 < int(v) < 2**31, IMPORT_BAD_ID, "id", v=v)
            return int(v)

        def parse_vip(v: str) -> bool:
            v = v.strip().lower()
            need(v in _TRUE | _FALSE, IMPORT_BAD_VIP, "vip", v=v)
            return v in _TRUE

        def parse_created(v: str) -> datetime | None:
            v = v.strip()
            if not v:
                return None
            try:
                dt = datetime.fromisoformat(v.replace("Z", "+00:00"))
            except ValueError:
                raise IMPORT_BAD_CREATED_AT({"v": v}, field="created_at") from None
            return utc("created_at", dt)

        attempt("id", parse_id)
        attempt("name", lambda v: check_text("name", v, 200, required=True))
        attempt("company", lambda v: check_text("company", v, 200))
        attempt("address", lambda v: check_text("address", v, 500))
        attempt("vip", parse_vip)
        attempt("tags", lambda v: check_tags([t for t in v.split(";") if t.strip()]))
        attempt("numbers", lambda v: check_numbers([t for t in v.split(";") if t.strip()]))
        attempt("notes", lambda v: check_text("notes", v, MAX_TEXT, strip=False))
        attempt("created_at", parse_created)
        return out, problems

    async def import_csv(self, actor: Actor, data: bytes, filename: str = "") -> ImportResult:
        """Admins only. Columns as exported (any subset with 'name'); a row with an id updates that customer
        (only the columns present; 'numbers' replaces its numbers), a row without creates one. Every row is
        checked first: if any has a problem, nothing is stored and every problem row is listed."""
        require(actor, ADMIN, "importing customers")
        header, rows = self._read_csv(data)
        parsed: list[tuple[int, dict[str, Any]]] = []
        problems: dict[int, list[str]] = {}
        for n, cells in rows:
            values, bad = self._parse_row(header, cells)
            parsed.append((n, values))
            if bad:
                problems[n] = bad

        def problem(row: int, text: str) -> None:
            problems.setdefault(row, []).append(text)

        ids = {v["id"] for _, v in parsed if v.get("id") is not None}
        existing = await self.repo.existing_ids(ids)
        seen_ids: dict[int, int] = {}
        for n, v in parsed:
            cid = v.get("id")
            if cid is None:
                continue
            if cid not in existing:
                problem(n, f"no customer with id {cid} (leave id empty to create a new customer)")
            elif cid in seen_ids:
                problem(n, f"id {cid} is also on row {seen_ids[cid]}")
            else:
                seen_ids[cid] = n
        replaced = {v["id"] for _, v in parsed if v.get("id") in existing and "numbers" in v}
        owners = await self.repo.owners(num for _, v in parsed for num in v.get("numbers", []))
        claims: dict[str, list[tuple[int, int | None]]] = {}  # number → [(row, customer id of the row)]
        for n, v in parsed:
            for num in v.get("numbers", []):
                claims.setdefault(num, []).append((n, v.get("id")))
        for num, rows_ in claims.items():
            owner = owners.get(num)
            if owner is not None and (owner not in replaced or any(cid == owner for _, cid in rows_)):
                # the number stays its owner's: every other row claiming it conflicts
                for n, cid in rows_:
                    if cid != owner:
                        problem(n, f"conflict: number {num} belongs to customer {owner}")
            else:
                for n, _ in rows_[1:]:
                    problem(n, f"conflict: number {num} is also on row {rows_[0][0]}")
        if problems:
            listed = [{"row": n, "problems": problems[n]} for n in sorted(problems)][:MAX_LISTED_ROWS]
            summary = "; ".join(f"row {n}: {', '.join(problems[n])}" for n in sorted(problems)[:5])
            raise IMPORT_ROWS_BAD({"n_problems": len(problems), "summary": summary,
                                  "more": " …" if len(problems) > 5 else ""}, field="file", rows=listed,
                                  bad_rows=len(problems))
        now = self.clock.now()
        creates: list[tuple[dict[str, Any], list[str]]] = []
        updates: list[tuple[int, dict[str, Any], list[str] | None]] = []
        for _, v in parsed:
            fields: dict[str, Any] = {k: v[k] for k in ("name", "company", "address", "vip", "tags", "notes")
                                      if k in v}
            if v.get("id") is not None:
                updates.append((v["id"], {**fields, "updated_at": now}, v.get("numbers")))
            else:
                creates.append(({**fields, "created_at": v.get("created_at") or now, "updated_at": None},
                                v.get("numbers", [])))
        await self.repo.bulk_write(creates, updates)
        await self.audit(actor.username, "customer.import", "customers",
                         {"filename": filename, "created": len(creates), "updated": len(updates)})
        return ImportResult(len(creates), len(updates))
