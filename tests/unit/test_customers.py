"""Caller-number normalisation and the indexed customer lookup the IVR uses."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from callcenter.clock import FakeClock
from callcenter.customers.repository import CustomerRepository, normalise_number
from callcenter.db import make_engine, make_sessionmaker
from callcenter.errors import InvalidInput
from callcenter.ivr.validation import validate


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("13800138000", "13800138000"),
        ("+86 138-0013-8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("8613800138000", "13800138000"),
        ("010 1234 5678", "1012345678"),
        ("(021)87654321", "2187654321"),
        ("8601", "8601"),  # too short to carry a country code: kept
        ("unknown", None),
        ("", None),
        (None, None),
        ("12", None),
    ],
)
def test_normalise_number(raw: str | None, expected: str | None) -> None:
    assert normalise_number(raw) == expected


@pytest.fixture
async def repo(db_url: str) -> AsyncIterator[CustomerRepository]:
    engine = make_engine(db_url)
    yield CustomerRepository(make_sessionmaker(engine), FakeClock())
    await engine.dispose()


@pytest.mark.db
async def test_lookup_by_any_written_form(repo: CustomerRepository) -> None:
    vip = await repo.create("Zhang Wei", ["+86 138 0013 8000", "010-12345678"], vip=True)
    plain = await repo.create("Li Na", ["13900139000"])
    m = await repo.lookup("008613800138000")
    assert m is not None and (m.customer_id, m.vip, m.name) == (vip.id, True, "Zhang Wei")
    m = await repo.lookup("01012345678")
    assert m is not None and m.customer_id == vip.id
    m = await repo.lookup("+8613900139000")
    assert m is not None and (m.customer_id, m.vip) == (plain.id, False)
    assert await repo.lookup("13700000000") is None
    assert await repo.lookup("anonymous") is None


@pytest.mark.db
async def test_a_number_belongs_to_one_customer(repo: CustomerRepository) -> None:
    await repo.create("Zhang Wei", ["13800138000"])
    with pytest.raises(InvalidInput, match="13800138000"):
        await repo.create("Someone Else", ["+86 13800138000"])
    with pytest.raises(InvalidInput, match="too few digits"):
        await repo.create("Nobody", ["12"])
    with pytest.raises(InvalidInput, match="name"):
        await repo.create("  ", ["13900000000"])


def test_lookup_node_validation_names_missing_branches() -> None:
    doc = {"start": "who", "nodes": {
        "who": {"kind": "lookup", "found": "q", "not_found": "nowhere", "vip": "ghost"},
        "q": {"kind": "queue", "queue": "support"},
    }}
    problems = [(p.node, p.message) for p in validate(doc, queues={"support"}, prompt_exists=lambda n, lang: True)]
    assert ("who", "not found leads to 'nowhere', which does not exist") in problems
    assert ("who", "vip leads to 'ghost', which does not exist") in problems
