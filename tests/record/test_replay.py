"""A show recorded by the app (real composition root, loopback LLM double) replays against an LLM that
answers differently, through the real ``aischoco replay`` entry point: the JSON and the HTML show exactly
the recorded and the new answer per turn, the chat the filter held back is flagged on both sides, a reply
the output filter held is flagged before and not after, a donation's thanks is compared too."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from aischoco_gui.models import ChatMessage
from aischoco_gui.record.format import load_recording
from aischoco_gui.record.replay import Replayer, ReplayOptions
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.record.helpers import BANNED, ByKeyword, draft_for, home_dirs, idle, llm_settings, run_show
from tests.wait import wait_until

ROOT = Path(__file__).resolve().parents[2]
OUTPUT_BANNED = "금지어"
RECORDED = {"오늘 뭐해요": ("happy", "오늘은 게임해요!"), "생일": ("excited", "생일 축하 고마워요!"),
            "노래": ("sad", f"{OUTPUT_BANNED} 노래는 못 불러요"), "잘자요": ("neutral", "안녕히 주무세요")}
NEW = {"오늘 뭐해요": ("surprised", "오늘은 노래해요!"), "생일": ("happy", "후원 정말 감사합니다!"),
       "노래": ("happy", "노래 좋아요, 들어 볼래요?"), "잘자요": ("sad", "벌써 가요?")}


async def _drive(services) -> None:
    p = services.pipeline
    p.on_chat(ChatMessage("딸기우유", "초코님 오늘 뭐해요?", user_id="u-1", source="rehearsal"))
    d = await draft_for(services, "오늘 뭐해요")
    p.approve(d.id)
    await idle(services)
    await asyncio.sleep(0.2)  # spacing the replay must keep (compressed)
    p.on_chat(ChatMessage("악플러", f"너 {BANNED}야", user_id="u-2", source="rehearsal"))
    p.on_chat(ChatMessage("후원자", "생일 축하해요 초코!", user_id="u-3", donation_amount=5000, kind="donation",
                          donation_type="CHAT", source="rehearsal"))
    d = await draft_for(services, "생일 축하해요")
    p.approve(d.id)
    await idle(services)
    await asyncio.sleep(0.2)
    p.on_chat(ChatMessage("노래방", "노래 불러줘~", user_id="u-4", source="rehearsal"))
    d = await draft_for(services, "노래 불러줘")
    assert d.flagged  # the output filter holds it; the streamer skips it
    p.skip(d.id)
    await asyncio.sleep(0.2)
    p.on_chat(ChatMessage("올빼미", "이제 잘자요 초코", user_id="u-5", source="rehearsal"))
    d = await draft_for(services, "잘자요")
    p.edit(d.id, "잘 자요, 내일 봐요!")
    p.approve(d.id)
    await idle(services)


async def _record(home: Path) -> Path:
    home_dirs(home)
    async with OpenAIDouble() as llm:
        llm.responder = ByKeyword(RECORDED)
        return await run_show(home, llm_settings(llm.base_url, llm_banned_words=OUTPUT_BANNED), _drive)


def _cli(home: Path, base_url: str, *args: str, **popen) -> subprocess.Popen:
    env = {**os.environ, "AISCHOCO_HOME": str(home), "LLM_BASE_URL": base_url, "GROQ_API_KEY": "gsk_replay_key",
           "GROQ_MODEL": "llama-3.3-70b-versatile", "LLM_BANNED_WORDS": OUTPUT_BANNED, "LLM_RETRY_BACKOFF": "0.05"}
    return subprocess.Popen([sys.executable, "-m", "aischoco_gui", "replay", *args], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, **popen)


async def test_recorded_show_replays_against_a_different_llm(home, tmp_path):
    show = await _record(home)
    out_json, out_html = tmp_path / "out.json", tmp_path / "out.html"
    llm = OpenAIDouble.start_in_thread()
    try:
        llm.responder = ByKeyword(NEW)
        proc = _cli(home, llm.base_url, str(show), "--json", str(out_json), "--report", str(out_html), "--speed", "5")
        out, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate, None)
        assert proc.returncode == 0, err
    finally:
        llm.stop()
    data = json.loads(out_json.read_text(encoding="utf-8"))
    turns = data["turns"]
    got = [(t["chat"], t["old_reply"], t["new_reply"], t["old_emotion"], t["new_emotion"], t["old_flagged"],
            t["new_flagged"]) for t in turns]
    assert got == [
        ("딸기우유: 초코님 오늘 뭐해요?", "오늘은 게임해요!", "오늘은 노래해요!", "happy", "surprised", False, False),
        (f"악플러: 너 {BANNED}야", None, None, None, None, True, True),
        ("후원자: 생일 축하해요 초코!", "생일 축하 고마워요!", "후원 정말 감사합니다!", "excited", "happy",
         False, False),
        ("노래방: 노래 불러줘~", f"{OUTPUT_BANNED} 노래는 못 불러요", "노래 좋아요, 들어 볼래요?", "sad", "happy",
         True, False),
        ("올빼미: 이제 잘자요 초코", "안녕히 주무세요", "벌써 가요?", "neutral", "sad", False, False),
    ]
    assert turns[1]["old_filters"] == turns[1]["new_filters"] == ["chat: banned_word"]
    assert turns[3]["old_filters"] == [f"output: banned word: {OUTPUT_BANNED}"] and turns[3]["new_filters"] == []
    assert [t["old_kind"] for t in turns] == ["chat", "filtered", "thanks", "chat", "chat"]
    assert [t["old_decision"] for t in turns] == ["approved_human", "", "approved_human", "skipped_human", "edited"]
    for t in (turns[0], turns[2], turns[3], turns[4]):  # measured on both sides, from the LLM exchange
        assert t["old_llm_ms"] > 0 and t["new_llm_ms"] > 0 and t["old_tokens"] == t["new_tokens"] == 120
    s = data["summary"]
    assert (s["turns"], s["replies_changed"], s["emotions_changed"], s["newly_flagged"], s["no_longer_flagged"]) == \
        (5, 4, 4, 0, 1)
    assert s["old_tokens"] == s["new_tokens"] == 4 * 120 and s["old_llm_ms"]["n"] == s["new_llm_ms"]["n"] == 4
    assert not data["interrupted"] and not data["error"]
    page = out_html.read_text(encoding="utf-8")
    for text in ("오늘은 게임해요!", "오늘은 노래해요!", "후원 정말 감사합니다!", f"너 {BANNED}야", "<svg",
                 "🚩 채팅: 금칙어", f"🚩 output: banned word: {OUTPUT_BANNED}"):
        assert text in page, text
    assert "http://" not in page.split("<svg", 1)[0].replace('xmlns="http://www.w3.org/2000/svg"', "")
    assert "턴 5" in out or "Turns 5" in out  # the console summary
    assert "[" + "#" * 28 + "]" in err and "5/5" in err  # the progress bar (a line per 10 % off a terminal)


async def test_spacing_is_kept_compressed_and_speed_zero_goes_turn_by_turn(home, tmp_path):
    show = await _record(home)
    rec = load_recording(show)
    settings = llm_settings("http://127.0.0.1:9", llm_banned_words=OUTPUT_BANNED)
    async with OpenAIDouble() as llm:
        llm.responder = ByKeyword(NEW)
        settings.llm_base_url = llm.base_url
        chat_t = [e["t"] for e in rec.of("chat_received")]
        r = Replayer(rec, settings, home / "config", ReplayOptions(speed=2.0))
        res = await r.run()
        new_t = [e["t"] for e in r.events if e["k"] == "chat_received"]
        assert len(new_t) == len(chat_t) == 5
        for (a, b), (c, d) in zip(zip(chat_t, chat_t[1:], strict=False), zip(new_t, new_t[1:], strict=False),
                                  strict=True):
            assert d - c >= (b - a) / 2 * 0.9 - 0.005  # never faster than the recorded spacing / speed
        assert [t["new_reply"] for t in res["turns"]][0] == "오늘은 노래해요!"
        r0 = Replayer(rec, settings, home / "config", ReplayOptions(speed=0))
        res0 = await r0.run()
    assert [t["new_reply"] for t in res0["turns"]] == [t["new_reply"] for t in res["turns"]]
    assert not any(t["batch_changed"] for t in res0["turns"])  # turn by turn: the recorded batches exactly


async def test_a_replay_never_connects_to_the_streamers_obs(home, tmp_path):
    """The user's OBS is configured (and running): the replay builds its pipeline from those settings, yet
    opens no connection to OBS (a replay reaches nothing outside the LLM)."""
    from tests.doubles.obs_server import ObsDouble

    show = await _record(home)
    rec = load_recording(show)
    async with ObsDouble(password="pw") as obs, OpenAIDouble() as llm:
        llm.responder = ByKeyword(NEW)
        settings = llm_settings(llm.base_url, llm_banned_words=OUTPUT_BANNED)
        settings.obs_ws_url, settings.obs_ws_password, settings.obs_enabled = obs.url, "pw", "on"
        res = await Replayer(rec, settings, home / "config", ReplayOptions(speed=0)).run()
        assert [t["new_reply"] for t in res["turns"]][0] == "오늘은 노래해요!"
        assert obs.session_log == [] and obs.identifies == 0


async def test_ctrl_c_writes_what_was_done(home, tmp_path):
    show = await _record(home)
    out_json = tmp_path / "partial.json"
    llm = OpenAIDouble.start_in_thread()
    try:
        llm.responder = lambda body: Script(emotion="happy", response="천천히 답해요", delay_s=0.4)
        # Ctrl+C as in a terminal: a suite started in the background (``cmd &`` in a script) passes SIGINT on
        # ignored, and Python then never turns it into KeyboardInterrupt, so the child gets the default back
        proc = _cli(home, llm.base_url, str(show), "--json", str(out_json), "--speed", "0",
                    preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
        await wait_until(lambda: len(llm.requests) >= 1, 30, "the first replayed request")
        proc.send_signal(signal.SIGINT)
        out, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate, None)
    finally:
        llm.stop()
    assert proc.returncode == 130, err
    data = json.loads(out_json.read_text(encoding="utf-8"))
    assert data["interrupted"] is True and 0 < data["fed"] < data["inputs"]
    assert data["turns"] and data["turns"][0]["old_reply"] == "오늘은 게임해요!"
    assert len(data["turns"]) < 5


@pytest.mark.parametrize("first, says", [
    ({"format": "aischoco-show", "version": 99}, ["v99", "v1"]),
    ({"format": "aischoco-show", "version": 0}, ["v0"]),
    ({"hello": "world"}, ["aischoco"]),
])
def test_a_recording_it_cannot_replay_is_refused_clearly(home, tmp_path, first, says):
    bad = tmp_path / "show.jsonl"
    bad.write_text(json.dumps(first) + "\n" + json.dumps({"k": "chat_received", "t": 1, "w": 1, "d": {}}) + "\n",
                   encoding="utf-8")
    proc = _cli(home, "http://127.0.0.1:9/v1", str(bad), "--json", str(tmp_path / "x.json"))
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and not (tmp_path / "x.json").exists()
    for word in says:
        assert word in err, err
    assert any("\uac00" <= ch <= "\ud7a3" for ch in err)  # Korean first (UI_LANGUAGE=ko)


def test_missing_recording_and_bad_arguments(home, tmp_path):
    proc = _cli(home, "http://127.0.0.1:9/v1", str(tmp_path / "nope.jsonl"))
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "nope.jsonl" in err
    proc = _cli(home, "http://127.0.0.1:9/v1", str(tmp_path / "nope.jsonl"), "--speed", "-1")
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 2 and "--speed" in err


async def test_unreachable_llm_stops_with_a_clear_message(home, tmp_path):
    show = await _record(home)
    t0 = time.monotonic()
    proc = _cli(home, "http://127.0.0.1:9/v1", str(show), "--json", str(tmp_path / "x.json"), "--speed", "0")
    out, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate, None)
    assert proc.returncode == 1, err
    assert "LLM" in err and time.monotonic() - t0 < 60
    data = json.loads((tmp_path / "x.json").read_text(encoding="utf-8"))
    assert data["error"] and data["turns"][0]["new_error"]


async def test_director_whispers_and_voice_turns_are_replayed_the_way_they_came(home):
    from aischoco_gui.models import KIND_DIRECTOR, KIND_VOICE

    async def drive(services) -> None:
        p = services.pipeline
        p.add_director_note(ChatMessage("스트리머", "더 신나게 대답해 줘", kind=KIND_DIRECTOR, role="streamer"))
        p.on_chat(ChatMessage("딸기우유", "초코님 오늘 뭐해요?", user_id="u-1"))
        p.approve((await draft_for(services, "오늘 뭐해요")).id)
        await idle(services)
        await asyncio.sleep(0.1)
        p.add_streamer_speech(ChatMessage("스트리머", "잘자요 다들", kind=KIND_VOICE, role="streamer"))
        p.approve((await draft_for(services, "잘자요")).id)
        await idle(services)

    home_dirs(home)
    async with OpenAIDouble() as llm:
        llm.responder = ByKeyword(RECORDED)
        show = await run_show(home, llm_settings(llm.base_url), drive)
    rec = load_recording(show)
    async with OpenAIDouble() as llm:
        llm.responder = ByKeyword(NEW)
        res = await Replayer(rec, llm_settings(llm.base_url), home / "config", ReplayOptions(speed=0)).run()
        sent = [str(r.messages[-1]["content"]) for r in llm.requests if r.messages and "<chat>" in
                str(r.messages[-1]["content"])]
    assert "<director>" in sent[0] and "더 신나게 대답해 줘" in sent[0] and "오늘 뭐해요" in sent[0]
    assert '"voice": true' in sent[1] and "잘자요 다들" in sent[1]
    turns = res["turns"]
    assert [(t["old_reply"], t["new_reply"]) for t in turns] == [("오늘은 게임해요!", "오늘은 노래해요!"),
                                                                 ("안녕히 주무세요", "벌써 가요?")]
    assert turns[0]["messages"][0]["kind"] == "director" and turns[1]["messages"][0]["kind"] == "voice"
