"""Fault injection on the running show (real services, loopback doubles, no window).

For each fault: the app keeps running, the status on the bus (what the status bar shows) says what
happened, nothing already received is lost, and it recovers by itself when the fault clears."""

from __future__ import annotations

import errno
import json
import os
import signal
import socket

import pytest

from aischoco_gui.events import EventKind, ServiceState
from tests.doubles.openai_server import Script
from tests.e2e.harness import SUMMARY, read_wav, show, voiced_seconds

pytestmark = pytest.mark.slow
FAST = dict(tts_engine="fake")


async def ask_and_speak(sh, text: str, reply: str, emotion: str = "happy", timeout: float = 15.0):
    """A viewer asks, the streamer approves, the reply is heard in full."""
    sh.replies.add(text, emotion, reply)
    await sh.chzzk.push_chat(text, nickname="시청자", sender=f"u-{abs(hash(text)) % 999}")
    d = await sh.draft_for(text, timeout)
    sh.pipeline.approve(d.id)
    end = await sh.spoken(d.id, timeout)
    assert not end.data.get("cancelled")
    return d


async def test_chzzk_socket_drop(home):
    async with show(home, **FAST) as sh:
        await sh.chzzk.push_chat("끊기기 전 메시지", nickname="a", sender="u-a")
        await sh.wait(lambda: any(e.data["message"].text == "끊기기 전 메시지" for e in sh.of(EventKind.CHAT_RECEIVED)))
        n_ready = sum(1 for e in sh.of(EventKind.STATUS)
                      if e.data["status"].name == "chat" and e.data["status"].state == ServiceState.READY)
        await sh.chzzk.drop_all()
        await sh.wait(lambda: sh.state("chat") in (ServiceState.RECONNECTING, ServiceState.CONNECTING), 5,
                      "chat reports the drop")
        await sh.wait(lambda: sum(1 for e in sh.of(EventKind.STATUS) if e.data["status"].name == "chat"
                                  and e.data["status"].state == ServiceState.READY) > n_ready, 10, "chat back")
        await sh.wait(lambda: len(sh.chzzk.subscribed("CHAT")) >= 1, 5, "resubscribed")
        await ask_and_speak(sh, "다시 연결됐나요", "네 다시 왔어요!")
        assert await sh.draft_for("끊기기 전 메시지")  # received before the drop: still answered


@pytest.mark.parametrize("fault", ["429", "500", "timeout"])
async def test_llm_errors(home, fault):
    async with show(home, llm_timeout_s=0.6, llm_max_retries=1, **FAST) as sh:
        if fault == "429":
            bad = [Script(status=429, headers={"retry-after": "0.2"},
                          error={"error": {"message": "Rate limit reached", "type": "tokens", "code": "rate_limit"}})]
        elif fault == "500":
            bad = [Script(status=500)]
        else:
            bad = [Script(delay_s=1.5)]
        sh.llm.script(*(bad * 4))
        sh.replies.add("장애 중 질문", "happy", "이제 대답할 수 있어요!")
        await sh.chzzk.push_chat("장애 중 질문", nickname="a", sender="u-a")
        await sh.wait(lambda: sh.of(EventKind.LLM_FAILED), 15, "the failure reported")
        assert sh.state("llm") in (ServiceState.ERROR, ServiceState.DEGRADED, ServiceState.RECONNECTING), \
            sh.detail("llm")
        assert sh.detail("llm").strip()
        d = await sh.draft_for("장애 중 질문", 20)  # the same chat, answered once the LLM is back
        assert d.text == "이제 대답할 수 있어요!"
        await sh.wait(lambda: sh.state("llm") == ServiceState.READY, 5, "llm ready again")


async def test_tts_worker_killed_mid_sentence(home, english_ui):
    async with show(home, **FAST) as sh:
        long = "첫 문장이에요. 두 번째 문장이에요. 세 번째 문장도 있어요. 네 번째 문장까지 말해요."
        sh.replies.add("긴 대답", "happy", long)
        await sh.chzzk.push_chat("긴 대답 부탁해요", nickname="a", sender="u-a")
        d = await sh.draft_for("긴 대답")
        sh.pipeline.approve(d.id)
        await sh.wait(lambda: any(e.data["draft"].id == d.id for e in sh.of(EventKind.FIRST_AUDIO)), 10, "speaking")
        backend = sh.services.speaker.backend
        pid = backend.pid
        os.kill(pid, signal.SIGKILL)
        await sh.wait(lambda: sh.state("tts") != ServiceState.READY, 5, "tts reports the dead worker")
        assert "exit" in sh.detail("tts") or "restart" in sh.detail("tts"), sh.detail("tts")
        await sh.spoken(d.id, 20)  # the reply ends (finished or cut), never hangs the queue
        await sh.wait(lambda: sh.state("tts") == ServiceState.READY and backend.pid not in (None, pid), 20,
                      "worker restarted")
        await ask_and_speak(sh, "다시 말할 수 있어요", "네 목소리가 돌아왔어요!")


async def test_vts_restart(home):
    async with show(home, **FAST) as sh:
        await sh.wait(lambda: len(sh.vts.injections) > 10, 5, "injecting")
        await sh.vts.restart(0.5)
        await sh.wait(lambda: sh.state("vts") != ServiceState.READY, 5, "vts reports the loss")
        n = len(sh.vts.injections)
        await sh.wait_state("vts", ServiceState.READY, 15)
        await sh.wait(lambda: len(sh.vts.injections) > n + 10, 5, "injecting again")
        await ask_and_speak(sh, "아바타 괜찮아요", "네 멀쩡해요!")
        assert max(v for t, v in sh.vts.values_of("MouthOpen") if t > sh.of(EventKind.SPEECH_STARTED)[-1].t) > 0.3


async def test_audio_device_gone(home):
    blocker = home / "not-a-dir"
    blocker.write_text("a file where the output folder should be")
    wav = blocker / "out.wav"
    async with show(home, tts_output_device=f"wav:{wav}", ready=("chat", "llm", "tts", "vts", "overlay", "audio"),
                    **FAST) as sh:
        await sh.wait_state("audio", ServiceState.ERROR, 5)
        assert "쓸 수 없어요" in sh.detail("audio")  # said in Korean; the OS's reason is the last error
        sh.replies.add("소리 안 나요", "sad", "소리가 돌아왔어요!")
        await sh.chzzk.push_chat("소리 안 나요", nickname="a", sender="u-a")
        d = await sh.draft_for("소리 안 나요")  # chat and drafts keep flowing without audio
        blocker.unlink()
        blocker.mkdir()
        await sh.wait_state("audio", ServiceState.READY, 10)
        sh.pipeline.approve(d.id)
        await sh.spoken(d.id, 15)
    x, rate = read_wav(wav)
    assert voiced_seconds(x, rate) > 0.5


async def test_overlay_port_taken_at_start(home):
    held = socket.socket()
    held.bind(("127.0.0.1", 0))
    held.listen()
    port = held.getsockname()[1]

    def fast_retry(sh):
        sh.services.overlay.bind_retry_s = 0.3
    try:
        async with show(home, overlay_port=port, before_start=fast_retry, **FAST) as sh:
            assert sh.state("overlay") == ServiceState.ERROR
            assert "already in use" in sh.detail("overlay")
            await sh.chzzk.push_chat("오버레이 꺼졌을 때 메시지", nickname="a", sender="u-a")
            await sh.draft_for("오버레이 꺼졌을 때")
            held.close()
            await sh.wait_state("overlay", ServiceState.READY, 5)
            state = await sh.overlay_state()
            assert any(m["message"] == "오버레이 꺼졌을 때 메시지" for m in state["viewer_messages"])
            assert sh.services.overlay.url.endswith(f":{port}/")
    finally:
        held.close()


async def test_corrupt_summary(home):
    hist = home / "history"
    hist.mkdir(parents=True, exist_ok=True)
    (hist / "summary.json").write_text('{"summary": "잘린 파일', encoding="utf-8")
    async with show(home, summary=None, **FAST) as sh:
        await sh.wait(lambda: any("summary.json" in n for n in sh.notices), 5, "a notice about summary.json")
        assert list(hist.glob("summary.corrupt-*.json"))  # kept aside, not deleted
        d = await ask_and_speak(sh, "요약 없이도 되나요", "네 괜찮아요!")
        assert d and sh.state("llm") == ServiceState.READY
        assert SUMMARY not in json.dumps(sh.llm.requests[-1].body, ensure_ascii=False)


async def test_disk_full_on_history_write(home, monkeypatch):
    """ENOSPC cannot be produced portably without root (no tiny tmpfs in CI), so the memory's atomic
    write is replaced by one that raises ``OSError(ENOSPC)`` until the "disk" is freed."""
    import aischoco_gui.llm.memory as memory

    real = memory.atomic_write_text
    full = {"on": True}

    def write(path, text, *a, **kw):
        if full["on"]:
            raise OSError(errno.ENOSPC, "No space left on device", str(path))
        return real(path, text, *a, **kw)

    monkeypatch.setattr(memory, "atomic_write_text", write)
    async with show(home, history_summary_threshold=60, history_keep_tokens=20, history_max_tokens=4000,
                    **FAST) as sh:
        for i in range(3):
            sh.replies.add(f"질문 {i}", "happy", f"{i}번째 대답이에요. 길게 말해서 토큰을 채워요. 하나 둘 셋 넷 다섯.")
            await sh.chzzk.push_chat(f"질문 {i} 오늘 방송 정말 재밌어요 계속 이야기해요", nickname="a", sender="u-a")
            d = await sh.draft_for(f"질문 {i}")
            sh.pipeline.approve(d.id)
            await sh.spoken(d.id)
        await sh.wait(lambda: sh.state("llm") == ServiceState.DEGRADED, 10, "the full disk on the status bar")
        assert "No space left" in sh.services.bus.status["llm"].last_error and "디스크" in sh.detail("llm")
        assert any("summary.json" in n and "디스크 공간" in n for n in sh.notices)  # what to do, in Korean
        gen = sh.services.generator
        assert gen.memory.summary  # the summary is kept in memory, not lost
        full["on"] = False
        await ask_and_speak(sh, "질문 9", "공간이 생겼어요.")
        await sh.wait(lambda: (home / "history" / "summary.json").exists()
                      and json.loads((home / "history" / "summary.json").read_text(encoding="utf-8"))["summary"]
                      == gen.memory.summary,
                      10, "summary saved once the disk has room")
        await sh.wait(lambda: sh.state("llm") == ServiceState.READY, 5, "llm ready again")
