"""The checks of what users type into a customer or service record, shared by the forms and the CSV import: each
returns the cleaned value or raises a refusal naming the field."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from callcenter.customers.errors import (
    NOT_BOOL,
    NOT_DATETIME,
    NUMBER_BAD_CHARACTERS,
    NUMBER_NEEDS_3_DIGITS,
    NUMBER_TOO_MANY_DIGITS,
    NUMBERS_NOT_LIST,
    PHONE_BAD_CHARACTERS,
    PHONE_NOT_TEXT,
    PHONE_TOO_FEW_DIGITS,
    PHONE_TOO_MANY_DIGITS,
    TAG_BAD_CHARACTERS,
    TAG_EMPTY,
    TAG_NOT_TEXT,
    TAG_TOO_LONG,
    TAGS_NOT_LIST,
    TEXT_EMPTY,
    TEXT_NOT_TEXT,
    TEXT_TOO_LONG,
    TOO_MANY_NUMBERS,
    TOO_MANY_TAGS,
)
from callcenter.customers.repository import normalise_number
from callcenter.errors import Refusal

MAX_TEXT = 10_000
MAX_TAGS = 20
MAX_TAG_LEN = 50
MAX_NUMBERS = 20

_NUMBER_CHARS = re.compile(r"[\d\s+\-().]+")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def need(cond: bool, refusal: Refusal, field: str, **values: Any) -> None:
    """Unless ``cond``: raise ``refusal`` naming ``field`` in the details (its message names the field too)."""
    if not cond:
        raise refusal(values, field=field)


def check_text(field: str, value: Any, max_len: int, *, required: bool = False, strip: bool = True) -> str:
    need(isinstance(value, str), TEXT_NOT_TEXT, field)
    text = value.strip() if strip else value
    need(not required or bool(text.strip()), TEXT_EMPTY, field)
    need(len(text) <= max_len, TEXT_TOO_LONG, field, n_text=len(text), max_len=max_len)
    return str(text)


def check_bool(field: str, value: Any) -> bool:
    need(isinstance(value, bool), NOT_BOOL, field)
    return bool(value)


def check_tags(value: Any) -> list[str]:
    need(isinstance(value, list | tuple), TAGS_NOT_LIST, "tags")
    out: list[str] = []
    for t in value:
        need(isinstance(t, str), TAG_NOT_TEXT, "tags", t=t)
        t = t.strip()
        need(bool(t), TAG_EMPTY, "tags")
        need(len(t) <= MAX_TAG_LEN, TAG_TOO_LONG, "tags", t=t[:20], max_tag_len=MAX_TAG_LEN)
        need(";" not in t and not _CONTROL.search(t), TAG_BAD_CHARACTERS, "tags", t=t)
        if t not in out:
            out.append(t)
    need(len(out) <= MAX_TAGS, TOO_MANY_TAGS, "tags", n_out=len(out), max_tags=MAX_TAGS)
    return out


def check_number(raw: Any, field: str = "numbers") -> str:
    need(isinstance(raw, str), PHONE_NOT_TEXT, field, raw=raw)
    need(bool(_NUMBER_CHARS.fullmatch(raw.strip())), PHONE_BAD_CHARACTERS, field, raw=raw)
    n = normalise_number(raw)
    need(n is not None, PHONE_TOO_FEW_DIGITS, field, raw=raw)
    assert n is not None
    need(len(n) <= 32, PHONE_TOO_MANY_DIGITS, field, raw=raw)
    return n


def check_numbers(value: Any) -> list[str]:
    need(isinstance(value, list | tuple), NUMBERS_NOT_LIST, "numbers")
    out = list(dict.fromkeys(check_number(n) for n in value))
    need(len(out) <= MAX_NUMBERS, TOO_MANY_NUMBERS, "numbers", n_out=len(out), max_numbers=MAX_NUMBERS)
    return out


def number_prefix(raw: str) -> str:
    """The start of a normalised number, from what a user typed in the search box ('+86 138', '0755', '138')."""
    s = raw.strip()
    need(bool(_NUMBER_CHARS.fullmatch(s)), NUMBER_BAD_CHARACTERS, "number", raw=raw)
    digits = "".join(ch for ch in s if ch.isdigit())
    if s.startswith("+86"):
        digits = digits[2:]
    elif digits.startswith("0086"):
        digits = digits[4:]
    else:
        digits = normalise_number(digits) or digits
    digits = digits.lstrip("0")
    need(len(digits) >= 3, NUMBER_NEEDS_3_DIGITS, "number", raw=raw)
    need(len(digits) <= 32, NUMBER_TOO_MANY_DIGITS, "number", raw=raw)
    return digits


def utc(field: str, value: Any) -> datetime | None:
    if value is None:
        return None
    need(isinstance(value, datetime), NOT_DATETIME, field)
    at: datetime = value
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)  # bare = UTC


def iso(dt: datetime | None) -> str:
    if dt is None:
        return ""
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z")
