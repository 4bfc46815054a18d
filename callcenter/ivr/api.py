"""REST API for IVR administration under /api/ivr (admin role; voicemails also for supervisors).

Every change (publish, rollback, entry point, prompt upload/delete, voicemail handled) and every voicemail
playback is written to the audit log.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Request, UploadFile
from fastapi.responses import FileResponse
from pydantic import BaseModel, Field

from callcenter.auth.api import AuthDep, require_roles
from callcenter.auth.models import User
from callcenter.auth.service import AuthService
from callcenter.bounds import MAX_ID, Id
from callcenter.deps import SettingsDep, provide
from callcenter.ivr.errors import PROMPT_IN_USE, PROMPT_NOT_FOUND, VOICEMAIL_NO_AUDIO
from callcenter.ivr.flowdef import prompts as node_prompts
from callcenter.ivr.models import IvrFlow
from callcenter.ivr.prompts import MAX_UPLOAD_BYTES, PromptStore, check_name, delete_custom, import_prompt, list_custom
from callcenter.ivr.schemas import FlowOut, ProblemOut, PromptOut, PromptUploadOut, VersionOut, VoicemailOut
from callcenter.ivr.service import IvrService
from callcenter.ivr.validation import parse_flow
from callcenter.schema_types import file_content

Admin = Annotated[User, Depends(require_roles("admin"))]
VoicemailReader = Annotated[User, Depends(require_roles("admin", "supervisor"))]
router = APIRouter(prefix="/api/ivr", tags=["ivr"])


IvrDep = Annotated[IvrService, Depends(provide(IvrService))]
PromptsDep = Annotated[PromptStore, Depends(provide(PromptStore))]


async def _audit(auth: AuthService, user: User, action: str, target: str, detail: dict[str, Any] | None = None
                 ) -> None:
    await auth.audit(user.username, action, target, detail)


class FlowIn(BaseModel):
    name: str = Field(min_length=1, max_length=80)
    description: str = Field("", max_length=2000)
    draft: dict[str, Any]


class DraftIn(BaseModel):
    draft: dict[str, Any]


class PublishIn(BaseModel):
    note: str = Field("", max_length=2000)


class RollbackIn(BaseModel):
    version: int = Field(ge=1, le=MAX_ID)


class EntryPointIn(BaseModel):
    flow_id: int = Field(ge=1, le=MAX_ID)


async def _flow_out(svc: IvrService, flow: IvrFlow) -> FlowOut:
    versions = await svc.versions(flow.id)
    live = next((v.version for v in versions if v.id == flow.live_version_id), None)
    eps = [did for did, fid in (await svc.entry_points()).items() if fid == flow.id]
    return FlowOut(id=flow.id, name=flow.name, description=flow.description, draft=flow.draft,
                   draft_updated_at=flow.draft_updated_at, live_version_id=flow.live_version_id,
                   live_version=live, live_since=flow.live_since,
                   problems=[ProblemOut.model_validate(p.as_dict()) for p in svc.check(flow.draft)],
                   versions=[VersionOut.model_validate(v) for v in versions], entry_points=sorted(eps))


@router.get("/flows", response_model=list[FlowOut], summary="All IVR flows with their drafts' problems")
async def list_flows(svc: IvrDep, _: Admin) -> list[FlowOut]:
    return [await _flow_out(svc, f) for f in await svc.list_flows()]


@router.post("/flows", response_model=FlowOut, status_code=201, summary="Create a flow (as a draft)")
async def create_flow(body: FlowIn, auth: AuthDep, svc: IvrDep, user: Admin) -> FlowOut:
    flow = await svc.create_flow(body.name, body.draft, body.description)
    await _audit(auth, user, "ivr.flow.create", f"flow:{flow.id}", {"name": flow.name})
    return await _flow_out(svc, flow)


@router.get("/flows/{flow_id}", response_model=FlowOut, summary="One flow: draft, problems, versions")
async def get_flow(flow_id: Id, svc: IvrDep, _: Admin) -> FlowOut:
    return await _flow_out(svc, await svc.get_flow(flow_id))


@router.put("/flows/{flow_id}/draft", response_model=FlowOut, summary="Save the draft (not live until published)")
async def save_draft(flow_id: Id, body: DraftIn, auth: AuthDep, svc: IvrDep, user: Admin) -> FlowOut:
    flow = await svc.save_draft(flow_id, body.draft)
    await _audit(auth, user, "ivr.flow.save_draft", f"flow:{flow_id}")
    return await _flow_out(svc, flow)


@router.post("/flows/{flow_id}/publish", response_model=VersionOut, status_code=201,
             summary="Validate and publish the draft; 422 lists every problem with its node")
async def publish(flow_id: Id, body: PublishIn, auth: AuthDep, svc: IvrDep, user: Admin) -> VersionOut:
    v = await svc.publish(flow_id, by=user.username, note=body.note)
    await _audit(auth, user, "ivr.flow.publish", f"flow:{flow_id}", {"version": v.version})
    return VersionOut.model_validate(v)


@router.post("/flows/{flow_id}/rollback", response_model=VersionOut, summary="Make an earlier version live")
async def rollback(flow_id: Id, body: RollbackIn, auth: AuthDep, svc: IvrDep, user: Admin) -> VersionOut:
    v = await svc.rollback(flow_id, body.version, by=user.username)
    await _audit(auth, user, "ivr.flow.rollback", f"flow:{flow_id}", {"version": v.version})
    return VersionOut.model_validate(v)


@router.get("/entry-points", summary="Dialled number → flow id ('*' is the default)")
async def entry_points(svc: IvrDep, _: Admin) -> dict[str, int]:
    return await svc.entry_points()


@router.put("/entry-points/{did}", summary="Route a dialled number ('*' for the default) to a flow")
async def set_entry_point(did: str, body: EntryPointIn, auth: AuthDep, svc: IvrDep, user: Admin) -> dict[str, int]:
    await svc.set_entry_point(did, body.flow_id)
    await _audit(auth, user, "ivr.entry_point.set", f"did:{did}", {"flow_id": body.flow_id})
    return await svc.entry_points()


# ---- prompts ---------------------------------------------------------------------------------------------------

@router.get("/prompts", response_model=list[PromptOut], summary="Uploaded prompts, per language")
async def list_prompts(prompts: PromptsDep, _: Admin) -> list[dict[str, object]]:
    return list_custom(prompts)


@router.post("/prompts", status_code=201, response_model=PromptUploadOut,
             summary="Upload a prompt (wav/mp3/ogg/m4a, ≤ 20 MB, ≤ 10 min)")
async def upload_prompt(prompts: PromptsDep, auth: AuthDep, user: Admin, name: Annotated[str, Form()],
                        language: Annotated[str, Form()], file: Annotated[UploadFile, File()]) -> dict[str, object]:
    check_name(name, language)
    data = await file.read(MAX_UPLOAD_BYTES + 1)
    info = await asyncio.to_thread(import_prompt, prompts, name, language, file.filename or "", data)
    await _audit(auth, user, "ivr.prompt.upload", f"prompt:{language}/{name}", info)
    return info


async def _prompt_usage(svc: IvrService, name: str, lang: str) -> list[str]:
    where = []
    for flow in await svc.list_flows():
        docs = [("draft", flow.draft)]
        if flow.live_version_id is not None:
            docs.append(("live version", (await svc.version_doc(flow.live_version_id))))
        for label, doc in docs:
            parsed, _ = parse_flow(doc)
            if parsed is None:
                continue
            langs = {parsed.language} | {getattr(n, "language", parsed.language) for n in parsed.nodes.values()}
            if lang not in langs:
                continue
            for nid, node in parsed.nodes.items():
                if name in node_prompts(node):
                    where.append(f"flow {flow.name!r} ({label}), node {nid!r}")
    return where


@router.delete("/prompts/{language}/{name}", status_code=204, summary="Delete an uploaded prompt (not if in use)")
async def delete_prompt(language: str, name: str, prompts: PromptsDep, auth: AuthDep, svc: IvrDep,
                        user: Admin) -> None:
    check_name(name, language)
    used = await _prompt_usage(svc, name, language)
    if used:
        raise PROMPT_IN_USE({"name": name, "language": language, "used": '; '.join(used)}, used_by=used)
    delete_custom(prompts, name, language)
    await _audit(auth, user, "ivr.prompt.delete", f"prompt:{language}/{name}")


@router.get("/prompts/{language}/{name}/audio", summary="Preview a prompt (wav as Asterisk plays it)",
            response_class=FileResponse,
            responses={200: {"content": file_content("audio/wav"), "description": "the prompt (wav)"}})
async def prompt_audio(language: str, name: str, prompts: PromptsDep, _: Admin) -> FileResponse:
    check_name(name, language)
    path = prompts.custom_dir / language / f"{name}.wav"
    if not path.is_file():
        raise PROMPT_NOT_FOUND({"name": name, "language": language})
    return FileResponse(path, media_type="audio/wav")


# ---- voicemail -------------------------------------------------------------------------------------------------

@router.get("/voicemails", response_model=list[VoicemailOut], summary="Voice messages, newest first")
async def voicemails(svc: IvrDep, _: VoicemailReader, handled: bool | None = None) -> list[VoicemailOut]:
    return [VoicemailOut.model_validate(v) for v in await svc.voicemails(handled)]


@router.get("/voicemails/{vm_id}/audio", summary="Play a voice message (audited; Range supported)",
            response_class=FileResponse,
            responses={200: {"content": file_content("audio/wav"), "description": "the message (wav)"}})
async def voicemail_audio(vm_id: Id, request: Request, settings: SettingsDep, auth: AuthDep, svc: IvrDep,
                          user: VoicemailReader) -> FileResponse:
    vm = await svc.get_voicemail(vm_id)
    path = Path(vm.path)
    root = settings.data_dir / "voicemail"
    if not path.is_file() or not path.resolve().is_relative_to(root.resolve()):
        raise VOICEMAIL_NO_AUDIO(voicemail_id=vm_id)
    await _audit(auth, user, "voicemail.play", f"voicemail:{vm_id}",
                 {"range": request.headers.get("range")})
    return FileResponse(path, media_type="audio/wav")


@router.post("/voicemails/{vm_id}/handled", response_model=VoicemailOut, summary="Mark a voice message handled")
async def voicemail_handled(vm_id: Id, auth: AuthDep, svc: IvrDep, user: VoicemailReader) -> VoicemailOut:
    vm = await svc.mark_voicemail_handled(vm_id, user.username)
    await _audit(auth, user, "voicemail.handled", f"voicemail:{vm_id}")
    return VoicemailOut.model_validate(vm)
