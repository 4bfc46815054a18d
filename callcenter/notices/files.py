"""A notice's file (the circular as issued): size and type limits (``settings.notices``), the name cleaned as a
case's files' are (:func:`callcenter.cases.attachments.clean_name`), the bytes stored unchanged under
``<data_dir>/notices/<file id>`` readable by the service alone (:mod:`callcenter.files`), with their SHA-256. Offered
back only as an attachment with ``nosniff`` (``api.py``), never inline; types a browser would render are refused
(``callcenter.knowledge.config.NEVER_TYPES``, also refused in the settings)."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from callcenter.auth.actor import Actor
from callcenter.cases.attachments import clean_name, extension
from callcenter.files import store_upload
from callcenter.knowledge.config import NEVER_TYPES
from callcenter.notices.errors import FILE_EMPTY, FILE_NAME, FILE_NOT_FOUND, FILE_TOO_LARGE, FILE_TYPE
from callcenter.notices.models import NoticeFile
from callcenter.notices.service import Notices


class NoticeFiles:
    def __init__(self, service: Notices, root: Path) -> None:
        self.service = service
        self.root = root

    def path(self, f: NoticeFile) -> Path:
        return self.root / str(f.id)

    async def add(self, actor: Actor, filename: str, data: bytes) -> NoticeFile:
        svc, s = self.service, self.service.settings
        await svc.require(actor, "uploading a notice file")
        if len(data) > s.file_max_bytes:
            raise FILE_TOO_LARGE(size=len(data), limit=s.file_max_bytes)
        if not data:
            raise FILE_EMPTY()
        name = clean_name(filename)
        if not name:
            raise FILE_NAME(name=filename[:200])
        ext = extension(name)
        if ext not in s.file_types or ext in NEVER_TYPES:
            raise FILE_TYPE(type=ext or "-", types=", ".join(s.file_types))
        digest = hashlib.sha256(data).hexdigest()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        f = await store_upload(self.root, data, lambda: svc.repo.add_file({
            "name": name, "content_type": content_type[:100], "size": len(data), "sha256": digest,
            "uploaded_by": actor.username, "uploaded_at": svc.clock.now()}), self.path)
        await svc.audit(actor.username, "notices.file_upload", f"notice_file:{f.id}",
                        {"name": name, "size": len(data), "sha256": digest})
        return f

    async def open(self, actor: Actor, notice_id: int) -> tuple[NoticeFile, Path]:
        """The notice's file, for its publishers and the agents it was addressed to."""
        f = await self.service.file_of(actor, notice_id)
        if not self.path(f).is_file():
            raise FILE_NOT_FOUND(notice_id=notice_id)
        return f, self.path(f)
