"""The show tools are a Qt-free feature folder: they import only the bottom layer and themselves."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import aischoco_gui

SHOW = Path(aischoco_gui.__file__).parent / "show"
ALLOWED = {"aischoco_gui.events", "aischoco_gui.i18n", "aischoco_gui.paths", "aischoco_gui.tasks",
           "aischoco_gui.text", "aischoco_gui.show", "aischoco_gui.user_text"}


def test_show_imports_only_the_bottom_layer():
    bad = []
    for f in sorted(SHOW.glob("*.py")):
        for node in ast.walk(ast.parse(f.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            for n in names:
                if n.startswith(("aischoco_gui", "PySide6", "qasync")) and not any(
                        n == a or n.startswith(a + ".") for a in ALLOWED):
                    bad.append(f"{f.name}: {n}")
    assert bad == []


def test_importing_the_show_tools_loads_no_qt():
    code = ("import sys, aischoco_gui.show.thanks, aischoco_gui.show.idle_talk, aischoco_gui.show.run_sheet, "
            "aischoco_gui.show.echo, aischoco_gui.show.lines; "
            "print(sorted(m for m in sys.modules if m.startswith(('PySide6', 'qasync', 'aischoco_gui.pipeline'))))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
