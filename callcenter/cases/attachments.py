"""A case's files (the investigation report's documents, photos, letters): size and type limits, names cleaned,
stored under ``<data_dir>/cases/<case id>/<file id>`` readable by the service alone (:mod:`callcenter.files`).

The stored name on disk is the file's id, never the uploaded name; the cleaned name is kept only to be shown and
offered back on download (as an attachment, with ``nosniff``), so an uploaded name can neither leave the folder
nor be run by a browser.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from pathlib import Path

from callcenter.auth.actor import Actor
from callcenter.cases.errors import (
    FILE_EMPTY,
    FILE_NAME,
    FILE_NOT_FOUND,
    FILE_TOO_LARGE,
    FILE_TYPE,
    MAY_NOT,
    TOO_MANY_FILES,
)
from callcenter.cases.models import CaseFile
from callcenter.cases.service import CaseService, target
from callcenter.files import store_upload

_UNSAFE = re.compile(r"[^\w.\- ()\[\]]+")
_SPACES = re.compile(r"\s+")
MAX_NAME = 128


def clean_name(raw: str) -> str:
    """The uploaded name made harmless: its last path part only, Unicode NFC, no control or shell characters
    (letters of any script, digits, ``. - _ ( ) [ ]`` and single spaces stay), no leading dots, at most 128
    characters with the extension kept. Empty when nothing usable is left."""
    name = raw.replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFC", name)
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = _SPACES.sub(" ", _UNSAFE.sub("_", name)).strip(" ._")
    if len(name) > MAX_NAME:
        stem, dot, ext = name.rpartition(".")
        if dot and 0 < len(ext) <= 10:
            name = stem[:MAX_NAME - len(ext) - 1] + "." + ext
        else:
            name = name[:MAX_NAME]
    return name


def extension(name: str) -> str:
    _, dot, ext = name.rpartition(".")
    return ext.lower() if dot else ""


class CaseFiles:
    def __init__(self, service: CaseService, root: Path) -> None:
        self.service = service
        self.root = root

    def path(self, f: CaseFile) -> Path:
        return self.root / str(f.case_id) / str(f.id)

    async def add(self, actor: Actor, number: str, filename: str, data: bytes) -> CaseFile:
        svc, policy = self.service, self.service.policy
        c, rel = await svc.seen(actor, number)
        if not svc.access.may(rel, "add_file"):
            raise MAY_NOT(action="add_file", number=number)
        if len(data) > policy.file_max_bytes:
            raise FILE_TOO_LARGE(size=len(data), limit=policy.file_max_bytes)
        if not data:
            raise FILE_EMPTY()
        name = clean_name(filename)
        if not name:
            raise FILE_NAME(name=filename[:200])
        ext = extension(name)
        if ext not in policy.file_types:
            raise FILE_TYPE(type=ext or "(none)", types=", ".join(policy.file_types))
        if await svc.repo.file_count(c.id) >= policy.files_per_case:
            raise TOO_MANY_FILES(number=number, limit=policy.files_per_case)
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        f = await store_upload(self.root / str(c.id), data, lambda: svc.repo.add_file(
            c.id, name, content_type[:64], len(data), actor.username, svc.clock.now()), self.path)
        await svc.audit(actor.username, "case.file_add", target(number), {"file_id": f.id, "name": name,
                                                                          "size": len(data)})
        return f

    async def open(self, actor: Actor, number: str, file_id: int) -> tuple[CaseFile, Path]:
        svc = self.service
        c, _ = await svc.seen(actor, number)
        f = await svc.repo.file(c.id, file_id)
        if f is None or not self.path(f).is_file():
            raise FILE_NOT_FOUND(number=number, file_id=file_id)
        await svc.audit(actor.username, "case.file_read", target(number), {"file_id": file_id})
        return f, self.path(f)
