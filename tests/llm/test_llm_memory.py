"""Conversation memory: o200k from the shipped file, window arithmetic, background summaries, persistence."""

from __future__ import annotations

import asyncio
import json
import socket

import pytest

from aischoco_gui.llm.generator import SUMMARY_PROMPT
from aischoco_gui.llm.memory import ConversationMemory
from aischoco_gui.llm.tokens import MESSAGE_OVERHEAD, TokenCounter, load_o200k
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.llm_helpers import make_generator, msg
from tests.wait import wait_until


def test_o200k_loads_from_shipped_file_without_network(monkeypatch, tmp_path):
    def no_network(*a, **k):
        raise AssertionError("network attempted")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "create_connection", no_network)
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path / "empty-cache"))
    enc = load_o200k()
    assert enc.count("hello world") == 2  # o200k: [24912, 2375]
    assert enc.count("안녕하세요, 오늘 방송 재밌어요!") > 0
    assert not (tmp_path / "empty-cache").exists()
    counter = TokenCounter()
    counter.load()
    assert counter.ready and counter.count("hello world") == 2


def test_corrupted_token_file_is_rejected(tmp_path):
    bad = tmp_path / "o200k_base.tiktoken"
    bad.write_bytes(b"aGVsbG8= 0\n")
    with pytest.raises(ValueError, match="not the o200k_base file"):
        load_o200k(bad)


class WordCounter(TokenCounter):
    """Deterministic counts for window arithmetic: one token per character."""

    def count(self, text: str) -> int:
        return len(text)


def _mem(tmp_path, **kw) -> ConversationMemory:
    return ConversationMemory(tmp_path / "history", WordCounter(), threshold=kw.get("threshold", 100),
                              keep=kw.get("keep", 60), hard_limit=kw.get("hard", 120))


def test_window_arithmetic(tmp_path):
    m = _mem(tmp_path)
    for _ in range(6):
        m.add("user", "u" * 10)  # 10 + 4 overhead = 14
        m.add("assistant", "a" * 10)
    assert m.total_tokens == 12 * (10 + MESSAGE_OVERHEAD) == 168
    assert m.needs_summary()
    old = m.oldest_to_summarize()
    remaining = m.turns[len(old):]
    assert sum(t.tokens for t in remaining) <= 60
    assert remaining[0].role == "user"  # never start the window with an assistant turn
    ctx = m.context_turns()
    assert sum(t.tokens for t in ctx) <= 120 and ctx[-1] is m.turns[-1] and ctx[0].role == "user"
    assert m.enforce_hard_limit() > 0 and m.total_tokens <= 120


def test_limits_are_validated(tmp_path):
    with pytest.raises(ValueError):
        ConversationMemory(tmp_path, WordCounter(), threshold=100, keep=200, hard_limit=300)


def test_persistence_round_trip_and_aischoco_format(tmp_path):
    hist = tmp_path / "history"
    hist.mkdir()
    (hist / "summary.json").write_text(json.dumps(
        {"summary": "시청자들이 게임 얘기를 했다.", "timestamp": "2025-01-01T12:00:00", "message_count": 10},
        ensure_ascii=False), encoding="utf-8")
    m = _mem(tmp_path)
    m.load()
    assert m.summary == "시청자들이 게임 얘기를 했다." and m.state.message_count == 10
    m.set_summary("편집된 요약")
    data = json.loads((hist / "summary.json").read_text(encoding="utf-8"))
    assert set(data) == {"summary", "timestamp", "message_count"} and data["summary"] == "편집된 요약"
    assert list((hist / "summaries").glob("summary_*.json"))
    m2 = _mem(tmp_path)
    m2.load()
    assert m2.summary == "편집된 요약"


def test_corrupt_summary_is_moved_aside_not_lost(tmp_path):
    hist = tmp_path / "history"
    hist.mkdir()
    (hist / "summary.json").write_bytes(b'{"summary": "half wri')
    notices = []
    m = ConversationMemory(hist, WordCounter(), threshold=100, keep=60, hard_limit=120,
                           notify=lambda t, lvl: notices.append((lvl, t)))
    m.load()
    assert m.summary == ""
    aside = list(hist.glob("summary.corrupt-*.json"))
    assert len(aside) == 1 and aside[0].read_bytes() == b'{"summary": "half wri'
    assert notices and notices[0][0] == "warning" and aside[0].name in notices[0][1]
    m.set_summary("새 요약")  # and it keeps working
    assert json.loads((hist / "summary.json").read_text(encoding="utf-8"))["summary"] == "새 요약"


def test_backup_restore_clear(tmp_path):
    m = _mem(tmp_path)
    m.set_summary("첫 요약")
    b = m.backup()
    m.set_summary("둘째 요약")
    m.add("user", "x")
    m.restore(b)
    assert m.summary == "첫 요약"
    m.clear()
    assert m.summary == "" and m.turns == []
    assert len(m.backups()) >= 2  # clear backed the summary up first


def _summary_responder(delay: float, text: str = "요약: 시청자들과 인사를 나눴다."):
    def respond(body):
        first = body["messages"][0]["content"] if body.get("messages") else ""
        if first == SUMMARY_PROMPT:
            return Script(content=text, delay_s=delay)
        return None

    return respond


async def test_summary_runs_in_background_without_delaying_replies(home):
    async with OpenAIDouble() as d:
        d.responder = _summary_responder(delay=0.6)
        gen, services = make_generator(home, d.base_url, history_summary_threshold=300, history_keep_tokens=150,
                                       history_max_tokens=400)
        await gen.start()
        await gen.memory.counter.load_async()
        gen.memory.recount()
        turn = 0
        while not gen.memory.needs_summary():
            turn += 1
            batch = [msg(f"시청자{turn}", "오늘 방송 정말 재밌어요! 다음 게임은 뭐예요?")]
            r = await gen.generate(batch, turn)
            gen.commit(batch, r.text)
        task = gen._summary_task
        assert task is not None and not task.done()
        before = gen.memory.total_tokens
        # a reply while the summary is still running comes back at once
        r = await gen.generate([msg("x", "지금 질문!")], turn + 1)
        assert r is not None and not task.done()  # answered before the (0.6 s) summary finished: not queued behind it
        await asyncio.wait_for(task, 3)
        assert gen.memory.summary == "요약: 시청자들과 인사를 나눴다."
        assert gen.memory.total_tokens <= 150 < before
        saved = json.loads((services.dirs.history / "summary.json").read_text(encoding="utf-8"))
        assert saved["summary"] == gen.memory.summary and saved["message_count"] > 0
        # the summary request carried the old turns as delimited data
        sreq = [q for q in d.requests if q.messages and q.messages[0]["content"] == SUMMARY_PROMPT][0]
        assert "<conversation>" in sreq.messages[1]["content"]
        # the next reply carries the summary
        await gen.generate([msg("y", "요약 들어갔나?")], turn + 2)
        # ... as data in a user message, never in a system message (issue 13)
        msgs = d.requests[-1].messages
        assert any(m["role"] == "user" and "<summary>" in m["content"] and "요약: 시청자들과" in m["content"]
                   for m in msgs)
        assert not any(m["role"] == "system" and "요약: 시청자들과" in m["content"] for m in msgs)
        await gen.stop()


async def test_failed_summary_enforces_hard_limit(home):
    async with OpenAIDouble() as d:
        d.responder = lambda body: Script(status=500) if body["messages"][0]["content"] == SUMMARY_PROMPT else None
        gen, services = make_generator(home, d.base_url, history_summary_threshold=200, history_keep_tokens=100,
                                       history_max_tokens=260, llm_max_retries=0)
        notices = []
        services.bus.subscribe(lambda e: notices.append(e.data["text"]) if e.kind.value == "notice" else None)
        for i in range(30):
            b = [msg("a", f"{i}번째 긴 채팅 메시지입니다. 내용이 좀 길어요.")]
            gen.commit(b, "대답이에요. 이것도 좀 길게 말해요.")
            if gen._summary_task is not None:
                await asyncio.wait_for(asyncio.shield(gen._summary_task), 3)
        assert gen.memory.total_tokens <= 260
        assert any("요약이 안 됐어요" in n for n in notices)
        await gen.aclose()


async def test_edit_during_summary_wins(home):
    async with OpenAIDouble() as d:
        d.responder = _summary_responder(delay=0.3, text="모델 요약")
        gen, _ = make_generator(home, d.base_url)
        for _ in range(3):
            gen.commit([msg("a", "채팅")], "대답")
        task = gen.maybe_summarize(force=True)
        await wait_until(lambda: any(q.messages and q.messages[0]["content"] == SUMMARY_PROMPT for q in d.requests),
                         what="the summary request under way")
        assert not task.done()
        gen.memory.set_summary("스트리머가 고친 요약")
        await asyncio.wait_for(task, 3)
        assert gen.memory.summary == "스트리머가 고친 요약"
        assert len(gen.memory.turns) == 6  # nothing forgotten
        await gen.aclose()
