"""A campaign call that ends before its dial returns (issue 15, docs/outbound.md "Campaigns"): the agent's phone
refuses at once (busy with a call of its own, 486 on the LAN within milliseconds), so the call's Hangup reaches the
tracker — and the campaigns' watcher — while the pacer is still linking the number to that call. The number must
still be settled by that end (here: the agent never took the call, so it is pending again after
``agent_missed_retry_seconds``), never left ``dialling`` until a restart."""

from __future__ import annotations

from callcenter.auth.models import User
from tests.unit.test_campaigns import Env, _task, env  # noqa: F401  (env: the campaigns' fixture)


async def _ending_at_once(e: Env) -> list[str]:
    """The campaigns' click-to-call made to end its call (Hangup, no DialBegin: the agent's side) before it
    returns the uniqueid."""
    campaigns = e.stack.campaigns.campaigns
    place = campaigns.place_call
    assert place is not None
    placed: list[str] = []

    async def place_and_end(user: User, number: str, customer_id: int | None) -> str:
        uid = await place(user, number, customer_id)
        placed.append(uid)
        await e.ends(uid, None)
        return uid

    campaigns.place_call = place_and_end
    return placed


async def test_a_call_that_ends_before_its_dial_returns_settles_its_number(env: Env) -> None:  # noqa: F811
    c = await env.campaign(csv="number\n13800000001\n")
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    placed = await _ending_at_once(env)
    assert await env.stack.campaigns.campaigns.tick() == 1
    await env.stack.campaigns.campaigns.flush()
    [uid] = placed
    n = (await env.numbers(c["id"]))["13800000001"]
    assert (n["state"], n["attempts"], n["last_outcome"], n["call_uniqueid"]) == (
        "pending", 0, "agent_missed", uid)


async def test_a_call_back_numbers_call_that_ends_at_once_settles_its_number(env: Env) -> None:  # noqa: F811
    await _task(env, "13700000001")
    c = await env.campaign(csv="number\n")
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/numbers/from-callbacks", json={})
    await env.ok("lead", "POST", f"/api/campaigns/{c['id']}/start")
    placed = await _ending_at_once(env)
    assert await env.stack.campaigns.campaigns.tick() == 1
    await env.stack.campaigns.campaigns.flush()
    [uid] = placed
    n = (await env.numbers(c["id"]))["13700000001"]
    assert (n["state"], n["attempts"], n["last_outcome"], n["call_uniqueid"]) == (
        "pending", 0, "agent_missed", uid)
