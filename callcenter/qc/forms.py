"""QC forms: checking a template's criteria, scoring a filled form, the 100-point grade bands."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal
from typing import Any, TypeGuard

from callcenter.qc.errors import (
    BAD_CRITERION_KEY,
    COMMENTS_NOT_OBJECT,
    COMMENTS_UNKNOWN,
    CRITERIA_EMPTY,
    CRITERION_KEY_TWICE,
    CRITERION_NOT_OBJECT,
    CRITERION_NOT_SCORED,
    CRITERION_SCALE_NUMBERS,
    CRITERION_SCALE_ORDER,
    CRITERION_TEXT_LENGTH,
    CRITERION_WEIGHT,
    SCORE_OUT_OF_SCALE,
    SCORES_NOT_OBJECT,
    SCORES_UNKNOWN,
    TOO_MANY_CRITERIA,
    WEIGHTS_NOT_100,
)

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
        raise CRITERIA_EMPTY(field="criteria")
    if len(criteria) > MAX_CRITERIA:
        raise TOO_MANY_CRITERIA({"max_criteria": MAX_CRITERIA}, field="criteria")
    out: list[dict[str, Any]] = []
    seen: set[str] = set()
    for i, c in enumerate(criteria):
        where = f"criteria.{i}"
        if not isinstance(c, dict):
            raise CRITERION_NOT_OBJECT(field=where)
        key = c.get("key")
        if not isinstance(key, str) or not _KEY.match(key):
            raise BAD_CRITERION_KEY({"where": where}, field=f"{where}.key")
        if key in seen:
            raise CRITERION_KEY_TWICE(field=f"{where}.key", key=key)
        seen.add(key)
        for label in ("label_en", "label_zh"):
            v = c.get(label)
            if not isinstance(v, str) or not v.strip() or len(v) > 200:
                raise CRITERION_TEXT_LENGTH({"where": where, "label": label, "key": key}, field=f"{where}.{label}")
        weight, lo, hi = c.get("weight"), c.get("scale_min"), c.get("scale_max")
        if not _number(weight) or weight <= 0:
            raise CRITERION_WEIGHT({"where": where, "key": key}, field=f"{where}.weight")
        if not _number(lo) or not _number(hi):
            raise CRITERION_SCALE_NUMBERS({"key": key}, field=where)
        if lo >= hi:
            raise CRITERION_SCALE_ORDER({"where": where, "lo": lo, "hi": hi, "key": key}, field=f"{where}.scale_min")
        out.append({"key": key, "label_en": c["label_en"].strip(), "label_zh": c["label_zh"].strip(),
                    "weight": weight, "scale_min": lo, "scale_max": hi})
    total = sum(c["weight"] for c in out)
    if not math.isclose(total, 100, abs_tol=1e-9):
        raise WEIGHTS_NOT_100(field="criteria", sum=total)
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
        raise SCORES_NOT_OBJECT(field="scores")
    keys = [c["key"] for c in criteria]
    unknown = sorted(set(scores) - set(keys))
    if unknown:
        raise SCORES_UNKNOWN({"unknown_text": ', '.join(unknown)}, field="scores", unknown=unknown)
    if comments is not None:
        if not isinstance(comments, dict):
            raise COMMENTS_NOT_OBJECT(field="comments")
        bad = sorted(set(comments) - set(keys))
        if bad:
            raise COMMENTS_UNKNOWN({"bad": ', '.join(bad)}, field="comments", unknown=bad)
    points: dict[str, float] = {}
    exact = 0.0
    for c in criteria:
        key = c["key"]
        if key not in scores:
            raise CRITERION_NOT_SCORED(field=f"scores.{key}", criterion=key)
        v = scores[key]
        lo, hi = c["scale_min"], c["scale_max"]
        if not _number(v) or not lo <= v <= hi:
            raise SCORE_OUT_OF_SCALE({"v": v}, field=f"scores.{key}", criterion=key, scale_min=lo, scale_max=hi)
        p = c["weight"] * (v - lo) / (hi - lo)
        exact += p
        points[key] = round(p, 2)
    return Scored(points, total_of(exact), grade_of(exact))


def below_par(criterion: dict[str, Any], points: float) -> bool:
    return bool(points < BELOW_PAR * criterion["weight"])
