"""The house's shape (issue 13; docs/architecture.md), checked on the source so a change that breaks it fails
here, named by file and line: one package talks AMI, one notifier per topic talks to browsers, routes take
typed dependencies, services do not register themselves, and every domain lives inside ``callcenter``."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "callcenter"
SOURCES = sorted(PACKAGE.rglob("*.py"))
# registering on another component (AMI dispatcher, the ACD's listeners, the tracker's watchers, auth changes)
REGISTERING = {"listen", "watch", "on", "on_change", "on_connect", "route", "subscribe", "add_handler"}


def _rel(path: Path) -> str:
    return str(path.relative_to(ROOT))


def _trees() -> list[tuple[Path, ast.Module]]:
    return [(p, ast.parse(p.read_text(), str(p))) for p in SOURCES]


def _imports(tree: ast.Module) -> list[tuple[int, str]]:
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out += [(node.lineno, a.name) for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.append((node.lineno, node.module))
    return out


def test_only_the_asterisk_package_imports_panoramisk() -> None:
    found = [f"{_rel(p)}:{line}" for p, tree in _trees() for line, name in _imports(tree)
             if name.split(".")[0] == "panoramisk" and not p.is_relative_to(PACKAGE / "asterisk")]
    assert found == []


def test_every_domain_is_inside_the_callcenter_package() -> None:
    """No second top-level package beside ``callcenter`` that it would import (the old ``ivr`` circle)."""
    packages = sorted(d.name for d in ROOT.iterdir()
                      if d.is_dir() and (d / "__init__.py").exists() and d.name not in {"callcenter", "tests"})
    assert packages == []


def test_browsers_are_told_only_through_the_typed_notifiers() -> None:
    """Nothing but ``realtime/notify.py`` calls ``Hub.publish``: every message kind has one typed method there."""
    notify = PACKAGE / "realtime" / "notify.py"
    found = []
    for p, tree in _trees():
        if p == notify:
            continue
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "publish"
                    and "hub" in ast.unparse(node.func.value).lower()):
                found.append(f"{_rel(p)}:{node.lineno}: {ast.unparse(node)[:80]}")
    assert found == []


def test_routes_take_typed_dependencies_not_app_state() -> None:
    """Only ``callcenter/deps.py`` (the providers behind ``XDep``) reads the stack's services off the app."""
    deps = PACKAGE / "deps.py"
    found = [f"{_rel(p)}:{node.lineno}" for p, tree in _trees() if p != deps for node in ast.walk(tree)
             if isinstance(node, ast.Attribute) and node.attr == "services"
             and ast.unparse(node.value).endswith("app.state")]
    assert found == []


def test_no_service_registers_itself_in_its_constructor() -> None:
    """Subscriptions and listeners are registered by the domain's wiring, not by ``__init__`` of a service."""
    found = []
    for p, tree in _trees():
        for cls in (n for n in ast.walk(tree) if isinstance(n, ast.ClassDef)):
            for init in (n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == "__init__"):
                for node in ast.walk(init):
                    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                            and node.func.attr in REGISTERING and not (isinstance(node.func.value, ast.Name)
                                                                       and node.func.value.id == "self")):
                        found.append(f"{_rel(p)}:{node.lineno}: {cls.name}.__init__ calls {ast.unparse(node)[:60]}")
    assert found == []
