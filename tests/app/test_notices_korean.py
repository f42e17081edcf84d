"""Notices the core shows in the status bar are Korean in the Korean UI (they were English log text)."""

from __future__ import annotations

import importlib
import re

import pytest

from aischoco_gui.i18n import set_language, tr

NOTICES = {
    "aischoco_gui.tts.backend": ("tts.notice.fallback", {"name": "remote", "why": "x", "next": "system"}),
    "aischoco_gui.tts.speaker": ("tts.notice.no_output", {"error": "x"}),
    "aischoco_gui.tts.worker": ("tts.notice.worker_exit", {"code": 1, "delay": "0.5"}),
    "aischoco_gui.audio.output": ("audio.notice.back", {"label": "x"}),
    "aischoco_gui.llm.factory": ("llm.notice.memory_settings", {"keep": 1, "threshold": 2, "hard": 3}),
    "aischoco_gui.chat.rehearsal": ("chat.notice.replay_done", {"n": 3}),
    "aischoco_gui.pipeline.pipeline": ("pipeline.notice.panic", {}),
}


@pytest.mark.parametrize("module", sorted(NOTICES))
def test_core_notice_is_korean_in_korean_mode(module):
    importlib.import_module(module)  # registers its strings
    key, kw = NOTICES[module]
    try:
        set_language("ko")
        ko = tr(key, **kw)
        set_language("en")
        en = tr(key, **kw)
    finally:
        set_language("ko")
    assert re.search(r"[가-힣]", ko) and ko != en and not re.search(r"[가-힣]", en)
