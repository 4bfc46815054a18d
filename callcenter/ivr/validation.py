"""Checks run when a flow is published; each problem names the node it is about."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from callcenter.errors import EN, ZH
from callcenter.ivr.flowdef import (
    EXIT_KINDS,
    FlowDef,
    LanguageNode,
    MenuNode,
    QueueNode,
    TransferNode,
    prompts,
    targets,
)
from callcenter.outside_numbers import NUMBER, OutsideUse

# a seat's number, as the dialplan's IVR transfer (Local/<seat>@agents) accepts it
SEAT = re.compile(r"[0-9]{2,16}")


@dataclass(frozen=True)
class Problem:
    """One reason a flow cannot be published, in both UI languages (``message`` is the English; the page shows
    ``messages[<its language>]``). A problem pydantic finds in the document's shape keeps pydantic's English text
    in both (like ``request.invalid``); the flow checks below have their own Chinese wording."""

    node: str | None  # None: about the flow as a whole
    message: str
    zh: str = ""

    def as_dict(self) -> dict[str, Any]:
        return {"node": self.node, "message": self.message,
                "messages": {EN: self.message, ZH: self.zh or self.message}}


# the edges of a node (flowdef.targets names them in English) in Chinese
_EDGE_ZH = {"default": "默认", "next": "下一步", "fallback": "备用", "open": "营业时间内", "closed": "非营业时间",
            "found": "查到客户", "not found": "查无客户", "vip": "VIP"}


def _edge_zh(what: str) -> str:
    if what.startswith("option "):
        return f"按键 {what.removeprefix('option ')} "
    return _EDGE_ZH.get(what, what)


PromptExists = Callable[[str, str], bool]  # (prompt name, language) → exists


def parse_flow(doc: dict[str, Any]) -> tuple[FlowDef | None, list[Problem]]:
    try:
        return FlowDef.model_validate(doc), []
    except ValidationError as e:
        problems = []
        for err in e.errors():
            loc = [str(p) for p in err["loc"]]
            node = loc[1] if len(loc) >= 2 and loc[0] == "nodes" else None
            # drop the discriminator tag pydantic puts in the path (nodes.x.menu.prompt → prompt)
            rest = loc[3:] if node is not None and len(loc) > 2 else loc
            where = ".".join(rest)
            msg = err["msg"].removeprefix("Value error, ")
            problems.append(Problem(node, f"{where}: {msg}" if where else msg))
        return None, problems


def _transfer_problem(nid: str, node: TransferNode, outside: OutsideUse | None) -> Problem | None:
    """A transfer node's target: a seat (2-16 digits), or an outside number the IVR is allowed to reach."""
    target = node.target
    if node.target_type == "extension":
        if SEAT.fullmatch(target):
            return None
        return Problem(nid, f"extension {target!r} is not a seat number (2-16 digits); a number over the trunk is "
                            "an outside number",
                       f"分机 {target!r} 不是座席号码（2-16 位数字）；外线号码请选择外部号码")
    if not NUMBER.fullmatch(target):
        return Problem(nid, f"outside number {target!r} must be 3-20 digits as dialled on the trunk (no +)",
                       f"外部号码 {target!r} 必须是外线拨打的 3-20 位数字（不带 +）")
    if outside is not None and outside.allows(target):
        return None
    allowed = ", ".join(outside.allowed) if outside is not None and outside.allowed else "none"
    allowed_zh = "、".join(outside.allowed) if outside is not None and outside.allowed else "无"
    return Problem(nid, f"outside number {target} is not allowed for the IVR (allowed: {allowed}; the admin sets "
                        "them in outside_numbers.ivr)",
                   f"外部号码 {target} 不允许由 IVR 转接（允许的号码：{allowed_zh}；"
                   "由管理员在 outside_numbers.ivr 中设置）")


def validate(doc: dict[str, Any], *, queues: set[str], prompt_exists: PromptExists,
             outside: OutsideUse | None = None,
             queue_prompts: Callable[[str], list[str]] | None = None) -> list[Problem]:
    """Every problem that stops a flow from being published (empty list = publishable). ``outside``: the outside
    numbers a transfer node may reach (settings ``outside_numbers.ivr``; None: none). ``queue_prompts(queue)``: the
    prompts a caller sent to that queue hears besides the flow's own (the post-call survey's)."""
    flow, problems = parse_flow(doc)
    if flow is None:
        return problems
    nodes = flow.nodes
    if flow.start not in nodes:
        problems.append(Problem(None, f"start node {flow.start!r} does not exist",
                                f"起始节点 {flow.start!r} 不存在"))

    for nid, node in nodes.items():
        for what, target in targets(node):
            if target not in nodes:
                problems.append(Problem(nid, f"{what} leads to {target!r}, which does not exist",
                                        f"{_edge_zh(what)}指向的节点 {target!r} 不存在"))
        if isinstance(node, MenuNode):
            dup = sorted(d for d, n in Counter(o.digit for o in node.options).items() if n > 1)
            if dup:
                problems.append(Problem(nid, f"digit(s) {', '.join(dup)} used for more than one option",
                                        f"按键 {'、'.join(dup)} 用于多个选项"))
            if not node.options:
                problems.append(Problem(nid, "a menu needs at least one option", "菜单至少需要一个选项"))
        if isinstance(node, TransferNode):
            problem = _transfer_problem(nid, node, outside)
            if problem is not None:
                problems.append(problem)
        if node.kind == "queue" and node.queue not in queues:
            problems.append(Problem(nid, f"queue {node.queue!r} does not exist "
                                         f"(known: {', '.join(sorted(queues)) or 'none'})",
                                    f"队列 {node.queue!r} 不存在（已有：{'、'.join(sorted(queues)) or '无'}）"))

    # every path reaches an exit. A node is "safe" when: it is an exit; it is a menu (the caller chooses)
    # with at least one safe way out — a menu without a default hangs up when its retries are used up;
    # or it is play/language/hours (the system chooses) and *every* way out is safe, so an after-hours
    # branch that comes back to the same hours check is a loop.
    safe = {nid for nid, n in nodes.items() if n.kind in EXIT_KINDS}
    safe |= {nid for nid, n in nodes.items() if isinstance(n, MenuNode) and n.default is None}
    changed = True
    while changed:
        changed = False
        for nid, n in nodes.items():
            if nid in safe:
                continue
            outs = [t for _, t in targets(n)]
            ok = any(t in safe for t in outs) if isinstance(n, MenuNode) else bool(outs) and all(
                t in safe for t in outs)
            if ok:
                safe.add(nid)
                changed = True
    for nid in _reachable(flow):
        if nid not in safe:
            problems.append(Problem(nid, "no path from here reaches an exit (queue, voicemail, transfer, hangup): "
                                         "a caller would loop forever",
                                    "从这里出发没有任何路径到达出口（队列、留言、转接、挂机）：来电者会无限循环"))
            continue
        for what, t in targets(nodes[nid]):
            if t in nodes and t not in safe:
                problems.append(Problem(nid, f"{what} leads to {t!r}, from which no path reaches an exit",
                                        f"{_edge_zh(what)}指向 {t!r}，从那里没有任何路径到达出口"))

    languages = {flow.language} | {n.language for n in nodes.values() if isinstance(n, LanguageNode)}
    for nid, node in nodes.items():
        extra = queue_prompts(node.queue) if queue_prompts is not None and isinstance(node, QueueNode) else []
        for p in (*prompts(node), *extra):
            missing = sorted(lang for lang in languages if not prompt_exists(p, lang))
            if missing:
                problems.append(Problem(nid, f"prompt {p!r} is missing in language(s): {', '.join(missing)}",
                                        f"提示音 {p!r} 缺少以下语言的版本：{'、'.join(missing)}"))
    return list(dict.fromkeys(problems))  # de-duplicated, in order


def _reachable(flow: FlowDef) -> list[str]:
    if flow.start not in flow.nodes:
        return []
    order, stack, seen = [], [flow.start], {flow.start}
    while stack:
        nid = stack.pop()
        order.append(nid)
        for _, t in targets(flow.nodes[nid]):
            if t in flow.nodes and t not in seen:
                seen.add(t)
                stack.append(t)
    return order
