"""IvrService on a real database: drafts, validated immutable versions, rollback, DID entry points, voicemails;
the first-run default flow and its generated prompts."""

from __future__ import annotations

import gc
import warnings
import wave
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any

import pytest

from callcenter.clock import FakeClock
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import InvalidInput, NotFound
from callcenter.ivr import seed
from callcenter.ivr.flowdef import FlowDef, prompts
from callcenter.ivr.service import IvrService, PublishRefused
from callcenter.ivr.validation import validate

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)
QUEUES = {"support", "sales"}
KNOWN_PROMPTS = {"hello", "hello-again", "bye"}  # present in every language
SEED_QUEUES = ["support", "consultation", "business", "complaints"]


def prompt_exists(name: str, lang: str) -> bool:
    return name in KNOWN_PROMPTS and lang in ("en", "zh")


def seed_prompt_exists(name: str, lang: str) -> bool:
    return name in seed.PROMPTS and lang in ("zh", "en")


def flow_doc(greeting: str = "hello", queue: str = "support") -> dict[str, Any]:
    return {"start": "greet", "language": "en", "nodes": {
        "greet": {"kind": "play", "prompt": greeting, "next": "q"},
        "q": {"kind": "queue", "queue": queue, "fallback": "bye"},
        "bye": {"kind": "hangup", "prompt": "bye"},
    }}


# three problems, each on its own node: a menu option to nowhere, an unknown queue, a missing prompt
BAD_DOC: dict[str, Any] = {"start": "main", "language": "en", "nodes": {
    "main": {"kind": "menu", "prompt": "hello", "invalid_prompt": "bye",
             "options": [{"digit": "1", "target": "sales"}, {"digit": "2", "target": "nowhere"}]},
    "sales": {"kind": "queue", "queue": "no_such_queue"},
    "outro": {"kind": "play", "prompt": "missing-prompt", "next": "sales"},
}}
# refused before the graph checks: the document itself does not parse
UNPARSABLE_DOC: dict[str, Any] = {"start": "main", "nodes": {
    "main": {"kind": "menu", "prompt": "hello", "options": [{"digit": "12", "target": "main"}]},
}}


class Harness:
    def __init__(self, url: str) -> None:
        self.engine = make_engine(url)
        self.sessions = make_sessionmaker(self.engine)
        self.clock = FakeClock(T0)
        self.svc = self.service(QUEUES)

    def service(self, queues: set[str]) -> IvrService:
        """A service of its own (own version cache) on the same database."""
        return IvrService(self.sessions, self.clock, queues=lambda: set(queues), prompt_exists=prompt_exists)

    async def published(self, name: str, doc: dict[str, Any]) -> tuple[int, int]:
        """(flow id, version id) of a new flow published once."""
        flow = await self.svc.create_flow(name, doc)
        v = await self.svc.publish(flow.id, by="test")
        return flow.id, v.id


@pytest.fixture
async def h(db_url: str) -> AsyncIterator[Harness]:
    harness = Harness(db_url)
    yield harness
    await harness.engine.dispose()


# flows and drafts ----------------------------------------------------------------------------------------------
async def test_create_flow_stores_the_draft(h: Harness) -> None:
    doc = flow_doc()
    created = await h.svc.create_flow("  main  ", doc, description="the main line")
    flow = await h.svc.get_flow(created.id)
    assert flow.name == "main" and flow.description == "the main line"
    assert flow.draft == flow_doc()
    assert flow.created_at == T0 and flow.draft_updated_at == T0
    assert flow.live_version_id is None and flow.live_since is None
    assert [f.name for f in await h.svc.list_flows()] == ["main"]
    assert await h.svc.versions(created.id) == []


async def test_create_flow_with_a_taken_name_is_refused_naming_it(h: Harness) -> None:
    await h.svc.create_flow("main", flow_doc())
    for name in ("main", " main "):
        with pytest.raises(InvalidInput) as e:
            await h.svc.create_flow(name, flow_doc("hello-again"))
        assert "'main'" in e.value.message
        assert e.value.details == {"name": "main"}
        assert e.value.status == 400 and e.value.error_id == "invalid_input"
    [flow] = await h.svc.list_flows()
    assert flow.draft == flow_doc()


@pytest.mark.parametrize("name", ["", "   "])
async def test_create_flow_with_an_empty_name_is_refused(h: Harness, name: str) -> None:
    with pytest.raises(InvalidInput):
        await h.svc.create_flow(name, flow_doc())
    assert await h.svc.list_flows() == []


async def test_create_flow_with_a_name_longer_than_80_is_refused(h: Harness) -> None:
    with pytest.raises(InvalidInput):
        await h.svc.create_flow("x" * 81, flow_doc())


async def test_save_draft_on_an_unknown_flow_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound) as e:
        await h.svc.save_draft(999, flow_doc())
    assert e.value.status == 404
    with pytest.raises(NotFound):
        await h.svc.get_flow(999)


async def test_save_draft_replaces_the_draft_and_moves_its_time(h: Harness) -> None:
    created = await h.svc.create_flow("main", flow_doc())
    h.clock.advance(90)
    await h.svc.save_draft(created.id, flow_doc("hello-again"))
    flow = await h.svc.get_flow(created.id)
    assert flow.draft == flow_doc("hello-again")
    assert flow.draft_updated_at == T0 + timedelta(seconds=90)
    assert flow.created_at == T0
    assert flow.live_version_id is None  # saving a draft publishes nothing
    h.clock.advance(30)
    await h.svc.save_draft(created.id, {"not": "a flow yet"})  # drafts may be incomplete; publish checks
    flow = await h.svc.get_flow(created.id)
    assert flow.draft == {"not": "a flow yet"} and flow.draft_updated_at == T0 + timedelta(seconds=120)


# publishing ------------------------------------------------------------------------------------------------------
async def test_publishing_an_invalid_draft_is_refused_with_each_problem_and_its_node(h: Harness) -> None:
    created = await h.svc.create_flow("main", BAD_DOC)
    with pytest.raises(PublishRefused) as e:
        await h.svc.publish(created.id, by="alice")
    err = e.value
    assert err.status == 422 and err.error_id == "flow_invalid"
    problems = err.details["problems"]
    assert problems == [p.as_dict() for p in validate(BAD_DOC, queues=QUEUES, prompt_exists=prompt_exists)]
    assert problems == [p.as_dict() for p in err.problems]
    by_node: dict[str | None, list[str]] = {}
    for p in problems:
        by_node.setdefault(p["node"], []).append(p["message"] or "")
    assert set(by_node) == {"main", "sales", "outro"}
    assert any("'nowhere'" in m and "does not exist" in m for m in by_node["main"])
    assert any("'no_such_queue'" in m for m in by_node["sales"])
    assert any("'missing-prompt'" in m and "en" in m for m in by_node["outro"])
    assert "'main'" in err.message and "3 problem(s)" in err.message
    # nothing published
    assert await h.svc.versions(created.id) == []
    flow = await h.svc.get_flow(created.id)
    assert flow.live_version_id is None and flow.live_since is None


async def test_publishing_an_unparsable_draft_names_the_node(h: Harness) -> None:
    created = await h.svc.create_flow("main", UNPARSABLE_DOC)
    with pytest.raises(PublishRefused) as e:
        await h.svc.publish(created.id, by="alice")
    [problem] = e.value.details["problems"]
    assert problem["node"] == "main" and "digit" in problem["message"]
    assert await h.svc.versions(created.id) == []


async def test_publish_of_an_unknown_flow_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound):
        await h.svc.publish(999, by="alice")


async def test_publish_makes_version_1_then_version_2_live(h: Harness) -> None:
    created = await h.svc.create_flow("main", flow_doc())
    h.clock.advance(60)
    v1 = await h.svc.publish(created.id, by="alice", note="first")
    assert (v1.version, v1.published_by, v1.note, v1.published_at) == (1, "alice", "first", T0 + timedelta(seconds=60))
    flow = await h.svc.get_flow(created.id)
    assert flow.live_version_id == v1.id and flow.live_since == T0 + timedelta(seconds=60)

    await h.svc.save_draft(created.id, flow_doc("hello-again"))
    h.clock.advance(60)
    v2 = await h.svc.publish(created.id, by="bob")
    assert v2.version == 2 and v2.id != v1.id and v2.published_by == "bob" and v2.note == ""
    flow = await h.svc.get_flow(created.id)
    assert flow.live_version_id == v2.id and flow.live_since == T0 + timedelta(seconds=120)

    versions = await h.svc.versions(created.id)
    assert [(v.id, v.version) for v in versions] == [(v1.id, 1), (v2.id, 2)]
    assert versions[0].definition == flow_doc() and versions[1].definition == flow_doc("hello-again")


async def test_an_invalid_draft_leaves_the_live_version_alone(h: Harness) -> None:
    flow_id, v1_id = await h.published("main", flow_doc())
    await h.svc.save_draft(flow_id, BAD_DOC)
    h.clock.advance(60)
    with pytest.raises(PublishRefused):
        await h.svc.publish(flow_id, by="alice")
    assert [v.version for v in await h.svc.versions(flow_id)] == [1]
    flow = await h.svc.get_flow(flow_id)
    assert flow.live_version_id == v1_id and flow.live_since == T0


async def test_a_published_version_does_not_change_when_the_draft_is_edited(h: Harness) -> None:
    doc = flow_doc()
    created = await h.svc.create_flow("main", doc)
    v1 = await h.svc.publish(created.id, by="alice")
    assert await h.svc.version(v1.id) == FlowDef.model_validate(flow_doc())

    # edit the very dict that was published, and save it as the draft
    doc["nodes"]["greet"]["prompt"] = "hello-again"
    doc["nodes"]["extra"] = {"kind": "hangup"}
    await h.svc.save_draft(created.id, doc)
    await h.svc.publish(created.id, by="alice")

    [first, second] = await h.svc.versions(created.id)
    assert first.id == v1.id and first.definition == flow_doc()
    assert second.definition == doc
    assert await h.svc.version(v1.id) == FlowDef.model_validate(flow_doc())
    # and from the database, not only from this service's cache
    fresh = h.service(QUEUES)
    assert await fresh.version(v1.id) == FlowDef.model_validate(flow_doc())
    assert await fresh.version(second.id) == FlowDef.model_validate(doc)


async def test_an_unknown_version_id_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound):
        await h.svc.version(999)


async def test_check_uses_the_current_queues(h: Harness) -> None:
    assert h.svc.check(flow_doc(queue="sales")) == []
    without_sales = h.service({"support"})
    [problem] = without_sales.check(flow_doc(queue="sales"))
    assert problem.node == "q" and "'sales'" in problem.message


# rollback --------------------------------------------------------------------------------------------------------
async def test_rollback_makes_an_earlier_version_live_again(h: Harness) -> None:
    flow_id, v1_id = await h.published("main", flow_doc())
    await h.svc.save_draft(flow_id, flow_doc("hello-again"))
    h.clock.advance(60)
    v2 = await h.svc.publish(flow_id, by="alice")
    await h.svc.set_entry_point("*", flow_id)
    assert (await h.svc.resolve("4000") or (0,))[0] == v2.id

    h.clock.advance(60)
    back = await h.svc.rollback(flow_id, 1, by="bob")
    assert back.id == v1_id and back.version == 1
    flow = await h.svc.get_flow(flow_id)
    assert flow.live_version_id == v1_id and flow.live_since == T0 + timedelta(seconds=120)
    assert flow.draft == flow_doc("hello-again")  # the draft is left as it is
    assert [v.version for v in await h.svc.versions(flow_id)] == [1, 2]  # no new version
    assert await h.svc.resolve("4000") == (v1_id, FlowDef.model_validate(flow_doc()))

    h.clock.advance(60)
    await h.svc.rollback(flow_id, 2, by="bob")  # and forward again
    flow = await h.svc.get_flow(flow_id)
    assert flow.live_version_id == v2.id and flow.live_since == T0 + timedelta(seconds=180)


async def test_rollback_to_an_unknown_version_is_not_found(h: Harness) -> None:
    flow_id, v1_id = await h.published("main", flow_doc())
    other = await h.svc.create_flow("other", flow_doc())
    h.clock.advance(60)
    with pytest.raises(NotFound) as e:
        await h.svc.rollback(flow_id, 2, by="bob")
    assert e.value.details == {"version": 2}
    with pytest.raises(NotFound):  # version 1 exists, but of another flow
        await h.svc.rollback(other.id, 1, by="bob")
    with pytest.raises(NotFound):
        await h.svc.rollback(999, 1, by="bob")
    flow = await h.svc.get_flow(flow_id)
    assert flow.live_version_id == v1_id and flow.live_since == T0
    assert (await h.svc.get_flow(other.id)).live_version_id is None


# entry points and resolve ----------------------------------------------------------------------------------------
async def test_entry_points_send_a_did_to_its_flow_and_others_to_the_default(h: Harness) -> None:
    sales_id, sales_v = await h.published("sales", flow_doc(queue="sales"))
    default_id, default_v = await h.published("default", flow_doc())
    await h.svc.set_entry_point("4000", sales_id)
    await h.svc.set_entry_point("*", default_id)
    await h.svc.set_entry_point(" +861012345678 ", sales_id)  # surrounding spaces are dropped

    assert await h.svc.resolve("4000") == (sales_v, FlowDef.model_validate(flow_doc(queue="sales")))
    assert await h.svc.resolve("+861012345678") == (sales_v, FlowDef.model_validate(flow_doc(queue="sales")))
    assert await h.svc.resolve("5000") == (default_v, FlowDef.model_validate(flow_doc()))
    assert await h.svc.resolve("") == (default_v, FlowDef.model_validate(flow_doc()))


async def test_reassigning_a_did_changes_its_flow(h: Harness) -> None:
    a_id, a_v = await h.published("a", flow_doc())
    b_id, b_v = await h.published("b", flow_doc(queue="sales"))
    await h.svc.set_entry_point("4000", a_id)
    assert (await h.svc.resolve("4000") or (0,))[0] == a_v
    await h.svc.set_entry_point("4000", b_id)
    assert (await h.svc.resolve("4000") or (0,))[0] == b_v
    await h.svc.set_entry_point("*", a_id)
    await h.svc.set_entry_point("*", b_id)
    assert (await h.svc.resolve("9999") or (0,))[0] == b_v


@pytest.mark.parametrize("did", ["abc", "40a0", "4", "+", "++", "", "   ", "40 00", "4000#", "1" * 41, "**"])
async def test_set_entry_point_refuses_a_did_that_is_not_a_number(h: Harness, did: str) -> None:
    flow_id, _ = await h.published("main", flow_doc())
    with pytest.raises(InvalidInput) as e:
        await h.svc.set_entry_point(did, flow_id)
    assert e.value.status == 400
    assert await h.svc.resolve(did.strip()) is None  # nothing was stored


@pytest.mark.parametrize("did", ["\uff14\uff10\uff10\uff10", "\u00b2\u00b3", "\u0664\u0660\u0660\u0660",
                                 "++4000", "+4"])
async def test_set_entry_point_refuses_non_ascii_digits_doubled_plus_and_one_digit(h: Harness, did: str) -> None:
    flow_id, _ = await h.published("main", flow_doc())
    with pytest.raises(InvalidInput):
        await h.svc.set_entry_point(did, flow_id)


async def test_set_entry_point_for_an_unknown_flow_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound):
        await h.svc.set_entry_point("4000", 999)
    with pytest.raises(NotFound):
        await h.svc.set_entry_point("*", 999)
    assert await h.svc.resolve("4000") is None


async def test_resolve_without_entry_points_is_none(h: Harness) -> None:
    assert await h.svc.resolve("4000") is None
    await h.published("main", flow_doc())  # a live flow, but no number leads to it
    assert await h.svc.resolve("4000") is None


async def test_resolve_to_a_flow_never_published_is_none(h: Harness) -> None:
    draft_only = await h.svc.create_flow("draft-only", flow_doc())
    await h.svc.set_entry_point("*", draft_only.id)
    assert await h.svc.resolve("4000") is None
    await h.svc.set_entry_point("4000", draft_only.id)
    assert await h.svc.resolve("4000") is None
    # publishing it makes both the number and the default live
    v = await h.svc.publish(draft_only.id, by="alice")
    assert (await h.svc.resolve("4000") or (0,))[0] == v.id
    assert (await h.svc.resolve("5000") or (0,))[0] == v.id


async def test_a_call_keeps_the_version_it_started_on(h: Harness) -> None:
    flow_id, v1_id = await h.published("main", flow_doc())
    await h.svc.set_entry_point("*", flow_id)
    started = await h.svc.resolve("4000")
    assert started == (v1_id, FlowDef.model_validate(flow_doc()))

    await h.svc.save_draft(flow_id, flow_doc("hello-again", queue="sales"))
    v2 = await h.svc.publish(flow_id, by="alice")
    assert await h.svc.resolve("4000") == (v2.id, FlowDef.model_validate(flow_doc("hello-again", queue="sales")))
    # the call that started on version 1 resumes (CC_IVR_VERSION) with version 1's definition
    assert await h.svc.version(v1_id) == FlowDef.model_validate(flow_doc())
    assert await h.service(QUEUES).version(v1_id) == FlowDef.model_validate(flow_doc())


# voicemails ------------------------------------------------------------------------------------------------------
async def _voicemail(h: Harness, n: int, at: datetime, duration: float | None) -> int:
    vm = await h.svc.add_voicemail(call_uniqueid=f"1700000000.{n}", caller_number=f"1380000000{n}",
                                   mailbox="general", path=f"/var/vm/{n}.wav", recorded_at=at,
                                   duration_seconds=duration)
    return vm.id


async def test_add_voicemail_stores_it(h: Harness) -> None:
    at = datetime(2026, 11, 23, 17, 30, tzinfo=timezone(timedelta(hours=8)))
    vm = await h.svc.add_voicemail(call_uniqueid="1700000000.1", caller_number=None, mailbox="after-hours",
                                   path="/var/vm/1.wav", recorded_at=at, duration_seconds=12.5)
    [stored] = await h.svc.voicemails()
    assert stored.id == vm.id
    assert (stored.call_uniqueid, stored.caller_number, stored.mailbox, stored.path) == (
        "1700000000.1", None, "after-hours", "/var/vm/1.wav")
    assert stored.recorded_at == at and stored.recorded_at.tzinfo == UTC
    assert stored.duration_seconds == 12.5 and stored.empty is False
    assert stored.handled_at is None and stored.handled_by is None


@pytest.mark.parametrize("duration", [None, 0.0])
async def test_a_voicemail_without_a_duration_is_empty(h: Harness, duration: float | None) -> None:
    await _voicemail(h, 1, T0, duration)
    [vm] = await h.svc.voicemails()
    assert vm.empty is True and vm.duration_seconds == duration


async def test_voicemails_filter_by_handled_newest_first(h: Harness) -> None:
    middle = await _voicemail(h, 2, T0 + timedelta(hours=1), None)
    old = await _voicemail(h, 1, T0, 8.0)
    new = await _voicemail(h, 3, T0 + timedelta(hours=2), 3.0)
    assert [v.id for v in await h.svc.voicemails()] == [new, middle, old]
    assert [v.id for v in await h.svc.voicemails(handled=False)] == [new, middle, old]
    assert await h.svc.voicemails(handled=True) == []

    await h.svc.mark_voicemail_handled(old, by="alice")
    await h.svc.mark_voicemail_handled(new, by="alice")
    assert [v.id for v in await h.svc.voicemails(handled=True)] == [new, old]
    assert [v.id for v in await h.svc.voicemails(handled=False)] == [middle]
    assert [v.id for v in await h.svc.voicemails(handled=None)] == [new, middle, old]


async def test_marking_a_voicemail_handled_twice_keeps_the_first(h: Harness) -> None:
    vm_id = await _voicemail(h, 1, T0, 8.0)
    h.clock.advance(300)
    first = await h.svc.mark_voicemail_handled(vm_id, by="alice")
    assert first.handled_at == T0 + timedelta(seconds=300) and first.handled_by == "alice"
    h.clock.advance(300)
    second = await h.svc.mark_voicemail_handled(vm_id, by="bob")
    assert second.handled_at == T0 + timedelta(seconds=300) and second.handled_by == "alice"
    [stored] = await h.svc.voicemails(handled=True)
    assert stored.handled_at == T0 + timedelta(seconds=300) and stored.handled_by == "alice"


async def test_marking_an_unknown_voicemail_is_not_found(h: Harness) -> None:
    with pytest.raises(NotFound) as e:
        await h.svc.mark_voicemail_handled(999, by="alice")
    assert e.value.details == {"voicemail_id": 999}


# seeded default flow ---------------------------------------------------------------------------------------------
def test_default_flow_validates_with_the_seeded_prompts() -> None:
    doc = seed.default_flow(SEED_QUEUES)
    assert validate(doc, queues=set(SEED_QUEUES), prompt_exists=seed_prompt_exists) == []
    nodes = doc["nodes"]
    assert {n: nodes[n]["queue"] for n in ("consultation", "business", "complaints", "human")} == {
        "consultation": "consultation", "business": "business", "complaints": "complaints", "human": "support"}
    assert nodes["complaints"]["priority"] > nodes["consultation"]["priority"]
    # every prompt the flow names is one generate_prompts makes
    flow = FlowDef.model_validate(doc)
    used = {p for node in flow.nodes.values() for p in prompts(node)}
    assert used <= set(seed.PROMPTS)


@pytest.mark.parametrize(("queues", "expected"), [
    (["support"], {"consultation": "support", "business": "support", "complaints": "support", "human": "support"}),
    (["sales", "support"], {"consultation": "sales", "business": "sales", "complaints": "sales", "human": "support"}),
])
def test_default_flow_with_missing_queues_falls_back_to_the_first(queues: list[str],
                                                                   expected: dict[str, str]) -> None:
    doc = seed.default_flow(queues)
    assert {n: doc["nodes"][n]["queue"] for n in expected} == expected
    assert validate(doc, queues=set(queues), prompt_exists=seed_prompt_exists) == []


async def test_the_default_flow_can_be_published_and_resolved(db_url: str) -> None:
    engine = make_engine(db_url)
    try:
        svc = IvrService(make_sessionmaker(engine), FakeClock(T0), queues=lambda: set(SEED_QUEUES),
                         prompt_exists=seed_prompt_exists)
        flow = await svc.create_flow("default", seed.default_flow(SEED_QUEUES))
        v = await svc.publish(flow.id, by="system", note="seeded on first run")
        await svc.set_entry_point("*", flow.id)
        resolved = await svc.resolve("4000")
        assert resolved is not None
        assert resolved == (v.id, FlowDef.model_validate(seed.default_flow(SEED_QUEUES)))
        assert resolved[1].start == "hours" and resolved[1].language == "zh"
    finally:
        await engine.dispose()


# generated prompts -----------------------------------------------------------------------------------------------
def _expected_prompt_files(root: Path, languages: tuple[str, ...] = ("zh", "en")) -> set[Path]:
    return {root / lang / f"{name}.wav" for name in seed.PROMPTS for lang in languages}


def _assert_asterisk_wav(path: Path) -> int:
    with wave.open(str(path), "rb") as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2), path
        frames = w.getnframes()
        assert frames > 0 and w.readframes(frames).strip(b"\0"), path  # not silence-only / empty
    return frames


def _assert_second_run_keeps_files(root: Path) -> None:
    assert seed.generate_prompts(root) == []
    replaced = root / "en" / "cc-welcome.wav"
    replaced.write_bytes(b"an admin's own recording")
    assert seed.generate_prompts(root) == []
    assert replaced.read_bytes() == b"an admin's own recording"
    # a deleted prompt is made again, and only that one
    (root / "zh" / "cc-invalid.wav").unlink()
    assert seed.generate_prompts(root) == [root / "zh" / "cc-invalid.wav"]
    assert replaced.read_bytes() == b"an admin's own recording"


def test_generate_prompts_with_espeak(tmp_path: Path) -> None:
    made = seed.generate_prompts(tmp_path)
    assert len(made) == len(set(made)) == 2 * len(seed.PROMPTS)
    assert set(made) == _expected_prompt_files(tmp_path)
    frames = {p: _assert_asterisk_wav(p) for p in made}
    # speech, not the 0.6 s fallback tone: the long main menu is longer than the short welcome
    assert frames[tmp_path / "en" / "cc-main-menu.wav"] > frames[tmp_path / "en" / "cc-welcome.wav"] > 4800
    _assert_second_run_keeps_files(tmp_path)


def test_generate_prompts_falls_back_to_tones(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed.shutil, "which", lambda _name: None)

    def no_subprocess(*_a: object, **_k: object) -> None:
        raise AssertionError("no synthesiser should be run")

    monkeypatch.setattr(seed.subprocess, "run", no_subprocess)
    made = seed.generate_prompts(tmp_path)
    assert set(made) == _expected_prompt_files(tmp_path) and len(made) == 2 * len(seed.PROMPTS)
    for p in made:
        assert _assert_asterisk_wav(p) == 4800  # 600 ms at 8 kHz
    _assert_second_run_keeps_files(tmp_path)


def test_generate_prompts_for_chosen_languages(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(seed.shutil, "which", lambda _name: None)
    made = seed.generate_prompts(tmp_path, ("en",))
    assert set(made) == _expected_prompt_files(tmp_path, ("en",))
    assert not (tmp_path / "zh").exists()


def test_generate_prompts_closes_the_files_it_reads(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        seed.generate_prompts(tmp_path, ("en",))
        gc.collect()
    leaks = [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)]
    assert leaks == []

