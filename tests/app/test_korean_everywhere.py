"""Every notice and status text the core emits is Korean in the Korean UI (issue 23), not English and not
a raw exception ("LLM 실패: no API key…", "connection failed: ConnectError…", "VTube Studio is not
running…", "Port 8765 is already in use.", "(system voice, not the cloned voice)", "no audio output
devices found"). The technical reason is the detail (``last_error``, a notice's ``detail``), never the text.

Two checks:

* **static** — every ``notice(...)`` / ``set_status(...)`` call in the package (and the status wrappers
  ``_report``/``_status``/``_state``) passes UI text: ``tr(...)``, an explained error, a variable — never an
  English literal, an f-string with English in it, or ``str(e)``;
* **dynamic** — the core's failure paths are driven against the loopback doubles and closed ports (no key,
  LLM unreachable, key rejected, VTS not running, overlay port taken, voice server down, no audio device,
  broken pose mapping, bad fallback list, microphone file missing, panic, a failing task, an unhandled
  exception, stop) and every text that reached the bus is checked.
"""

from __future__ import annotations

import ast
import asyncio
import json
import re
import socket
import sys
from pathlib import Path

import pytest

import aischoco_gui
from aischoco_gui.compose import build_services, rebuild, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import language, set_language
from aischoco_gui.models import ChatMessage, Reply
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.user_text import explain
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.korean_text import _NAMES, english_problem
from tests.wait import wait_until

PKG = Path(aischoco_gui.__file__).parent
# call name → index of the positional argument that is the shown text (or its keyword)
TEXT_ARG = {"notice": (0, "text"), "set_status": (2, "detail"), "_report": (1, "detail"), "_status": (1, "detail"),
            "_status_ts": (1, "detail"), "_state": (1, "detail")}


def _english_literal(s: str) -> bool:
    for name in sorted(_NAMES, key=len, reverse=True):
        s = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", s)
    return bool(re.search(r"[A-Za-z]{2,}", s))


def _bad_text_expr(node: ast.AST) -> str | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return f"literal {node.value!r}" if _english_literal(node.value) else None
    if isinstance(node, ast.JoinedStr):
        lit = "".join(v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str))
        if _english_literal(lit):
            return f"f-string with English {lit!r}"
        for v in node.values:
            if isinstance(v, ast.FormattedValue):
                bad = _bad_text_expr(v.value)
                if bad:
                    return bad
        return None
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("str", "repr", "format"):
        return f"{node.func.id}(...) of a raw value"
    if isinstance(node, ast.Attribute) and node.attr == "__name__":
        return "an exception's class name"
    if isinstance(node, ast.BinOp):
        return _bad_text_expr(node.left) or _bad_text_expr(node.right)
    if isinstance(node, ast.IfExp):
        return _bad_text_expr(node.body) or _bad_text_expr(node.orelse)
    return None


def test_notice_and_status_calls_pass_ui_text_static():
    bad = []
    for f in sorted(PKG.rglob("*.py")):
        tree = ast.parse(f.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
                continue
            spec = TEXT_ARG.get(node.func.attr)
            if spec is None:
                continue
            index, kw = spec
            arg = next((k.value for k in node.keywords if k.arg == kw), None)
            if arg is None and len(node.args) > index:
                arg = node.args[index]
            if arg is None:
                continue
            why = _bad_text_expr(arg)
            if why:
                bad.append(f"{f.relative_to(PKG.parent)}:{node.lineno} {node.func.attr}: {why}")
    assert not bad, "shown text that is not UI text:\n" + "\n".join(bad)


def test_the_checker_catches_what_the_issue_saw():
    for text in ("LLM 실패: no API key: set GROQ_API_KEY (or a local LLM_BASE_URL) in settings",
                 "connection failed: ConnectError: All connection attempts failed",
                 "VTube Studio is not running or the API is off (ConnectionRefusedError: [Errno 111])",
                 "포트 8765이(가) 이미 사용 중이에요. Port 8765 is already in use.",
                 "espeak-ng 'ko' (system voice, not the cloned voice)", "no audio output devices found",
                 "60.0 Hz · 지터 p50 1.0 ms / p99 2.0 ms · sent 0"):
        assert english_problem(text), text
    for text in ("Groq openai/gpt-oss-120b", "VTube Studio(ws://127.0.0.1:8001)가 꺼져 있어요",
                 "espeak-ng 'ko' (시스템 음성, 복제한 목소리 아님)", "http://127.0.0.1:8765/?obs", ""):
        assert english_problem(text) is None, text


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def korean():
    before = language()
    set_language("ko")
    yield
    set_language(before)


async def test_every_text_the_core_emits_on_its_failure_paths_is_korean(home, korean, monkeypatch):
    busy = socket.socket()
    busy.bind(("127.0.0.1", 0))
    busy.listen()
    taken = busy.getsockname()[1]
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    (dirs.config / "pose_mapping.json").write_text("{ not json", encoding="utf-8")  # a broken pose mapping
    seen: list[tuple[str, str]] = []  # (where, text shown)

    def record(ev) -> None:
        if ev.kind is EventKind.NOTICE:
            seen.append(("notice", ev.data["text"]))
        elif ev.kind is EventKind.STATUS:
            st = ev.data["status"]
            seen.append((f"status {st.name} {st.state.value}", st.detail))
        elif ev.kind is EventKind.LLM_FAILED:  # the reply panel shows explain(error)
            seen.append(("llm failed", explain(ev.data.get("error", ""))))

    bus = EventBus()
    bus.subscribe(record)
    settings = Settings(
        llm_base_url=f"http://127.0.0.1:{_free_port()}/v1", groq_api_key="gsk_test_key_0123456789",
        llm_fallbacks="nosuchprovider", llm_timeout_s=1.0, llm_max_retries=0,
        tts_engine="remote", tts_remote_url=f"http://127.0.0.1:{_free_port()}", tts_fallback="fake",
        tts_output_device="Speakers that are not there", vts_url=f"ws://127.0.0.1:{_free_port()}",
        overlay_port=taken, chat_source="chzzk", mic_mode="cohost", stt_input_device="wav:/nonexistent/voice.wav")
    settings.sources["llm_base_url"] = "test"
    services = build_services(settings, dirs, bus)
    services.pipeline.retry_backoff = (30.0, 60.0)
    try:
        await start_services(services)
        p = services.pipeline
        # the LLM cannot be reached
        p.on_chat(ChatMessage(nickname="시청자", text="안녕하세요?", user_id="v1"))
        await wait_until(lambda: any(w == "llm failed" for w, _ in seen), 15, "LLM unreachable")
        await wait_until(lambda: bus.status.get("vts") and bus.status["vts"].state is ServiceState.RECONNECTING,
                         15, "VTS not running")
        await wait_until(lambda: bus.status.get("overlay") and bus.status["overlay"].state is ServiceState.ERROR,
                         5, "overlay port taken")
        await wait_until(lambda: bus.status.get("tts") and bus.status["tts"].state in (
            ServiceState.DEGRADED, ServiceState.ERROR), 30, "voice server down")
        await wait_until(lambda: bus.status.get("audio") and bus.status["audio"].state is ServiceState.ERROR,
                         15, "no such audio device")
        await wait_until(lambda: bus.status.get("stt") and bus.status["stt"].state not in (
            ServiceState.CONNECTING, ServiceState.OFF), 15, "microphone file missing")
        # a reply approved with no audio device; then a panic
        d = p.add_reply(Reply(text="소리 없이 보여요.", emotion="happy"), [])
        p.approve(d.id)
        await wait_until(lambda: p.speaking is None and d.state.value == "done", 15, "spoken as text only")
        await p.panic()
        # the key rejected by the server, then no key at all (live settings)
        async with OpenAIDouble() as llm:
            llm.script(*[Script(status=401, error={"message": "Invalid API Key"})] * 3)
            s401 = Settings(**{**settings.__dict__, "sources": {"llm_base_url": "test"}})
            s401.llm_base_url, s401.llm_fallbacks = llm.base_url, ""
            await rebuild(services, "llm", s401)
            p.on_chat(ChatMessage(nickname="시청자", text="또 왔어요", user_id="v1"))  # (the panic cleared the chat)
            await wait_until(lambda: llm.requests, 10, "a request to the server that rejects the key")
            await wait_until(lambda: bus.status["llm"].state is ServiceState.ERROR, 10, "key rejected")
        nokey = Settings(llm_fallbacks="")
        await rebuild(services, "llm", nokey)
        await wait_until(lambda: bus.status["llm"].state is ServiceState.NOT_CONFIGURED, 5, "no key")
        # a background task fails; an unhandled exception reaches the hook
        from aischoco_gui.app import install_exception_hooks
        from aischoco_gui.tasks import TaskGroup

        async def broken() -> None:
            raise ValueError("boom in a background task")

        group = TaskGroup("test", bus)
        group.spawn(broken(), "broken")
        await wait_until(lambda: not group.tasks, 5, "the task ended")
        monkeypatch.setattr(sys, "excepthook", sys.excepthook)
        install_exception_hooks(bus)
        try:
            raise KeyError("unhandled in a slot")
        except KeyError:
            sys.excepthook(*sys.exc_info())
    finally:
        await stop_services(services)
        busy.close()
        await asyncio.sleep(0)

    kinds = {w.split(" ")[0] + " " + w.split(" ")[1] if w.startswith("status") else w for w, _ in seen}
    for need in ("notice", "llm failed", "status llm", "status tts", "status vts", "status overlay", "status audio",
                 "status chat", "status stt"):
        assert need in kinds, f"the walk never saw {need}: {sorted(kinds)}"
    texts = [t for _, t in seen]
    assert any("pose_mapping.json" in t for t in texts), "the broken pose mapping was not reported"
    assert any(str(taken) in t for t in texts), "the taken port was not reported"
    print("\n".join(dict.fromkeys(f"{w}: {t}" for w, t in seen)))  # what the walk saw (-s to read it)
    bad = [f"{where}: {text!r} — {why}" for where, text in seen if (why := english_problem(text))]
    assert not bad, "English or raw exception text in the Korean UI:\n" + "\n".join(dict.fromkeys(bad))
    assert json.dumps(texts, ensure_ascii=False)  # (all plain strings)
