"""QC forms: checking a template's criteria, scoring a filled form, the 100-point grade bands."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypeGuard

from callcenter.errors import InvalidInput

# The centre's regulations: 95-100 excellent, 90-94 good, 80-89 competent, 60-79 basically competent, <60 not.
# The bands are on whole points; a fractional total reaches a band only when it is at least the band's lower bound
# (94.95 is good, 59.95 not competent): see grade_of and total_of.
GRADES: tuple[tuple[float, str], ...] = ((95, "excellent"), (90, "good"), (80, "competent"), (60, "basic"))
NOT_COMPETENT = "not_competent"
BELOW_PAR = 0.8  # a criterion scored below 80 % of its weight is "below par" (weekly training report)
MAX_CRITERIA = 30
_KEY = re.compile(r"^[a-z][a-z0-9_]{0,39}$")

DEFAULT_TEMPLATE_NAME = "service-quality"
SERVICE_LANGUAGE_EN = "Service language (greeting, response, farewell)"
SERVICE_LANGUAGE_ZH = "服务用语（问声、应声、送声）"
# The seeds' five criteria (the comprehensive service-quality assessment form), 20 points each, scored 0..10.
DEFAULT_CRITERIA: list[dict[str, Any]] = [
    # the "three greetings" (三声) of the seeds: 问声 (greeting on answering), 应声 (response), 送声 (farewell)
    {"key": "service_language", "label_en": SERVICE_LANGUAGE_EN, "label_zh": SERVICE_LANGUAGE_ZH,
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "attitude", "label_en": "Service attitude", "label_zh": "服务态度",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "tone", "label_en": "Tone of voice", "label_zh": "语气语调",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "summarising", "label_en": "Summarising the customer's need", "label_zh": "归纳客户需求的能力",
     "weight": 20, "scale_min": 0, "scale_max": 10},
    {"key": "unexpected", "label_en": "Handling the unexpected", "label_zh": "处理突发问题的能力",
     "weight": 20, "scale_min": 0, "scale_max": 10},
]


def grade_of(total: float) -> str:
    """The band of a total: reached only when the total is at least the band's lower bound (94.95 → good,
    59.95 → not competent, 95 → excellent). Float noise below a millionth of a point is ignored (a total that
    is 60 in exact arithmetic but 59.99999999 in floating point is 60)."""
    t = round(total, 6)
    for floor, name in GRADES:
        if t >= floor:
            return name
    return NOT_COMPETENT


def total_of(exact: float) -> float:
    """The total shown and stored: ``exact`` cut (not rounded) to one decimal, so that the figure never reaches a
    band the points did not (94.95 is shown 94.9, graded good; rounding would show 95.0 next to "good")."""
    return float(Decimal(repr(round(exact, 6))).quantize(Decimal("0.1"), rounding=ROUND_FLOOR))


def _number(v: object) -> TypeGuard[int | float]:
    return isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)


def validate_criteria(criteria: Any) -> list[dict[str, Any]]:
    """The criteria as stored (only the known fields), or InvalidInput naming what is wrong."""
    if not isinstance(criteria, list) or not criteria:
        raise InvalidInput("criteria must be a non-empty list", field="criteria")
    if len(criteria) > MAX_CRITERIA:
        raise InvalidInput(f"at most {MAX_CRITERIA} criteria", field="criteria")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        where = f"criteria.{i}"
        if not isinstance(c, dict):
            raise InvalidInput(f"{where} must be an object", field=where)
        key = c.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise InvalidInput(f"{where}.key must be 1-40 lower-case letters, digits or '_' (starting with a letter)",
                               field=f"{where}.key")
        if key in seen:
            raise InvalidInput(f"criterion key {key!r} is used twice", field=f"{where}.key", key=key)
        seen.add(key)
        for label in ("label_en", "label_zh"):
            v = c.get(label)
            if not isinstance(v, str) or not v.strip() or len(v) > 200:
                raise InvalidInput(f"{where}.{label} of {key!r} must be 1-200 characters", field=f"{where}.{label}")
        weight, lo, hi = c.get("weight"), c.get("scale_min"), c.get("scale_max")
        if not _number(weight) or weight <= 0:
            raise InvalidInput(f"{where}.weight of {key!r} must be a positive number of points",
                               field=f"{where}.weight")
        if not _number(lo) or not _number(hi):
            raise InvalidInput(f"{where}.scale_min and scale_max of {key!r} must be numbers", field=where)
        if lo >= hi:
            raise InvalidInput(f"{where}: scale_min ({lo}) must be below scale_max ({hi}) for {key!r}",
                               field=f"{where}.scale_min")
        out.append({"key": key, "label_en": c["label_en"].strip(), "label_zh": c["label_zh"].strip(),
                    "weight": weight, "scale_min": lo, "scale_max": hi})
    total = sum(c["weight"] for c in out)
    if not math.isclose(total, 100, abs_tol=1e-9):
        raise InvalidInput(f"the criteria weights must sum to 100 points; they sum to {total:g}", field="criteria",
                           sum=total)
    return out


@dataclass(frozen=True)
class Scored:
    points: dict[str, float]  # key → points earned (2 decimals)
    total: float  # cut to 1 decimal (total_of)
    grade: str  # of the exact sum (grade_of)


def score(criteria: list[dict[str, Any]], scores: Any, comments: Any = None) -> Scored:
    """Points per criterion = weight * (value - scale_min) / (scale_max - scale_min); every criterion must be
    scored inside its scale; comments only for the form's criteria."""
    if not isinstance(scores, dict):
        raise InvalidInput("scores must be an object {criterion key: number}", field="scores")
    keys = [c["key"] for c in criteria]
    unknown = sorted(set(scores) - set(keys))
    if unknown:
        raise InvalidInput(f"scores has criteria not on this form: {', '.join(unknown)}", field="scores",
                           unknown=unknown)
    if comments is not None:
        if not isinstance(comments, dict):
            raise InvalidInput("comments must be an object {criterion key: text}", field="comments")
        bad = sorted(set(comments) - set(keys))
        if bad:
            raise InvalidInput(f"comments has criteria not on this form: {', '.join(bad)}", field="comments",
                               unknown=bad)
    points: dict[str, float] = {}
    exact = 0.0
    for c in criteria:
        key = c["key"]
        if key not in scores:
            raise InvalidInput(f"criterion {key!r} is not scored", field=f"scores.{key}", criterion=key)
        v = scores[key]
        lo, hi = c["scale_min"], c["scale_max"]
        if not _number(v) or not lo <= v <= hi:
            raise InvalidInput(f"score of {key!r} must be a number from {lo:g} to {hi:g}; got {v!r}",
                               field=f"scores.{key}", criterion=key, scale_min=lo, scale_max=hi)
        p = c["weight"] * (v - lo) / (hi - lo)
        exact += p
        points[key] = round(p, 2)
    return Scored(points, total_of(exact), grade_of(exact))


def below_par(criterion: dict[str, Any], points: float) -> bool:
    return bool(points < BELOW_PAR * criterion["weight"])
