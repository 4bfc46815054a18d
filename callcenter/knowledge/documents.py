"""The source documents (the original notice files an entry's wording comes from): size and type limits
(``settings.knowledge``), the name cleaned as a case's files' are (:func:`callcenter.cases.attachments.clean_name`),
the bytes stored unchanged under ``<data_dir>/knowledge/<document id>`` readable by the service alone, with their
SHA-256. They are offered back only as attachments with ``nosniff`` (``api.py``), never shown inline, and the types
a browser would render as a page are refused (``config.NEVER_TYPES``)."""

from __future__ import annotations

import hashlib
import mimetypes
from pathlib import Path

from callcenter.auth.actor import Actor
from callcenter.cases.attachments import clean_name, extension
from callcenter.files import store_upload
from callcenter.knowledge.errors import (
    DOCUMENT_EMPTY,
    DOCUMENT_NAME,
    DOCUMENT_NOT_FOUND,
    DOCUMENT_TOO_LARGE,
    DOCUMENT_TYPE,
)
from callcenter.knowledge.models import KnowledgeDocument
from callcenter.knowledge.service import Knowledge, require


class KnowledgeDocuments:
    def __init__(self, service: Knowledge, root: Path) -> None:
        self.service = service
        self.root = root

    def path(self, d: KnowledgeDocument) -> Path:
        return self.root / str(d.id)

    async def add(self, actor: Actor, filename: str, data: bytes) -> KnowledgeDocument:
        svc, s = self.service, self.service.settings
        require(actor, set(s.editor_roles), "uploading a source document")
        if len(data) > s.document_max_bytes:
            raise DOCUMENT_TOO_LARGE(size=len(data), limit=s.document_max_bytes)
        if not data:
            raise DOCUMENT_EMPTY()
        name = clean_name(filename)
        if not name:
            raise DOCUMENT_NAME(name=filename[:200])
        ext = extension(name)
        if ext not in s.document_types:
            raise DOCUMENT_TYPE(type=ext or "-", types=", ".join(s.document_types))
        digest = hashlib.sha256(data).hexdigest()
        content_type = mimetypes.guess_type(name)[0] or "application/octet-stream"
        d = await store_upload(self.root, data, lambda: svc.repo.add_document({
            "name": name, "content_type": content_type[:100], "size": len(data), "sha256": digest,
            "uploaded_by": actor.username, "uploaded_at": svc.clock.now()}), self.path)
        await svc.audit(actor.username, "knowledge.document_upload", f"knowledge_document:{d.id}",
                        {"name": name, "size": len(data), "sha256": digest})
        return d

    async def get(self, actor: Actor, document_id: int) -> KnowledgeDocument:
        """The document's record, if ``actor`` may read it: editors any; others one of an entry they can find."""
        svc = self.service
        d = await svc.repo.document(document_id)
        if d is None or not (svc.editor(actor) or await svc.repo.document_visible(document_id,
                                                                                  svc.visibility(actor))):
            raise DOCUMENT_NOT_FOUND(document_id=document_id)
        return d

    async def open(self, actor: Actor, document_id: int) -> tuple[KnowledgeDocument, Path]:
        d = await self.get(actor, document_id)
        if not self.path(d).is_file():
            raise DOCUMENT_NOT_FOUND(document_id=document_id)
        await self.service.audit(actor.username, "knowledge.document_read", f"knowledge_document:{d.id}", None)
        return d, self.path(d)
