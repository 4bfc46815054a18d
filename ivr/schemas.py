"""The IVR admin's response models for prompts (``ivr.prompts.list_custom`` / ``import_prompt``)."""

from __future__ import annotations

from pydantic import BaseModel


class PromptOut(BaseModel):
    """An uploaded prompt, as Asterisk plays it (wav)."""

    name: str
    language: str
    bytes: int


class PromptUploadOut(BaseModel):
    name: str
    language: str
    seconds: float  # the converted audio's length
    original: str  # the uploaded file as kept (name.ext)
