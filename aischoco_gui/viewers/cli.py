"""``aischoco viewers list|show ID|note ID TEXT|forget ID|export FILE.json|import FILE.json``.

The same entry point as the app (``__main__`` dispatches here before anything of Qt is imported), and
it works while the app runs: it takes no single-instance lock and opens the SQLite file on its own
connection (WAL; a write waits up to 5 s for the app's writer, which commits in well under that).
Errors go to stderr in the UI language with exit status 1; a wrong command line exits with 2.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any, TextIO

from aischoco_gui.i18n import set_language, tr
from aischoco_gui.paths import atomic_write_text, user_dirs
from aischoco_gui.viewers import strings  # noqa: F401  (registers the text used below)
from aischoco_gui.viewers.describe import card_lines, day, fact_line
from aischoco_gui.viewers.exchange import ImportProblem, card_to_json, export_document, parse_document
from aischoco_gui.viewers.store import (
    SORTS,
    VIEWERS_FILE,
    ViewerError,
    ViewerStore,
    open_store,
)


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="aischoco viewers", description=tr("viewers.cli.help"))
    p.add_argument("--lang", choices=("ko", "en"), help="message language (default: UI_LANGUAGE, else ko)")
    sub = p.add_subparsers(dest="command", required=True)
    ls = sub.add_parser("list", help="list viewers (pinned first)")
    ls.add_argument("--sort", choices=SORTS, default="last_seen")
    ls.add_argument("--search", default="", help="part of a nickname, or an ID")
    ls.add_argument("--limit", type=int, default=100)
    ls.add_argument("--json", action="store_true", help="one JSON object per line")
    sh = sub.add_parser("show", help="one viewer's whole card")
    sh.add_argument("id", help="the ID from `list` (chzzk:…); a bare CHZZK channel id works too")
    sh.add_argument("--json", action="store_true")
    no = sub.add_parser("note", help="set the streamer's note (\"\" clears it)")
    no.add_argument("id")
    no.add_argument("text")
    fo = sub.add_parser("forget", help="delete the card, its facts and nicknames for good")
    fo.add_argument("id")
    ex = sub.add_parser("export", help="write every card to a JSON file")
    ex.add_argument("file", type=Path)
    im = sub.add_parser("import", help="read cards from an export (a card with the same ID is replaced)")
    im.add_argument("file", type=Path)
    return p


def _attach_console() -> None:
    """The Windows app is built windowed (no console): write to the console it was started from."""
    if os.name != "nt" or sys.stdout is not None:
        return
    try:
        import ctypes  # noqa: PLC0415

        if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
            sys.stdout = open("CONOUT$", "w", encoding="utf-8")  # noqa: SIM115 (lives as long as the process)
            sys.stderr = sys.stdout
    except (OSError, AttributeError):
        pass


def _language(requested: str | None) -> str:
    if requested:
        return requested
    env = os.environ.get("UI_LANGUAGE", "").strip()
    if env in ("ko", "en"):
        return env
    try:  # the language the streamer chose in the settings dialog
        from aischoco_gui.settings import load_settings_report  # noqa: PLC0415

        return load_settings_report(user_dirs(), use_keyring=False)[0].ui_language
    except Exception:
        return "ko"


def main(argv: list[str] | None = None, *, out: TextIO | None = None, err: TextIO | None = None,
         db: Path | None = None) -> int:
    _attach_console()
    out = out or sys.stdout
    err = err or sys.stderr
    for stream in (out, err):
        if hasattr(stream, "reconfigure"):
            try:
                stream.reconfigure(errors="replace")
            except (ValueError, OSError):
                pass
    args = parser().parse_args(argv)
    set_language(_language(args.lang))
    path = db or user_dirs().history / VIEWERS_FILE

    def say(text: str) -> None:
        if out is not None:
            print(text, file=out)

    try:
        return COMMANDS[args.command](args, path, say)
    except (ViewerError, ImportProblem) as e:
        if err is not None:
            print(f"aischoco viewers: {e}", file=err)
        return 1


def _with_store(path: Path, fn: Callable[[ViewerStore], int], *, read_only: bool = False) -> int:
    store = ViewerStore.open_existing(path, read_only=read_only)
    try:
        return fn(store)
    finally:
        store.close()


def cmd_list(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    if not path.exists():
        say(tr("viewers.cli.none", path=path))
        return 0

    def run(st: ViewerStore) -> int:
        rows = st.search(args.search, args.sort, max(1, args.limit) + 1)
        shown = rows[: max(1, args.limit)]
        if args.json:
            for r in shown:
                say(json.dumps({"id": r.key, "nickname": r.nickname, "last_seen": r.last_seen, "shows": r.shows,
                                "messages": r.messages, "donation_total": r.donation_total, "pinned": r.pinned},
                               ensure_ascii=False))
            return 0
        if not shown:
            say(tr("viewers.cli.none", path=path))
            return 0
        say(tr("viewers.cli.header"))
        for r in shown:
            say("\t".join((r.key, r.nickname, day(r.last_seen), str(r.shows), str(r.messages),
                           f"₩{r.donation_total:,}", "📌" if r.pinned else "")))
        if len(rows) > len(shown):
            say(tr("viewers.cli.more", n=len(shown)))
        return 0

    return _with_store(path, run, read_only=True)


def cmd_show(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    def run(st: ViewerStore) -> int:
        card = st.get(st.resolve(args.id))
        assert card is not None
        if args.json:
            say(json.dumps(card_to_json(card), ensure_ascii=False, indent=1))
            return 0
        for label, value in card_lines(card):
            say(f"{label}: {value}")
        say(f"{tr('viewers.card.facts')}:")
        for i, f in enumerate(reversed(card.facts), 1):
            say(f"  {i}. {fact_line(f.text, f.at, f.source)}")
        if not card.facts:
            say(f"  {tr('viewers.card.none')}")
        return 0

    return _with_store(path, run, read_only=True)


def cmd_note(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    def run(st: ViewerStore) -> int:
        key = st.resolve(args.id)
        with st.transaction():
            st.set_note(key, args.text)
        card = st.get(key, nicknames=False)
        say(tr("viewers.cli.noted" if args.text.strip() else "viewers.cli.note_cleared", nick=card.nickname, id=key))
        return 0

    return _with_store(path, run)


def cmd_forget(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    def run(st: ViewerStore) -> int:
        key = st.resolve(args.id)
        nick = st.get(key, nicknames=False).nickname
        with st.transaction():
            st.forget(key)
        clean = st.checkpoint()
        say(tr("viewers.cli.forgotten", nick=nick, id=key))
        if not clean:
            say(tr("viewers.cli.checkpoint_busy"))
        return 0

    return _with_store(path, run)


def cmd_export(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    def run(st: ViewerStore) -> int:
        doc = export_document(st.all_cards())
        try:
            atomic_write_text(args.file, json.dumps(doc, ensure_ascii=False, indent=1) + "\n")
        except OSError as e:
            raise ViewerError(tr("viewers.error.write", path=args.file, error=e.strerror or e)) from e
        say(tr("viewers.cli.exported", n=len(doc["viewers"]), path=args.file))
        return 0

    return _with_store(path, run, read_only=True)


def cmd_import(args: argparse.Namespace, path: Path, say: Callable[[str], None]) -> int:
    try:
        raw = args.file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as e:
        raise ViewerError(tr("viewers.error.read", path=args.file, error=getattr(e, "strerror", None) or e)) from e
    try:
        doc: Any = json.loads(raw)
    except ValueError as e:
        raise ViewerError(tr("viewers.error.import", path=args.file, error=f"not JSON ({e})")) from e
    try:
        cards = parse_document(doc)
    except ImportProblem as e:
        raise ViewerError(tr("viewers.error.import", path=args.file, error=e)) from e
    opened = open_store(path, check=False) if not path.exists() else None
    store = opened.store if opened is not None else ViewerStore.open_existing(path)
    try:
        replaced = 0
        with store.transaction():
            for c in cards:
                replaced += store.put_card(c)
    finally:
        store.close()
    say(tr("viewers.cli.imported", added=len(cards) - replaced, replaced=replaced, path=args.file))
    return 0


COMMANDS: dict[str, Callable[[argparse.Namespace, Path, Callable[[str], None]], int]] = {
    "list": cmd_list, "show": cmd_show, "note": cmd_note, "forget": cmd_forget, "export": cmd_export,
    "import": cmd_import,
}
