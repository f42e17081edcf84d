"""The layer rules of DESIGN.md §2, checked on the source (ast), so a wrong import fails CI.

Bottom: shared models, events and small policies. ``audio/`` is a bottom-layer utility package
(PCM helpers, ring buffer, the output sink) that adapters may use. Middle: the adapters, side by
side — none imports another, the pipeline, a feature, the composition root or Qt. Above: the
pipeline and feature folders (``tarot/``, ``viewers/``). Top: ``compose``, ``gui/``, ``app``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PKG = Path(__file__).resolve().parents[2] / "aischoco_gui"
ADAPTERS = ("chat", "llm", "tts", "stt", "vts", "overlay", "obs")
BOTTOM = {"events", "models", "text", "i18n", "paths", "tasks", "settings", "protocols", "logging_setup",
          "frozen", "audio", "wordfilter", "homoglyphs_table", "net", "settings_text", ""}  # "": the package itself
BOTTOM.add("hotkeys")  # key names of the held mic keys (settings validation and the Windows poller)
BOTTOM.add("lockdown_spec")  # LOCKDOWN_CHAT's forms and CHZZK's allowed values (settings validation, lockdown)
# record/: the recorder, its format, the turn comparison and the report sit above the adapters (they import
# none, nor anything above them); the replay runner, its thread job and the CLI are top level like compose
# (they build the pipeline with compose.build_services).
RECORD_TOP = {"aischoco_gui.record.replay", "aischoco_gui.record.job", "aischoco_gui.record.cli"}
BOTTOM.add("user_text")  # what a failure means for the streamer, in the UI language (i18n only)
BOTTOM.add("threads")  # LoopPost / join_thread: worker threads that end with their owner (issue 21)
BOTTOM.add("heap")  # malloc_trim after a large one-off build (issue 27: the token table)
QT = ("PySide6", "qasync", "shiboken6")
FEATURES = ("pipeline", "tarot", "lockdown", "viewers")  # above the adapters: they use them only through protocols


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PKG.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path) -> set[str]:
    """Every module the file imports, at any depth (TYPE_CHECKING and lazy imports included)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    me = module_name(path)
    pkg = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = pkg.split(".")[: len(pkg.split(".")) - (node.level - 1)]
                base = ".".join([*parts, base] if base else parts)
            out.add(base)
            out.update(f"{base}.{a.name}" for a in node.names)
    return out


def sources() -> dict[str, Path]:
    return {module_name(p): p for p in PKG.rglob("*.py")}


def top_part(mod: str) -> str:
    """``aischoco_gui.tts.speaker`` → ``tts``; ``aischoco_gui.models`` → ``models``."""
    parts = mod.split(".")
    return parts[1] if len(parts) > 1 else ""


def internal_graph() -> dict[str, set[str]]:
    mods = sources()
    graph: dict[str, set[str]] = {}
    for name, path in mods.items():
        graph[name] = {i for i in imports_of(path) if i in mods and i != name and i != "aischoco_gui"}
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    WHITE, GREY, BLACK = 0, 1, 2
    colour = dict.fromkeys(graph, WHITE)
    stack: list[str] = []

    def visit(n: str) -> list[str] | None:
        colour[n] = GREY
        stack.append(n)
        for m in sorted(graph[n]):
            if colour[m] == GREY:
                return [*stack[stack.index(m):], m]
            if colour[m] == WHITE and (c := visit(m)):
                return c
        stack.pop()
        colour[n] = BLACK
        return None

    for n in sorted(graph):
        if colour[n] == WHITE and (c := visit(n)):
            return c
    return None


def violations() -> list[str]:
    bad = []
    mods = sources()
    for name, path in sorted(mods.items()):
        layer = top_part(name)
        for imp in sorted(imports_of(path)):
            if layer in ADAPTERS and imp == "aischoco_gui.settings.Settings":  # their own config (service_config)
                bad.append(f"adapter {name} imports {imp} (take a config dataclass, not Settings)")
            if imp not in mods and imp.rpartition(".")[0] in mods:
                continue  # a name imported from a module (``from x import Name``); the module is listed too
            if imp.split(".")[0] in QT and layer not in ("gui", "app"):
                bad.append(f"{name} imports {imp} (Qt outside gui/ and app.py)")
            if not imp.startswith("aischoco_gui"):
                continue
            target = top_part(imp)
            if layer in ADAPTERS and target != layer and target not in BOTTOM:
                bad.append(f"adapter {name} imports {imp}")
            if layer in BOTTOM and layer and target not in BOTTOM:
                bad.append(f"bottom-layer {name} imports {imp}")
            if layer in FEATURES and target in ADAPTERS:
                bad.append(f"{name} imports adapter {imp} (use the protocols)")
            if layer in FEATURES and target in ("compose", "gui", "app"):
                bad.append(f"{name} imports the layer above it: {imp}")
            if layer == "record" and name not in RECORD_TOP and (
                    target in (*ADAPTERS, "compose", "gui", "app") or imp in RECORD_TOP):
                bad.append(f"{name} imports {imp} (the recorder and report stay above the adapters, below compose)")
            if layer == "record" and target == "gui":
                bad.append(f"{name} imports {imp} (record/ is Qt-free)")
            if layer == "pipeline" and target == "viewers":
                bad.append(f"{name} imports the viewers feature: {imp} (use protocols.ViewerMemory)")
    return bad


def test_adapters_stand_side_by_side():
    assert violations() == []


def test_no_import_cycles():
    assert find_cycle(internal_graph()) is None


@pytest.mark.parametrize("line", [
    "from aischoco_gui.viewers.memory import ViewerMemory",
    "from aischoco_gui.pipeline.approval import Draft",
    "from aischoco_gui.llm.client import LLMClient",
    "from aischoco_gui import compose",
    "from PySide6.QtCore import QObject",
    "from aischoco_gui.settings import Settings",
])
def test_the_checker_catches_a_wrong_import(tmp_path, monkeypatch, line):
    """An adapter file with one forbidden import is reported (the rules above can fail)."""
    fake = tmp_path / "aischoco_gui"
    (fake / "tts").mkdir(parents=True)
    (fake / "tts" / "bad.py").write_text(line + "\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["PKG"]), "PKG", fake)
    assert violations(), line


def test_the_checker_catches_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]


@pytest.mark.parametrize(("folder", "line"), [
    ("llm", "from aischoco_gui.viewers.card import prompt_card"),  # the card reaches the LLM as message data
    ("pipeline", "from aischoco_gui.viewers.memory import ViewerMemory"),  # the pipeline sees a Protocol
    ("viewers", "from aischoco_gui.llm.tokens import TokenCounter"),
    ("viewers", "from aischoco_gui import compose"),
    ("viewers", "from PySide6.QtCore import QObject"),
])
def test_viewer_memory_stays_a_feature(tmp_path, monkeypatch, folder, line):
    fake = tmp_path / "aischoco_gui"
    (fake / folder).mkdir(parents=True)
    (fake / folder / "bad.py").write_text(line + "\n", encoding="utf-8")
    monkeypatch.setattr(__import__(__name__, fromlist=["PKG"]), "PKG", fake)
    assert violations(), (folder, line)
