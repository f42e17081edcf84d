"""The reply card's "who wrote this" line is honest and Korean (issue 23): a thanks made without an LLM
says template (not "자동 / 설정 안 함 · 0.00초"); the notes on a draft read in the UI language."""

from __future__ import annotations

import re

from aischoco_gui.i18n import set_language
from aischoco_gui.models import Reply


def test_meta_line_names_a_template_and_the_llm_honestly(qapp):
    from aischoco_gui.gui.panels.reply_panel import reply_meta

    set_language("ko")
    t = reply_meta(Reply(text="고마워요!", emotion="happy", provider="template"))
    assert "템플릿" in t and "0.00" not in t and "자동" not in t and "설정 안 함" not in t
    assert reply_meta(Reply(text="x", provider="groq", model="openai/gpt-oss-120b", latency_s=0.5)) == \
        "Groq openai/gpt-oss-120b · 0.50초"
    assert "0.00" not in reply_meta(Reply(text="x", provider="groq", model="m"))  # no time measured: none shown
    assert reply_meta(Reply(text="x")) == ""


def test_draft_notes_read_in_korean(qapp):
    from aischoco_gui.gui.panels.reply_panel import reply_meta

    set_language("ko")
    notes = ["JSON repaired (answer was cut off)", "unknown emotion 'joyous' → neutral", "reasoning text ignored",
             "stream ended early; reply may be cut off", "flagged: banned word: 바보",
             "trimmed: 512 → 298 characters (REPLY_MAX_CHARS)", "answer was not JSON; used as plain text",
             "no emotion → neutral", "model broke the JSON schema; recovered its text"]
    text = reply_meta(Reply(text="x", provider="groq", model="m", latency_s=1.0, notes=notes))
    lines = text.splitlines()[1:]
    assert len(lines) == len(notes)
    for line in lines:
        assert re.search(r"[가-힣]", line), line
        assert not re.search(r"\b(repaired|ignored|flagged|trimmed|answer|stream|unknown|banned)\b", line), line
    assert "바보" in text and "보통" in text  # the word itself and the emotion by its Korean name
