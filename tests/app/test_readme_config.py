"""The README's configuration tables tell the truth about ``settings.py`` and ``compose.py``.

- the configuration table (``| name | default | meaning |`` under "## Configuration") lists every
  setting by its environment name exactly once, and nothing that is not a setting;
- the live-apply table (``| applies live by | fields |``) puts each setting in the row that matches
  ``compose.FIELD_SERVICE`` / ``compose.IN_PLACE_FIELDS`` and the ``restart=`` metadata, each once.
"""

from __future__ import annotations

import fnmatch
import re
from collections import Counter
from pathlib import Path

from aischoco_gui import compose
from aischoco_gui.settings import setting_fields

README = Path(__file__).resolve().parents[2] / "README.md"
ENV_NAME = re.compile(r"`([A-Z][A-Z0-9_]*\*?)`")


def _section(text: str, heading: str) -> str:
    start = text.index(f"\n{heading}\n")
    end = text.find("\n## ", start + 1)
    return text[start:end if end >= 0 else None]


def _table(section: str, header: str) -> list[list[str]]:
    """The rows (cells) of the markdown table whose header line starts with ``header``."""
    lines = section.splitlines()
    i = next(n for n, line in enumerate(lines) if line.startswith(header))
    rows = []
    for line in lines[i + 2:]:
        if not line.startswith("|"):
            break
        rows.append([c.strip() for c in line.strip().strip("|").split("|")])
    return rows


def _envs() -> dict[str, str]:
    """Environment name → field name of every setting."""
    return {f.metadata["env"]: f.name for f in setting_fields()}


def _config_names() -> list[str]:
    rows = _table(_section(README.read_text(encoding="utf-8"), "## Configuration"), "| name | default | meaning |")
    return [n for row in rows for n in ENV_NAME.findall(row[0])]


def test_configuration_table_lists_every_setting_once() -> None:
    names = _config_names()
    envs = _envs()
    missing = sorted(set(envs) - set(names))
    twice = sorted(n for n, c in Counter(names).items() if c > 1)
    unknown = sorted(set(names) - set(envs) - {"AISCHOCO_HOME"})  # AISCHOCO_HOME picks the folders, not a field
    assert not missing, f"settings missing from the README configuration table: {missing}"
    assert not twice, f"listed more than once in the README configuration table: {twice}"
    assert not unknown, f"README configuration table names no setting: {unknown}"


def _row_kind(label: str) -> str:
    if label.startswith("in place"):
        return "in place"
    if "restart" in label:
        return "restart"
    m = re.search(r"rebuilding \*\*(\w+)\*\*", label)
    assert m, f"unknown live-apply row: {label!r}"
    return m.group(1)


def _expected_kind(field) -> str:
    if field.name in compose.IN_PLACE_FIELDS:
        return "in place"
    if field.name in compose.FIELD_SERVICE:
        return compose.FIELD_SERVICE[field.name]
    return "restart"


def test_live_apply_table_matches_compose_and_restart_metadata() -> None:
    rows = _table(_section(README.read_text(encoding="utf-8"), "## Configuration"), "| applies live by | fields |")
    envs = _envs()
    placed: dict[str, list[str]] = {}
    for label, cells in rows:
        kind = _row_kind(label)
        for pattern in ENV_NAME.findall(cells):
            hits = fnmatch.filter(envs, pattern) if "*" in pattern else [pattern]
            assert hits and all(h in envs for h in hits), f"{pattern!r} in the live-apply table is no setting"
            for env in hits:
                placed.setdefault(env, []).append(kind)
    fields = {f.name: f for f in setting_fields()}
    wrong = {}
    for env, name in envs.items():
        f = fields[name]
        expected = _expected_kind(f)
        # restart= metadata and compose agree: a live field has a service or applies in place
        assert (expected == "restart") == bool(f.metadata["restart"]), f"{env}: restart= vs compose disagree"
        if placed.get(env) != [expected]:
            wrong[env] = (placed.get(env), expected)
    assert not wrong, f"README live-apply table (listed, expected): {wrong}"
