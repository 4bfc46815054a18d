"""Field types shared by the domains' response models (issue 13, typed edges).

``AsIsDateTime``: routes that returned plain dicts let FastAPI's encoder write a datetime with
``datetime.isoformat()`` (``2026-11-24T09:00:00+00:00``), while a pydantic ``datetime`` field writes
``...T09:00:00Z``. Both are ISO 8601, but a response model must not change what a route sends, so the fields
that carried a datetime object in a dict keep the isoformat text."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi.encoders import jsonable_encoder
from pydantic import PlainSerializer

AsIsDateTime = Annotated[datetime, PlainSerializer(lambda d: d.isoformat(), return_type=str, when_used="json")]

# A free-form part of an answer (an alert's detail, whose keys depend on its kind and on who raised it): written
# exactly as FastAPI's encoder wrote it when the route returned a plain dict (datetimes in isoformat text).
AsIsJsonObject = Annotated[dict[str, Any], PlainSerializer(jsonable_encoder, return_type=dict[str, Any],
                                                           when_used="json")]


def file_content(*media_types: str) -> dict[str, Any]:
    """The OpenAPI ``content`` of an answer that is a file (audio), for ``responses={200: {"content": ...}}``."""
    return {m: {"schema": {"type": "string", "format": "binary"}} for m in media_types}


CSV_CONTENT: dict[str, Any] = {"text/csv": {"schema": {"type": "string"}}}
