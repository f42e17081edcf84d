"""Crash reports: written to <logs>/crash-*.txt with traceback, version, log tail; secrets redacted."""

from __future__ import annotations

import re
import sys
from datetime import datetime

from aischoco_gui import __version__
from aischoco_gui.app import install_exception_hooks
from aischoco_gui.crash import CrashReporter, redact, write_crash_report
from aischoco_gui.events import EventBus
from aischoco_gui.logging_setup import LOG_FILE, redactor

SECRET = "gsk_supersecretvalue1234567890"
OTHER = "hunter2-client-secret"


def _boom(msg: str) -> BaseException:
    try:
        raise ValueError(msg)
    except ValueError as e:
        return e


def test_report_has_traceback_version_log_tail_and_no_secrets(tmp_path):
    (tmp_path / LOG_FILE).write_text("\n".join(f"line {i}" for i in range(500)) + f"\nkey was {OTHER}\n",
                                     encoding="utf-8")
    exc = _boom(f"request failed with Authorization: Bearer {SECRET} and sk-abcdefghijklmnop and {OTHER}")
    path = write_crash_report(tmp_path, exc, secrets=[OTHER], now=datetime(2026, 1, 2, 3, 4, 5))
    assert path.name == "crash-20260102-030405.txt"
    text = path.read_text(encoding="utf-8")
    assert f"version: {__version__}" in text and "platform:" in text
    assert "ValueError" in text and "_boom" in text  # the traceback
    assert "line 499" in text and "line 10\n" not in text  # only the recent tail
    assert SECRET not in text and "sk-abcdefghijklmnop" not in text and OTHER not in text
    assert "Bearer ***" in text or "Authorization: ***" in text
    assert redact(f"GET /x Bearer {SECRET}") == "GET /x Bearer ***"
    again = write_crash_report(tmp_path, exc, now=datetime(2026, 1, 2, 3, 4, 5))
    assert again != path and again.exists()  # same second: a new file, nothing overwritten


def test_redact_patterns_and_log_redactor_values():
    redactor.add("registered-secret-xyz")
    try:
        out = redact('{"api_key": "abcd1234efgh"} password=letmein123 registered-secret-xyz gsk_ABCDEFGH12345678')
    finally:
        redactor.secrets.remove("registered-secret-xyz")
    assert "abcd1234efgh" not in out and "letmein123" not in out and "registered-secret-xyz" not in out
    assert "ABCDEFGH12345678" not in out
    assert redact("nothing secret here, sk-short") == "nothing secret here, sk-short"


def test_reporter_rate_limits(tmp_path):
    rep = CrashReporter(tmp_path, secrets=[SECRET])
    assert rep.report(_boom("one")) is not None
    assert rep.report(_boom("two")) is None  # within MIN_INTERVAL_S
    assert len(list(tmp_path.glob("crash-*.txt"))) == 1


def test_excepthook_writes_report_and_offers_it(tmp_path):
    bus = EventBus()
    offered = []
    old = sys.excepthook
    try:
        install_exception_hooks(bus, CrashReporter(tmp_path, secrets=[SECRET]), offered.append)
        exc = _boom(f"token {SECRET}")
        sys.excepthook(type(exc), exc, exc.__traceback__)
    finally:
        sys.excepthook = old
    assert len(offered) == 1 and offered[0].exists()
    text = offered[0].read_text(encoding="utf-8")
    assert SECRET not in text and re.search(r"ValueError: token \*\*\*", text)


def test_crash_notice_is_non_modal(qtbot, tmp_path):
    from PySide6.QtWidgets import QWidget

    from aischoco_gui.gui.desktop import show_crash_notice

    parent = QWidget()
    qtbot.addWidget(parent)
    box = show_crash_notice(parent, tmp_path / "crash-1.txt")
    assert box.isVisible() and not box.isModal()
    assert show_crash_notice(parent, tmp_path / "crash-2.txt") is box  # one box, updated
    assert "crash-2.txt" in box.text()
    box.close()
