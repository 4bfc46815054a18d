"""Knowledge-base search latency: p50/p95/p99 of an agent's search over ``--entries`` entries, on SQLite and on
PostgreSQL (target: p95 <= 50 ms at 20,000 entries).

Seeds ``--entries`` generated entries (realistic Chinese call-centre wording with some English: titles, numbered
steps, tags; no external data; seeded, so every run has the same catalogue) straight into a fresh, migrated database
(SQLite: a temp file; PostgreSQL: a temporary database on ``--pg``, dropped afterwards), most of them published and
valid now, the rest drafts, withdrawn, expired or not yet valid (what an agent must not find). Then runs
``--queries`` searches through the service's own ``Knowledge.search`` as an agent (the candidate SQL, the ranking,
the highlights and the entries' rows: what ``GET /api/knowledge/search`` does, without HTTP), over a mix of query
kinds, each timed with ``time.perf_counter``:

* ``zh-1``: one Chinese character (below a trigram: the substring test over the visible rows);
* ``zh-2``: a two-character word such as 宽带 (the same path);
* ``zh-3+``: a word or phrase of three characters or more (the trigram index: FTS5 / pg_trgm GIN);
* ``en``: an English word (3+ letters; trigram), ``en-2``: two letters (5G, VIP: substring);
* ``multi``: two terms (a short and a long one).

    .venv/bin/python bench/knowledge_search.py [--entries 20000] [--queries 600] [--db sqlite|postgresql|both]
                                               [--pg postgresql://postgres@127.0.0.1:5432/postgres] [--json]

Prints the command, the machine (CPUs, load average before and after) and per database the percentiles per kind
and overall. Exits 1 if an overall p95 is above 50 ms.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import insert, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from callcenter.auth.actor import Actor  # noqa: E402
from callcenter.clock import FakeClock  # noqa: E402
from callcenter.db import make_engine, make_sessionmaker  # noqa: E402
from callcenter.departments.repository import DepartmentRepository  # noqa: E402
from callcenter.knowledge.config import KnowledgeSettings  # noqa: E402
from callcenter.knowledge.models import KnowledgeEntry, KnowledgeRevision, KnowledgeTarget  # noqa: E402
from callcenter.knowledge.repository import KnowledgeRepository  # noqa: E402
from callcenter.knowledge.search import search_text  # noqa: E402
from callcenter.knowledge.service import Knowledge  # noqa: E402
from callcenter.migrate import upgrade  # noqa: E402

NOW = datetime(2026, 12, 4, 2, 0, tzinfo=UTC)
TARGET_P95_MS = 50.0
ZH_WORDS = ["宽带", "套餐", "资费", "话费", "流量", "漫游", "故障", "报修", "光猫", "账单", "营业厅", "实名认证",
            "停机", "复机", "携号转网", "积分", "兑换", "国际", "来电显示", "彩铃", "副卡", "合约", "违约金",
            "发票", "退费",
            "充值", "缴费", "提速", "装机", "移机", "拆机", "密码重置", "挂失", "补卡", "信号", "基站", "投诉", "升级",
            "优惠", "活动", "会员", "权益", "家庭网", "亲情号", "短信", "验证码", "网上营业厅", "客户经理", "上门服务",
            "预约", "工单", "回访", "满意度", "机顶盒", "电视", "固话", "呼叫转移", "黑名单", "骚扰电话", "老年卡",
            "学生卡", "校园网", "企业专线", "云服务", "物联网卡", "5G网络", "千兆宽带", "光纤", "路由器", "无线网络"]
EN_WORDS = ["broadband", "package", "billing", "roaming", "fault", "repair", "modem", "invoice", "refund", "recharge",
            "password", "signal", "complaint", "upgrade", "member", "points", "voucher", "router", "fibre", "contract",
            "SIM", "5G", "VIP", "APP", "Wi-Fi", "IPTV"]
VERBS = ["办理", "查询", "取消", "变更", "开通", "申请", "核实", "告知", "解释", "处理"]
STEPS = ["核实客户身份（姓名、证件号后四位）", "查询账户状态和欠费情况", "告知客户办理渠道：营业厅、网上营业厅或App",
         "说明所需材料：本人有效证件", "提醒客户办理时限和注意事项", "如客户不满意，记录诉求并提交工单",
         "结束前复述处理结果并确认客户已理解", "按统一口径答复，不作额外承诺"]


def _entry(rng: random.Random, i: int) -> dict[str, Any]:
    words = rng.sample(ZH_WORDS, 3)
    title = f"{words[0]}{rng.choice(VERBS)}{words[1]}" + (f"（{rng.choice(EN_WORDS)}）" if rng.random() < 0.2 else "")
    title += f" 第{i}号"
    intro = (f"客户来电咨询{words[0]}{rng.choice(VERBS)}相关问题时，请按以下口径答复。"
             f"本通知适用于{words[2]}及{rng.choice(ZH_WORDS)}业务。")
    steps = "\n".join(f"{n}. {s}" for n, s in enumerate(rng.sample(STEPS, rng.randint(3, 6)), 1))
    english = " ".join(rng.choice(EN_WORDS) for _ in range(rng.randint(4, 12)))
    body = (f"{intro}\n\n{steps}\n\nEnglish: the customer asks about {english}. "
            f"{rng.choice(ZH_WORDS)}{rng.choice(VERBS)}请参考营业厅公告，资费以当月为准。")
    tags = rng.sample(ZH_WORDS, rng.randint(1, 3)) + ([rng.choice(EN_WORDS)] if rng.random() < 0.3 else [])
    return {"title": title[:200], "body": body, "tags": tags}


async def _seed(url: str, n: int) -> float:
    rng = random.Random(16)
    engine = make_engine(url)
    started = time.perf_counter()
    entries, revisions, targets = [], [], []
    for i in range(1, n + 1):
        e = _entry(rng, i)
        roll = rng.random()
        state = ("draft" if roll < 0.06 else "withdrawn" if roll < 0.09 else "published")
        valid_from = NOW - timedelta(days=rng.randint(1, 300))
        valid_to = None
        if roll > 0.97:
            valid_from = NOW + timedelta(days=3)  # not valid yet
        elif roll > 0.94:
            valid_to = NOW - timedelta(days=1)  # expired
        elif rng.random() < 0.3:
            valid_to = NOW + timedelta(days=rng.randint(1, 200))
        entries.append({"id": i, "version": 3, "state": {"draft": "new"}.get(state, state),
                        "published_revision_id": i if state == "published" else None,
                        "open_revision_id": i if state == "draft" else None, "revisions": 1, "created_by": "bench",
                        "created_at": valid_from, "updated_at": valid_from, "withdraw_reason": ""})
        revisions.append({"id": i, "entry_id": i, "number": 1, "state": state, "title": e["title"], "body": e["body"],
                          "category": rng.choice(["information", "business", "encyclopaedia"]), "tags": e["tags"],
                          "tags_text": " ".join(e["tags"]), "queues": [], "ivr_choices": [],
                          "valid_from": valid_from, "valid_to": valid_to,
                          "search_text": search_text(e["title"], e["tags"], e["body"]), "note": "",
                          "created_by": "bench", "created_at": valid_from, "updated_at": valid_from,
                          "review_note": "", "published_at": valid_from if state != "draft" else None,
                          "confirmed": rng.random() < 0.5})
        if rng.random() < 0.2:
            targets.append({"revision_id": i, "kind": "queue", "value": rng.choice(["support", "business"])})
    async with engine.begin() as c:
        for k in range(0, n, 2000):
            await c.execute(insert(KnowledgeEntry), entries[k:k + 2000])
            await c.execute(insert(KnowledgeRevision), revisions[k:k + 2000])
        if targets:
            await c.execute(insert(KnowledgeTarget), targets)
        if engine.dialect.name == "postgresql":
            await c.execute(text("SELECT setval('knowledge_entries_id_seq', :n)"), {"n": n})
            await c.execute(text("SELECT setval('knowledge_revisions_id_seq', :n)"), {"n": n})
    async with engine.connect() as c:
        await c.execute(text("ANALYZE"))
        if engine.dialect.name == "sqlite":
            await c.execute(text("INSERT INTO knowledge_fts(knowledge_fts) VALUES ('optimize')"))
        await c.commit()
    await engine.dispose()
    return time.perf_counter() - started


def _queries(rng: random.Random, count: int) -> list[tuple[str, str]]:
    chars = sorted({ch for w in ZH_WORDS for ch in w if "\u4e00" <= ch <= "\u9fff"})
    two = [w for w in ZH_WORDS if len(w) == 2]
    long = [w for w in ZH_WORDS if len(w) >= 3] + ["宽带提速", "核实客户身份", "营业厅公告", "统一口径", "不存在的词语"]
    en = [w for w in EN_WORDS if len(w) >= 3] + ["customer", "notfoundword"]
    kinds = [("zh-1", lambda: rng.choice(chars)), ("zh-2", lambda: rng.choice(two)),
             ("zh-3+", lambda: rng.choice(long)), ("en", lambda: rng.choice(en)),
             ("en-2", lambda: rng.choice(["5G", "vi", "ap", "wi"])),
             ("multi", lambda: f"{rng.choice(two)} {rng.choice(long)}")]
    return [(kind, make()) for kind, make in (kinds[i % len(kinds)] for i in range(count))]


async def _run(url: str, queries: list[tuple[str, str]]) -> dict[str, Any]:
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)

    async def audit(*_: Any) -> None:
        return None

    async def never(*_: Any) -> bool:
        return False

    svc = Knowledge(KnowledgeRepository(sessions), KnowledgeSettings(), FakeClock(NOW), "Asia/Shanghai", audit,
                    DepartmentRepository(sessions), never)
    agent = Actor("bench-agent", frozenset({"agent"}))
    for _, q in queries[:30]:  # warm the pool and the caches
        await svc.search(agent, q, None, 20, 0)
    times: dict[str, list[float]] = {}
    found: dict[str, list[int]] = {}
    for kind, q in queries:
        t = time.perf_counter()
        _, total, _ = await svc.search(agent, q, None, 20, 0)
        times.setdefault(kind, []).append((time.perf_counter() - t) * 1000)
        found.setdefault(kind, []).append(total)
    await engine.dispose()
    everything = [x for xs in times.values() for x in xs]
    return {"kinds": {k: {**_pct(v), "median_hits": statistics.median(found[k])} for k, v in times.items()},
            "all": _pct(everything)}


def _pct(xs: list[float]) -> dict[str, float]:
    xs = sorted(xs)

    def at(p: float) -> float:
        return round(xs[min(len(xs) - 1, int(p * len(xs)))], 2)

    return {"n": len(xs), "p50": at(0.50), "p95": at(0.95), "p99": at(0.99), "max": round(xs[-1], 2)}


async def _pg_admin(base: str, sql: str) -> None:
    import asyncpg

    u = make_url(base.replace("postgresql://", "postgresql+asyncpg://", 1))
    conn = await asyncpg.connect(host=u.host or "127.0.0.1", port=u.port or 5432, user=u.username or "postgres",
                                 password=u.password, database=u.database or "postgres")
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def _one(db: str, args: argparse.Namespace, queries: list[tuple[str, str]]) -> dict[str, Any]:
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-"))
    name = "kb_bench_" + uuid.uuid4().hex[:10]
    try:
        if db == "sqlite":
            url = f"sqlite+aiosqlite:///{tmp / 'kb.db'}"
        else:
            await _pg_admin(args.pg, f'CREATE DATABASE "{name}"')
            url = (make_url(args.pg.replace("postgresql://", "postgresql+asyncpg://", 1)).set(database=name)
                   .render_as_string(hide_password=False))
        await asyncio.to_thread(upgrade, url)
        seeded = await _seed(url, args.entries)
        out = await _run(url, queries)
        return {"db": db, "entries": args.entries, "seed_seconds": round(seeded, 1), **out}
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        if db == "postgresql":
            await _pg_admin(args.pg, f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


async def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--entries", type=int, default=20_000)
    p.add_argument("--queries", type=int, default=600)
    p.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    p.add_argument("--pg", default=os.environ.get("CALLCENTER_TEST_DATABASE_URL",
                                                  "postgresql://postgres@127.0.0.1:5432/postgres"))
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    queries = _queries(random.Random(7), args.queries)
    load_before = os.getloadavg()
    results = [await _one(db, args, queries) for db in (("sqlite", "postgresql") if args.db == "both" else (args.db,))]
    load_after = os.getloadavg()
    machine = {"cpus": os.cpu_count(), "load_before": [round(x, 2) for x in load_before],
               "load_after": [round(x, 2) for x in load_after]}
    command = " ".join([".venv/bin/python", "bench/knowledge_search.py", *sys.argv[1:]])
    if args.json:
        print(json.dumps({"command": command, "machine": machine, "results": results}, indent=2, ensure_ascii=False))
    else:
        print(f"$ {command}")
        print(f"machine: {machine['cpus']} CPUs, load average {machine['load_before']} before, "
              f"{machine['load_after']} after")
        for r in results:
            print(f"\n{r['db']}: {r['entries']} entries (seeded in {r['seed_seconds']} s), {r['all']['n']} agent "
                  f"searches, milliseconds per search (Knowledge.search: SQL + ranking + highlights)")
            print(f"  {'kind':<7} {'n':>5} {'p50':>8} {'p95':>8} {'p99':>8} {'max':>8} {'hits (median)':>14}")
            for kind, v in r["kinds"].items():
                print(f"  {kind:<7} {v['n']:>5} {v['p50']:>8} {v['p95']:>8} {v['p99']:>8} {v['max']:>8} "
                      f"{v['median_hits']:>14}")
            a = r["all"]
            print(f"  {'all':<7} {a['n']:>5} {a['p50']:>8} {a['p95']:>8} {a['p99']:>8} {a['max']:>8}   "
                  f"target p95 <= {TARGET_P95_MS:g} ms: {'met' if a['p95'] <= TARGET_P95_MS else 'NOT MET'}")
    return 0 if all(r["all"]["p95"] <= TARGET_P95_MS for r in results) else 1


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
