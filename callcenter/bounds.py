"""Bounded input types for the HTTP edge, one set used by every router.

A value the API accepts must be one the services and the database can work with: an id that fits the 32-bit
INTEGER id columns (PostgreSQL raises on a larger bound parameter, which used to surface as a 500), a day or a
moment whose year leaves room for time-zone conversion and "+1 day" arithmetic (``date(9999, 12, 31) +
timedelta(days=1)`` raises OverflowError), an offset the database can skip, a month "YYYY-MM" with a real year.
Anything outside is refused by FastAPI's validation as a 400 naming the field (see :mod:`callcenter.errors`).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import Path, Query
from pydantic import AfterValidator, StringConstraints

# ids are INTEGER (32-bit signed) columns on both databases
MAX_ID = 2_147_483_647
# an offset past every row there could be is refused instead of handed to the database (OFFSET is a 64-bit
# integer on PostgreSQL; a larger one fails the query)
MAX_OFFSET = 2_147_483_647
# years the centre's records can have; wide enough for any real date, narrow enough that converting between time
# zones or adding the days of a month never leaves datetime's range (years 1..9999)
MIN_YEAR, MAX_YEAR = 1900, 2999
FIRST_DAY, LAST_DAY = date(MIN_YEAR, 1, 1), date(MAX_YEAR, 12, 31)
# YYYY-MM with a year in MIN_YEAR..MAX_YEAR and a month 01..12
MONTH = r"^(19\d\d|2\d\d\d)-(0[1-9]|1[0-2])$"
assert MIN_YEAR == 1900 and MAX_YEAR == 2999  # MONTH spells these years out


def check_day(v: date) -> date:
    """A calendar day within :data:`FIRST_DAY` .. :data:`LAST_DAY`."""
    if not FIRST_DAY <= v <= LAST_DAY:
        raise ValueError(f"must be a day between {FIRST_DAY.isoformat()} and {LAST_DAY.isoformat()}")
    return v


def check_moment(v: datetime) -> datetime:
    """A date-time whose (local) year is within :data:`MIN_YEAR` .. :data:`MAX_YEAR`."""
    if not MIN_YEAR <= v.year <= MAX_YEAR:
        raise ValueError(f"must be a date-time in the years {MIN_YEAR} to {MAX_YEAR}")
    return v


Day = Annotated[date, AfterValidator(check_day)]
Moment = Annotated[datetime, AfterValidator(check_moment)]
Month = Annotated[str, StringConstraints(pattern=MONTH)]
# path parameters
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
# query parameters
QueryId = Annotated[int, Query(ge=1, le=MAX_ID)]
Offset = Annotated[int, Query(ge=0, le=MAX_OFFSET)]
