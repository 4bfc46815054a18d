"""The customers domain: CRUD, numbers, search, history, access rules, audit, service records, CSV, the pop payload."""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from callcenter.calls.repository import CallRepository
from callcenter.clock import FakeClock
from callcenter.customers.access import Actor
from callcenter.customers.models import ServiceRecord
from callcenter.customers.repository import raw_variants
from callcenter.customers.wiring import Customers, wire_customers
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import Conflict, Forbidden, InvalidInput, NotFound

pytestmark = pytest.mark.db

T0 = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
ADMIN = Actor("boss", frozenset({"admin"}))
SUP = Actor("lead", frozenset({"supervisor"}))
QC = Actor("qc1", frozenset({"qc"}))
AGENT = Actor("a1", frozenset({"agent"}))
AGENT2 = Actor("a2", frozenset({"agent"}))


@dataclass
class Rig:
    crm: Customers
    calls: CallRepository
    clock: FakeClock
    audit: list[tuple[str, str, str, dict[str, Any] | None]] = field(default_factory=list)
    handling: dict[str, set[str]] = field(default_factory=dict)  # username → caller numbers
    handling_calls: dict[str, set[str]] = field(default_factory=dict)  # username → uniqueids
    answered: set[tuple[str, str]] = field(default_factory=set)

    def actions(self, action: str | None = None) -> list[tuple[str, str, str, dict[str, Any] | None]]:
        return [a for a in self.audit if action is None or a[1] == action]

    async def call(self, uid: str, number: str | None, at: datetime, **extra: Any) -> None:
        await self.calls.upsert({"uniqueid": uid, "caller_number": number, "arrived_at": at,
                                 "ended_at": at + timedelta(minutes=2), "outcome": "answered", "queue": "support",
                                 **extra})


@pytest.fixture
async def rig(db_url: str) -> AsyncIterator[Rig]:
    engine = make_engine(db_url)
    sessions = make_sessionmaker(engine)
    clock = FakeClock(T0)
    holder: list[Rig] = []

    async def audit(username: str, action: str, target: str, detail: dict[str, Any] | None) -> None:
        holder[0].audit.append((username, action, target, detail))

    crm = wire_customers(sessions, clock, audit)
    r = Rig(crm, CallRepository(engine, sessions), clock)
    holder.append(r)

    async def handling(user: str) -> set[str]:
        return r.handling.get(user, set())

    async def handling_calls(user: str) -> set[str]:
        return r.handling_calls.get(user, set())

    async def answered_by(user: str, uid: str) -> bool:
        return (user, uid) in r.answered

    crm.access.set_access(handling, handling_calls, answered_by)
    yield r
    await engine.dispose()


# customers -------------------------------------------------------------------------------------------------
async def test_create_get_update_delete(rig: Rig) -> None:
    c = await rig.crm.records.create(AGENT, name=" 张伟 ", company="华为", address="深圳", vip=True,
                                     notes="prefers mornings", tags=["大客户", "vip", "大客户"],
                                     numbers=["+86 138-0013-8000", "010 1234 5678"])
    cid = c.customer.id
    assert (c.customer.name, c.customer.tags, c.numbers) == ("张伟", ["大客户", "vip"], ["13800138000", "1012345678"])
    assert c.customer.created_at == T0 and c.customer.updated_at is None
    assert rig.actions("customer.create") == [("a1", "customer.create", f"customer:{cid}",
                                                {"numbers": ["13800138000", "1012345678"]})]
    got = await rig.crm.records.get(SUP, cid)
    assert got.customer.address == "深圳" and got.numbers == ["13800138000", "1012345678"]
    assert rig.audit[-1] == ("lead", "customer.view", f"customer:{cid}", {"why": "view"})

    rig.clock.advance(60)
    up = await rig.crm.records.update(SUP, cid, {"notes": "call after 10", "vip": False})
    assert (up.customer.notes, up.customer.vip, up.customer.name) == ("call after 10", False, "张伟")
    assert up.customer.updated_at == T0 + timedelta(seconds=60)
    assert rig.audit[-1] == ("lead", "customer.edit", f"customer:{cid}", {"fields": ["notes", "vip"]})
    up = await rig.crm.records.update(SUP, cid, {"numbers": ["13800138000", "13900139000"]})
    assert up.numbers == ["13800138000", "13900139000"]

    with pytest.raises(Forbidden, match="admin"):
        await rig.crm.records.delete(SUP, cid)
    await rig.crm.records.delete(ADMIN, cid)
    user, action, target, detail = rig.audit[-1]
    assert (user, action, target) == ("boss", "customer.delete", f"customer:{cid}")
    assert detail is not None and detail["record"]["name"] == "张伟" and detail["service_records_kept"] == 0
    assert detail["record"]["numbers"] == ["13800138000", "13900139000"]
    with pytest.raises(NotFound):
        await rig.crm.records.get(ADMIN, cid)
    # its numbers are free again
    again = await rig.crm.records.create(SUP, name="Someone", numbers=["13800138000"])
    assert again.numbers == ["13800138000"]


@pytest.mark.parametrize(
    ("kwargs", "field", "text"),
    [
        ({"name": "  "}, "name", "must not be empty"),
        ({"name": "x" * 201}, "name", "at most 200"),
        ({"name": "A", "numbers": ["12"]}, "numbers", "too few digits"),
        ({"name": "A", "numbers": ["1.38E+10"]}, "numbers", "may only contain digits"),
        ({"name": "A", "tags": [123]}, "tags", "not text"),
        ({"name": "A", "tags": ["a;b"]}, "tags", "must not contain ';'"),
        ({"name": "A", "tags": "vip"}, "tags", "list"),
        ({"name": "A", "notes": "n" * 10_001}, "notes", "at most 10000"),
        ({"name": "A", "vip": "yes"}, "vip", "true or false"),
        ({"name": "A", "address": "x" * 501}, "address", "at most 500"),
    ],
)
async def test_bad_customer_input_names_the_field(rig: Rig, kwargs: dict[str, Any], field: str, text: str) -> None:
    with pytest.raises(InvalidInput, match=text) as e:
        await rig.crm.records.create(SUP, **kwargs)
    assert e.value.details["field"] == field


async def test_update_input_errors(rig: Rig) -> None:
    c = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    for changes, fld in [({}, "body"), ({"name": ""}, "name"), ({"colour": "red"}, "colour"),
                         ({"numbers": ["x"]}, "numbers"), ({"vip": None}, "vip")]:
        with pytest.raises(InvalidInput) as e:
            await rig.crm.records.update(SUP, c.customer.id, changes)
        assert e.value.details["field"] == fld
    with pytest.raises(NotFound):
        await rig.crm.records.update(SUP, 999, {"name": "B"})


async def test_numbers_are_normalised_and_belong_to_one_customer(rig: Rig) -> None:
    a = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    b = await rig.crm.records.create(SUP, name="B", numbers=["13900139000"])
    with pytest.raises(Conflict) as e:
        await rig.crm.records.create(SUP, name="C", numbers=["0086 138 0013 8000"])
    assert e.value.details == {"field": "numbers", "number": "13800138000", "customer_id": a.customer.id}
    assert str(a.customer.id) in e.value.message and "13800138000" in e.value.message
    with pytest.raises(Conflict, match=f"customer {b.customer.id}"):
        await rig.crm.records.add_number(SUP, a.customer.id, "+8613900139000")
    with pytest.raises(Conflict):
        await rig.crm.records.update(SUP, a.customer.id, {"numbers": ["13900139000"]})
    full = await rig.crm.records.add_number(SUP, a.customer.id, "(0755) 8888-9999")
    assert full.numbers == ["13800138000", "75588889999"]
    again = await rig.crm.records.add_number(SUP, a.customer.id, "075588889999")
    assert again.numbers == full.numbers  # already there
    assert [a for a in rig.actions("customer.edit") if a[3] and "added" in a[3]] == [
        ("lead", "customer.edit", f"customer:{a.customer.id}", {"fields": ["numbers"], "added": "75588889999"})]
    full = await rig.crm.records.remove_number(SUP, a.customer.id, "+86 138 0013 8000")
    assert full.numbers == ["75588889999"]
    assert rig.audit[-1] == ("lead", "customer.edit", f"customer:{a.customer.id}",
                             {"fields": ["numbers"], "removed": "13800138000"})
    with pytest.raises(NotFound, match="no number"):
        await rig.crm.records.remove_number(SUP, a.customer.id, "13800138000")
    with pytest.raises(InvalidInput) as e2:
        await rig.crm.records.add_number(SUP, a.customer.id, "abc")
    assert e2.value.details["field"] == "number"
    # the IVR's lookup sees the change (one indexed query on customer_phones)
    m = await rig.crm.repo.lookup("0755-88889999")
    assert m is not None and m.customer_id == a.customer.id


def test_raw_variants_normalise_back() -> None:
    v = raw_variants(["13800138000"])
    assert {"13800138000", "+8613800138000", "008613800138000", "8613800138000", "013800138000"} <= set(v)
    assert "86013800138000" in raw_variants(["13800138000"])
    assert "10086" in raw_variants(["10086"]) and "8610086" not in raw_variants(["10086"])  # too short for a +86


# search ----------------------------------------------------------------------------------------------------
async def _seed_search(rig: Rig) -> dict[str, int]:
    ids = {}
    for i, (name, company, vip, tags, numbers, notes) in enumerate([
        ("Zhang Wei", "Huawei", True, ["大客户"], ["13800138000"], "asks for invoices"),
        ("Li Na", "Tencent", False, ["投诉"], ["13900139000", "075512345678"], ""),
        ("Wang Fang", "Huawei Cloud", False, [], ["13800999999"], "invoice disputed"),
        ("王芳", "小米", True, ["大客户", "投诉"], ["18612345678"], ""),
    ]):
        rig.clock.set(T0 + timedelta(hours=i))
        c = await rig.crm.records.create(SUP, name=name, company=company, vip=vip, tags=tags, numbers=numbers,
                                         notes=notes)
        ids[name] = c.customer.id
    rig.clock.set(T0 + timedelta(days=1))
    await rig.crm.records.update(SUP, ids["Zhang Wei"], {"address": "Beijing"})  # updated last
    return ids


def _names(r: Any) -> list[str]:
    return [f.customer.name for f in r.items]


async def test_search_filters_sort_and_paging(rig: Rig) -> None:
    ids = await _seed_search(rig)
    s = rig.crm.records.search
    r = await s(SUP)
    assert (_names(r), r.total, r.full) == (["Li Na", "Wang Fang", "Zhang Wei", "王芳"], 4, True)
    assert _names(await s(SUP, q="huawei")) == ["Wang Fang", "Zhang Wei"]  # case-insensitive, company
    assert _names(await s(SUP, q="invoice")) == ["Wang Fang", "Zhang Wei"]  # notes, for readers of notes
    assert _names(await s(SUP, q="王")) == ["王芳"]
    assert _names(await s(SUP, q="50%")) == []  # LIKE wildcards are literal
    assert _names(await s(SUP, number="+86 138")) == ["Wang Fang", "Zhang Wei"]
    assert _names(await s(SUP, number="0755 1234")) == ["Li Na"]
    assert _names(await s(SUP, number="008613800138000")) == ["Zhang Wei"]
    assert _names(await s(SUP, vip=True)) == ["Zhang Wei", "王芳"]
    assert _names(await s(SUP, tag="大客户")) == ["Zhang Wei", "王芳"]
    assert _names(await s(SUP, tag="投诉", vip=False)) == ["Li Na"]
    assert _names(await s(SUP, tag="大")) == []  # whole tags only
    assert _names(await s(SUP, sort="-name")) == ["王芳", "Zhang Wei", "Wang Fang", "Li Na"]
    assert _names(await s(SUP, sort="created_at")) == ["Zhang Wei", "Li Na", "Wang Fang", "王芳"]
    assert _names(await s(SUP, sort="-created_at")) == ["王芳", "Wang Fang", "Li Na", "Zhang Wei"]
    assert _names(await s(SUP, sort="-updated_at")) == ["Zhang Wei", "王芳", "Wang Fang", "Li Na"]
    page = await s(SUP, sort="created_at", limit=2, offset=1)
    assert (_names(page), page.total) == (["Li Na", "Wang Fang"], 4)
    entry = rig.audit[-1]
    assert entry[:3] == ("lead", "customer.search", "")
    assert entry[3] is not None and entry[3]["ids"] == [ids["Li Na"], ids["Wang Fang"]]
    assert entry[3]["query"]["sort"] == "created_at" and entry[3]["total"] == 4
    # agents: summaries, and free text does not look into notes they may not read
    r = await s(AGENT, q="invoice")
    assert _names(r) == [] and not r.full
    r = await s(AGENT, q="huawei")
    assert _names(r) == ["Wang Fang", "Zhang Wei"] and not r.full
    assert rig.audit[-1][:2] == ("a1", "customer.search")
    for kwargs, fld in [({"sort": "colour"}, "sort"), ({"number": "12"}, "number"), ({"number": "x1234"}, "number"),
                        ({"limit": 0}, "limit"), ({"offset": -1}, "offset"), ({"q": "x" * 201}, "q")]:
        with pytest.raises(InvalidInput) as e:
            await s(SUP, **kwargs)
        assert e.value.details["field"] == fld


# access ----------------------------------------------------------------------------------------------------
async def test_agent_reads_only_the_customer_of_their_call(rig: Rig) -> None:
    c = await rig.crm.records.create(SUP, name="Zhang Wei", numbers=["13800138000", "13800138001"], notes="secret")
    cid = c.customer.id
    with pytest.raises(Forbidden, match="only open the customer of the call they are handling"):
        await rig.crm.records.get(AGENT, cid, why="pop")
    assert rig.audit[-1] == ("a1", "customer.view_denied", f"customer:{cid}", {"why": "pop"})
    with pytest.raises(Forbidden):
        await rig.crm.records.history(AGENT, cid)
    assert rig.audit[-1][1] == "customer.view_denied"
    assert not rig.actions("customer.view")
    rig.handling["a2"] = {"13800138001"}  # another agent's call
    with pytest.raises(Forbidden):
        await rig.crm.records.get(AGENT, cid)

    rig.handling["a1"] = {"13800138001"}
    assert (await rig.crm.records.get(AGENT, cid, why="pop")).customer.notes == "secret"
    assert rig.audit[-1] == ("a1", "customer.view", f"customer:{cid}", {"why": "pop"})
    assert (await rig.crm.records.history(AGENT, cid)).customer_id == cid
    rig.handling["a1"] = {"+86 138 0013 8000"}  # a raw form is accepted too
    await rig.crm.records.get(AGENT, cid, why="edit")
    assert rig.audit[-1][3] == {"why": "edit"}
    # agent may change the customer of their call, and only that one
    assert (await rig.crm.records.update(AGENT, cid, {"company": "Huawei"})).customer.company == "Huawei"
    other = await rig.crm.records.create(SUP, name="Li Na", numbers=["13900139000"])
    with pytest.raises(Forbidden, match="only change the customer"):
        await rig.crm.records.update(AGENT, other.customer.id, {"company": "X"})
    assert rig.audit[-1] == ("a1", "customer.edit_denied", f"customer:{other.customer.id}", None)
    with pytest.raises(Forbidden):
        await rig.crm.records.add_number(AGENT, other.customer.id, "13700000000")
    # QC reads anything, changes nothing; only admins delete
    await rig.crm.records.get(QC, other.customer.id)
    assert rig.audit[-1] == ("qc1", "customer.view", f"customer:{other.customer.id}", {"why": "view"})
    with pytest.raises(Forbidden, match="needs role"):
        await rig.crm.records.update(QC, cid, {"name": "x"})
    with pytest.raises(Forbidden):
        await rig.crm.records.create(QC, name="x")
    with pytest.raises(Forbidden):
        await rig.crm.records.delete(AGENT, cid)
    with pytest.raises(InvalidInput) as e:
        await rig.crm.records.get(SUP, cid, why="curious")
    assert e.value.details["field"] == "why"
    with pytest.raises(Forbidden):
        await rig.crm.records.search(Actor("nobody", frozenset()))


# history ---------------------------------------------------------------------------------------------------
async def test_history_matches_calls_in_every_number_format(rig: Rig) -> None:
    c = await rig.crm.records.create(SUP, name="Zhang Wei", numbers=["13800138000", "01012345678"])
    cid = c.customer.id
    forms = ["13800138000", "+8613800138000", "008613800138000", "8613800138000", "013800138000",
             "1012345678", "01012345678"]
    for i, raw in enumerate(forms):
        await rig.call(f"c.{i}", raw, T0 + timedelta(minutes=i), agent_extension="1001", wait_seconds=3.0,
                       talk_seconds=60.0)
    await rig.call("other.1", "13900139000", T0 + timedelta(hours=1))
    await rig.call("other.2", None, T0 + timedelta(hours=2))
    await rig.call("other.3", "138001380001", T0 + timedelta(hours=3))  # one digit more: not the customer
    for i in range(7):
        rig.clock.set(T0 + timedelta(minutes=i))
        await rig.crm.service_records.create_record(SUP, customer_id=cid, category="query", text=f"r{i}",
                                    follow_up_needed=i in (1, 5), follow_up_due=T0 + timedelta(hours=70 - i)
                                    if i in (1, 5) else None)
    rec5 = next(r for r in (await rig.crm.service_records.list_records(SUP, customer_id=cid))[0] if r.text == "r5")
    await rig.crm.service_records.follow_up_done(SUP, rec5.id)
    h = await rig.crm.records.history(SUP, cid)
    assert [x.uniqueid for x in h.recent_calls] == ["c.6", "c.5", "c.4", "c.3", "c.2"]
    assert [r.text for r in h.service_records] == ["r6", "r5", "r4", "r3", "r2"]
    assert [r.text for r in h.open_follow_ups] == ["r1"]
    assert rig.audit[-1] == ("lead", "customer.view", f"customer:{cid}", {"why": "view"})


async def test_open_follow_ups_and_done(rig: Rig) -> None:
    c = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    cid = c.customer.id
    r1 = await rig.crm.service_records.create_record(SUP, customer_id=cid, category="complaint", text="noisy line",
                                     follow_up_needed=True, follow_up_due=T0 + timedelta(days=3))
    r2 = await rig.crm.service_records.create_record(SUP, customer_id=cid, category="business", text="later",
                                     follow_up_needed=True, follow_up_due=T0 + timedelta(days=1))
    r3 = await rig.crm.service_records.create_record(SUP, customer_id=cid, category="query", text="no follow-up needed")
    h = await rig.crm.records.history(SUP, cid)
    assert [r.id for r in h.open_follow_ups] == [r2.id, r1.id]  # soonest due first
    done = await rig.crm.service_records.follow_up_done(SUP, r2.id)
    assert done.follow_up_done_at == T0
    assert rig.audit[-1] == ("lead", "service_record.follow_up_done", f"service_record:{r2.id}", None)
    with pytest.raises(Conflict, match="was done"):
        await rig.crm.service_records.follow_up_done(SUP, r2.id)
    with pytest.raises(Conflict, match="no follow-up"):
        await rig.crm.service_records.follow_up_done(SUP, r3.id)
    assert [r.id for r in (await rig.crm.records.history(SUP, cid)).open_follow_ups] == [r1.id]
    rows, total = await rig.crm.service_records.list_records(SUP, follow_up_open=True)
    assert ([r.id for r in rows], total) == ([r1.id], 1)


# service records -------------------------------------------------------------------------------------------
async def test_service_records_rules(rig: Rig) -> None:
    await rig.call("9.1", "+8613800138000", T0, agent_extension="1001")
    # a call from an unknown number gets a record before the customer exists
    with pytest.raises(Forbidden, match="call they are handling or answered"):
        await rig.crm.service_records.create_record(AGENT, call_uniqueid="9.1", category="query",
                                                    text="asked about bills")
    rig.handling_calls["a1"] = {"9.1"}
    r = await rig.crm.service_records.create_record(AGENT, call_uniqueid="9.1", category="query",
                                                    text="asked about bills")
    assert (r.agent_username, r.caller_number, r.customer_id, r.category) == ("a1", "13800138000", None, "query")
    assert rig.audit[-1] == ("a1", "service_record.create", f"service_record:{r.id}", {"customer_id": None,
                                                                                        "call": "9.1"})
    # ... and is linked when the number becomes a customer's
    c = await rig.crm.records.create(AGENT, name="Zhang Wei", numbers=["13800138000"])
    assert (await rig.crm.service_records.list_records(SUP, customer_id=c.customer.id))[1] == 1
    # later records find the customer from the call's number
    rig.handling_calls["a1"] = set()
    rig.answered.add(("a1", "9.1"))  # answered earlier today, now wrapped up
    r2 = await rig.crm.service_records.create_record(AGENT, call_uniqueid="9.1", category="complaint",
                                                     text="line noisy", follow_up_needed=True,
                                                     follow_up_due=datetime(2026, 11, 21, 9, 0))
    assert r2.customer_id == c.customer.id and r2.follow_up_due == datetime(2026, 11, 21, 9, 0, tzinfo=UTC)
    with pytest.raises(Forbidden):
        await rig.crm.service_records.create_record(AGENT2, call_uniqueid="9.1", category="query", text="x")
    with pytest.raises(InvalidInput) as e:
        await rig.crm.service_records.create_record(AGENT, category="query", text="no call")
    assert e.value.details["field"] == "call_uniqueid"
    with pytest.raises(Forbidden):
        await rig.crm.service_records.create_record(QC, customer_id=c.customer.id, category="query", text="x")
    # a supervisor may write one without a call (a proactive call-back, say)
    r3 = await rig.crm.service_records.create_record(SUP, caller_number="13800138000", category="other",
                                                     text="called back")
    assert r3.customer_id == c.customer.id and r3.call_uniqueid is None

    for kwargs, fld in [
        ({"category": "chat", "text": "x"}, "category"),
        ({"category": "query", "text": "   "}, "text"),
        ({"category": "query", "text": "x" * 10_001}, "text"),
        ({"category": "query", "text": "x", "outcome": "o" * 201}, "outcome"),
        ({"category": "query", "text": "x", "follow_up_due": T0}, "follow_up_due"),
        ({"category": "query", "text": "x", "caller_number": "1"}, "caller_number"),
        ({"category": "query", "text": "x", "customer_id": 999}, "customer_id"),
    ]:
        with pytest.raises(InvalidInput) as e:
            await rig.crm.service_records.create_record(SUP, call_uniqueid="9.1", **kwargs)
        assert e.value.details["field"] == fld, kwargs

    # edits: the author, a supervisor or an admin
    rig.clock.advance(30)
    e1 = await rig.crm.service_records.update_record(AGENT, r2.id, {"outcome": "ticket 42", "follow_up_needed": False})
    assert (e1.outcome, e1.follow_up_needed, e1.follow_up_due, e1.updated_at) == (
        "ticket 42", False, None, T0 + timedelta(seconds=30))
    assert rig.audit[-1] == ("a1", "service_record.edit", f"service_record:{r2.id}",
                             {"fields": ["follow_up_due", "follow_up_needed", "outcome"]})
    with pytest.raises(Forbidden, match="only the author"):
        await rig.crm.service_records.update_record(AGENT2, r2.id, {"outcome": "mine now"})
    with pytest.raises(Forbidden):
        await rig.crm.service_records.follow_up_done(AGENT2, r2.id)
    assert (await rig.crm.service_records.update_record(SUP, r2.id, {"category": "business"})).category == "business"
    with pytest.raises(NotFound):
        await rig.crm.service_records.update_record(SUP, 9999, {"text": "x"})
    with pytest.raises(InvalidInput):
        await rig.crm.service_records.update_record(SUP, r2.id, {"follow_up_due": T0})

    # reading records: per call, per customer, own
    rows, _ = await rig.crm.service_records.list_records(AGENT, call="9.1")  # answered it
    assert {x.id for x in rows} == {r.id, r2.id}
    with pytest.raises(Forbidden):
        await rig.crm.service_records.list_records(AGENT2, call="9.1")
    with pytest.raises(Forbidden):
        await rig.crm.service_records.list_records(AGENT2, customer_id=c.customer.id)
    assert rig.audit[-1][1] == "customer.view_denied"
    rows, total = await rig.crm.service_records.list_records(AGENT2)
    assert (rows, total) == ([], 0)
    assert {x.id for x in (await rig.crm.service_records.list_records(AGENT))[0]} == {r.id, r2.id}
    assert (await rig.crm.service_records.list_records(QC, customer_id=c.customer.id))[1] == 3

    # deleting the customer keeps the records
    assert await rig.crm.records.delete(ADMIN, c.customer.id) == 3
    async with rig.crm.repo.sessions() as s:
        kept = list((await s.execute(select(ServiceRecord).order_by(ServiceRecord.id))).scalars())
    assert [(x.id, x.customer_id, x.caller_number) for x in kept] == [
        (r.id, None, "13800138000"), (r2.id, None, "13800138000"), (r3.id, None, "13800138000")]


# the screen pop --------------------------------------------------------------------------------------------
async def test_pop_view(rig: Rig) -> None:
    c = await rig.crm.records.create(SUP, name="张伟", vip=True, numbers=["13800138000"], notes="n")
    await rig.call("p.1", "+8613800138000", T0, agent_extension="1001", wait_seconds=4.5, talk_seconds=80.0)
    await rig.crm.service_records.create_record(SUP, customer_id=c.customer.id, category="complaint", text="t",
                                follow_up_needed=True)
    pop = await rig.crm.records.pop_view("0086 138 0013 8000", "a1")
    assert pop["number"] == "13800138000"
    assert pop["customer"]["name"] == "张伟" and pop["customer"]["numbers"] == ["13800138000"]
    assert pop["customer"]["created_at"] == "2026-11-20T08:00:00Z"
    call = pop["recent_calls"][0]
    assert (call["uniqueid"], call["arrived_at"], call["queue"], call["agent_extension"], call["outcome"],
            call["wait_seconds"], call["talk_seconds"]) == (
        "p.1", "2026-11-20T08:00:00Z", "support", "1001", "answered", 4.5, 80.0)
    assert [r["text"] for r in pop["service_records"]] == ["t"] and len(pop["open_follow_ups"]) == 1
    assert rig.audit[-1] == ("a1", "customer.view", f"customer:{c.customer.id}", {"why": "pop"})

    n = len(rig.audit)
    unknown = await rig.crm.records.pop_view("13900139000", "a1")
    assert unknown == {"number": "13900139000", "customer": None, "recent_calls": [], "service_records": [],
                       "open_follow_ups": []}
    assert await rig.crm.records.pop_view("anonymous", "a1") == {**unknown, "number": None}
    assert len(rig.audit) == n  # nothing viewed, nothing audited
    # an unknown number's earlier records are shown
    await rig.call("p.2", "13900139000", T0)
    await rig.crm.service_records.create_record(SUP, call_uniqueid="p.2", category="query", text="who am I")
    unknown = await rig.crm.records.pop_view("13900139000", "a1")
    assert [r["text"] for r in unknown["service_records"]] == ["who am I"]
    assert [x["uniqueid"] for x in unknown["recent_calls"]] == ["p.2"]


async def test_pop_view_finds_the_right_customer_among_10000(rig: Rig, db_url: str) -> None:
    """Correct at scale; its speed is measured by bench/screen_pop.py (the pop's latency path), not here."""
    creates = [({"name": f"Customer {i}", "company": "", "address": "", "vip": i % 10 == 0, "notes": "",
                 "tags": [], "created_at": T0, "updated_at": None}, [str(13000000000 + i)]) for i in range(10_000)]
    await rig.crm.repo.bulk_write(creates, [])
    await rig.calls.upsert_many([
        {"uniqueid": f"h.{i}", "caller_number": str(13000000000 + i % 10_000), "arrived_at": T0 + timedelta(seconds=i),
         "ended_at": T0 + timedelta(seconds=i + 60), "outcome": "answered"} for i in range(20_000)])
    for i in range(0, 10_000, 997):
        pop = await rig.crm.records.pop_view(str(13000000000 + i), "a1")
        assert pop["customer"]["name"] == f"Customer {i}" and pop["customer"]["vip"] == (i % 10 == 0)
        assert sorted(x["uniqueid"] for x in pop["recent_calls"]) == sorted([f"h.{i}", f"h.{i + 10_000}"])


# CSV -------------------------------------------------------------------------------------------------------
def _csv(rows: list[list[str]]) -> bytes:
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue().encode("utf-8")


async def test_csv_round_trip(rig: Rig) -> None:
    a = await rig.crm.records.create(SUP, name="张伟", company="华为技术有限公司", address="深圳市龙岗区", vip=True,
                             notes="多行\n备注, with \"quotes\"", tags=["大客户", "投诉"],
                             numbers=["13800138000", "075512345678"])
    b = await rig.crm.records.create(SUP, name="=HYPERLINK(\"x\")", notes="-5 points", numbers=[])
    data = await rig.crm.csv.export_csv(ADMIN)
    assert data.startswith(b"\xef\xbb\xbf")
    assert rig.audit[-1] == ("boss", "customer.export", "customers", {"count": 2})
    text = data.decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text, newline="")))
    assert lines[0] == ["id", "name", "company", "address", "vip", "tags", "numbers", "notes", "created_at"]
    assert lines[1] == [str(a.customer.id), "张伟", "华为技术有限公司", "深圳市龙岗区", "true", "大客户;投诉",
                        "13800138000;75512345678", "多行\n备注, with \"quotes\"", "2026-11-20T08:00:00Z"]
    assert lines[2][1] == "'=HYPERLINK(\"x\")" and lines[2][7] == "'-5 points"  # not run as formulas by Excel

    before = [(await rig.crm.records.get(ADMIN, i)) for i in (a.customer.id, b.customer.id)]
    await rig.crm.records.update(ADMIN, a.customer.id,
                         {"name": "changed", "tags": [], "vip": False, "numbers": ["13700000000"]})
    await rig.crm.records.update(ADMIN, b.customer.id, {"notes": "changed"})
    res = await rig.crm.csv.import_csv(ADMIN, data, "customers.csv")
    assert (res.created, res.updated) == (0, 2)
    assert rig.audit[-1] == ("boss", "customer.import", "customers",
                             {"filename": "customers.csv", "created": 0, "updated": 2})
    after = [(await rig.crm.records.get(ADMIN, i)) for i in (a.customer.id, b.customer.id)]
    for x, y in zip(before, after, strict=True):
        cx, cy = x.customer, y.customer
        assert (cx.name, cx.company, cx.address, cx.vip, cx.notes, cx.tags, x.numbers) == (
            cy.name, cy.company, cy.address, cy.vip, cy.notes, cy.tags, y.numbers)

    # the same file without ids creates copies (in a fresh system the numbers would be free)
    rows = [r[1:] for r in lines]
    rows[1][5] = ""  # numbers are taken by the originals
    res = await rig.crm.csv.import_csv(ADMIN, _csv(rows))
    assert (res.created, res.updated) == (2, 0)
    copies = (await rig.crm.records.search(ADMIN, q="张伟")).items
    assert [(f.customer.company, f.customer.created_at) for f in copies] == [("华为技术有限公司", T0)] * 2


async def test_csv_import_refuses_the_whole_file_listing_bad_rows(rig: Rig) -> None:
    a = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    header = ["id", "name", "vip", "numbers", "tags"]
    data = _csv([header,
                 ["", "Good One", "true", "13900139000", "x"],
                 ["", "", "false", "", ""],  # row 3: no name
                 ["", "C", "maybe", "12", ""],  # row 4: vip, number
                 ["", "D", "", "+86 138 0013 8000", ""],  # row 5: conflict with A
                 ["999", "E", "", "", ""],  # row 6: unknown id
                 ["", "F", "", "13900139000", ""],  # row 7: same number as row 2
                 ["", "G", "", "", "a", "extra"],  # row 8: wrong number of cells
                 [str(a.customer.id), "A2", "", "13800138000;13800138001", ""]])  # fine: keeps its number
    with pytest.raises(InvalidInput) as e:
        await rig.crm.csv.import_csv(ADMIN, data)
    rows = {r["row"]: r["problems"] for r in e.value.details["rows"]}
    assert sorted(rows) == [3, 4, 5, 6, 7, 8]
    assert rows[3] == ["name must not be empty"]
    assert any("vip" in p for p in rows[4]) and any("too few digits" in p for p in rows[4])
    assert rows[5] == [f"conflict: number 13800138000 belongs to customer {a.customer.id}"]
    assert 9 not in rows  # row 9 (customer A keeping its number) was fine; only row 5 took it
    assert "no customer with id 999" in rows[6][0]
    assert rows[7] == ["conflict: number 13900139000 is also on row 2"]
    assert "cells" in rows[8][0]
    assert e.value.details["field"] == "file" and e.value.details["bad_rows"] == 6
    assert "nothing was imported" in e.value.message
    # nothing stored
    assert (await rig.crm.records.search(ADMIN)).total == 1
    assert (await rig.crm.records.get(ADMIN, a.customer.id)).customer.name == "A"
    assert not rig.actions("customer.import")


async def test_csv_import_limits_and_format_errors(rig: Rig, monkeypatch: pytest.MonkeyPatch) -> None:
    import callcenter.customers.importer as importer

    cases = [
        (b"", "empty"),
        (_csv([["name", "colour"], ["A", "red"]]), "unknown column"),
        (_csv([["company"], ["X"]]), "'name' is required"),
        (_csv([["name", "name"], ["A", "B"]]), "more than once"),
        (_csv([["name"]]), "no customer rows"),
        ("name\n张伟\n".encode("gb18030"), "not UTF-8"),
        (b"x" * (5 * 1024 * 1024 + 1), "at most 5 MB"),
    ]
    for data, text in cases:
        with pytest.raises(InvalidInput, match=text) as e:
            await rig.crm.csv.import_csv(ADMIN, data)
        assert e.value.details["field"] == "file"
    monkeypatch.setattr(importer, "MAX_CSV_ROWS", 3)
    with pytest.raises(InvalidInput, match="more than 3 rows"):
        await rig.crm.csv.import_csv(ADMIN, _csv([["name"], ["a"], ["b"], ["c"], ["d"]]))
    res = await rig.crm.csv.import_csv(ADMIN, _csv([["name"], ["a"], [""], ["b"], ["c"]]))  # blank rows skipped
    assert res.created == 3
    with pytest.raises(Forbidden):
        await rig.crm.csv.import_csv(SUP, _csv([["name"], ["a"]]))
    with pytest.raises(Forbidden):
        await rig.crm.csv.export_csv(SUP)


async def test_csv_import_can_move_numbers_between_customers(rig: Rig) -> None:
    a = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    b = await rig.crm.records.create(SUP, name="B", numbers=["13900139000"])
    data = _csv([["id", "name", "numbers"], [str(a.customer.id), "A", "13900139000"],
                 [str(b.customer.id), "B", "13800138000"], ["", "New", "13700137000"]])
    res = await rig.crm.csv.import_csv(ADMIN, data)
    assert (res.created, res.updated) == (1, 2)
    assert (await rig.crm.records.get(ADMIN, a.customer.id)).numbers == ["13900139000"]
    assert (await rig.crm.records.get(ADMIN, b.customer.id)).numbers == ["13800138000"]
    new = await rig.crm.repo.lookup("13700137000")
    assert new is not None and new.name == "New"
    # a row without the numbers column leaves numbers alone
    await rig.crm.csv.import_csv(ADMIN, _csv([["id", "name"], [str(a.customer.id), "A again"]]))
    got = await rig.crm.records.get(ADMIN, a.customer.id)
    assert (got.customer.name, got.numbers) == ("A again", ["13900139000"])


async def test_a_number_taken_concurrently_is_a_conflict_not_a_crash(rig: Rig, monkeypatch: pytest.MonkeyPatch
                                                                      ) -> None:
    from callcenter.customers.repository import CustomerRepository

    a = await rig.crm.records.create(SUP, name="A", numbers=["13800138000"])
    real = CustomerRepository._check_free
    calls = []

    async def late_check(s: Any, numbers: Any, customer_id: Any) -> None:
        calls.append(numbers)
        if len(calls) > 1:  # the check before the write "misses" the other writer; the one after the error runs
            await real(s, numbers, customer_id)

    monkeypatch.setattr(CustomerRepository, "_check_free", staticmethod(late_check))
    with pytest.raises(Conflict) as e:
        await rig.crm.records.create(SUP, name="B", numbers=["13800138000"])
    assert e.value.details["customer_id"] == a.customer.id
    monkeypatch.undo()
    assert (await rig.crm.records.search(SUP)).total == 1


async def test_migration_keeps_existing_customers(workdir: Any) -> None:
    """0006 adds columns in place: on SQLite a table copy would have dropped 'customers' and, with foreign
    keys on, cascaded to its phone numbers."""
    import asyncio

    from alembic import command
    from sqlalchemy import text

    from callcenter.migrate import alembic_config, upgrade

    url = f"sqlite+aiosqlite:///{workdir / 'm.db'}"
    await asyncio.to_thread(upgrade, url, "0005_acd")
    engine = make_engine(url)
    async with engine.begin() as c:
        await c.execute(text("INSERT INTO customers (id, name, created_at) VALUES (1, 'Old', '2026-01-01 00:00:00')"))
        await c.execute(text("INSERT INTO customer_phones (customer_id, number) VALUES (1, '13800138000')"))
    await asyncio.to_thread(upgrade, url)
    records = wire_customers(make_sessionmaker(engine), FakeClock(T0), lambda *a: _noop()).records
    got = await records.get(SUP, 1)
    assert (got.customer.name, got.customer.tags, got.customer.address, got.numbers) == ("Old", [], "", ["13800138000"])
    await asyncio.to_thread(command.downgrade, alembic_config(url), "0005_acd")
    async with engine.connect() as c:
        assert (await c.execute(text("SELECT number FROM customer_phones"))).scalars().all() == ["13800138000"]
    await engine.dispose()


async def _noop() -> None:
    return None
