"""The ownership rules of ARCHITECTURE.md "Adding things → A new panel", checked on the source (ast), so a
panel added later (or merged from an older branch) that breaks one fails here:

- a panel subscribes to its own service's status with ``bridge.status_of(name)``, never to the
  all-services ``bridge.status`` filtered by name (the status bar and the setup check show every service);
- nothing in ``gui/`` connects a lambda to a bridge signal (the bridge outlives panels and dialogs: a bound
  method's connection goes with its object, a lambda's does not);
- no panel keeps a ``services_changed`` hook: nothing calls it since issue 21 (a rebuilt service is
  announced by ``bridge.replaced_of(name)``), so such a hook is dead code that looks like a re-bind.
"""

from __future__ import annotations

import ast
from pathlib import Path

GUI = Path(__file__).resolve().parents[2] / "aischoco_gui" / "gui"


def _bridge_signal(node: ast.AST) -> str | None:
    """``bridge.x`` / ``self.bridge.x`` / ``bridge.status_of(...)`` → the signal's name, else None."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func
    if not isinstance(node, ast.Attribute):
        return None
    owner = node.value
    if isinstance(owner, ast.Name) and owner.id == "bridge":
        return node.attr
    if isinstance(owner, ast.Attribute) and owner.attr == "bridge":
        return node.attr
    return None


def violations(root: Path = GUI) -> list[str]:
    bad = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).as_posix()
        tree = ast.parse(path.read_text(encoding="utf-8"))
        in_panels = "panels" in path.parts
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "connect":
                signal = _bridge_signal(node.func.value)
                if signal is None:
                    continue
                if node.args and isinstance(node.args[0], ast.Lambda):
                    bad.append(f"{rel}:{node.lineno} connects a lambda to bridge.{signal}")
                if in_panels and signal == "status":
                    bad.append(f"{rel}:{node.lineno} listens to every status (use bridge.status_of(name))")
            if in_panels and isinstance(node, ast.FunctionDef) and node.name == "services_changed":
                bad.append(f"{rel}:{node.lineno} has a services_changed hook nothing calls (use replaced_of)")
    return bad


def test_panels_follow_the_ownership_rules():
    assert violations() == []


def test_the_checker_catches_each_rule(tmp_path):
    panels = tmp_path / "gui" / "panels"
    panels.mkdir(parents=True)
    (panels / "bad.py").write_text(
        "class P:\n"
        "    def __init__(self, services, bridge):\n"
        "        bridge.status.connect(self._on_status)\n"
        "        bridge.replaced_of('obs').connect(lambda: self.refresh())\n"
        "        self.bridge.notice.connect(lambda *a: None)\n"
        "    def services_changed(self, rebuilt, changed):\n"
        "        pass\n", encoding="utf-8")
    found = violations(tmp_path / "gui")
    assert len(found) == 4, found
