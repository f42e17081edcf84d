"""Issue 25's acceptance, on the whole app against the loopback doubles: a show with real-looking keys and
tokens configured is recorded by the app (CHZZK socket, LLM, TTS worker, VTS, overlay all real adapters);
the recording holds the chat as parsed, the LLM requests and raw answers, the streamer's decisions and the
TTS timings — and no key or token anywhere in its bytes; ``aischoco replay`` then runs it against an LLM
that answers differently and the JSON shows exactly the recorded and the new answer per turn, the chat
with the banned word flagged on both sides and the donation's thanks compared."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from aischoco_gui.record.format import load_recording
from tests.doubles.openai_server import OpenAIDouble
from tests.e2e.harness import SUMMARY, show
from tests.record.helpers import ByKeyword

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
BANNED = "바보멍청이"
SECRETS = {  # real-looking values, long enough to be recognised anywhere they might leak
    "groq_api_key": "gsk_e2eREPLAYsecret0123456789abcdefXYZ",
    "chzzk_client_secret": "chzzk-client-secret-e2e-0123456789",
    "chzzk_access_token": "chzzk-user-access-token-e2e-ABCDEFGH",
    "stt_api_key": "stt-key-e2e-0123456789abcdef",
    "tts_remote_api_key": "tts-key-e2e-0123456789abcdef",
    "openai_api_key": "sk-e2e-openai-0123456789abcdef",
}
OLD_HELLO = "딸기우유님 안녕하세요! 오늘도 재밌게 놀아요."
OLD_THANKS = "와 후원 고마워요! 생일 축하 받으니 너무 좋아요."
NEW_HELLO, NEW_THANKS = "어서 와요, 오늘은 노래 방송이에요!", "후원까지… 눈물 나요 고마워요"
NEW = {"방송 기대돼요": ("surprised", NEW_HELLO), "생일": ("sad", NEW_THANKS)}


async def test_show_recorded_without_secrets_then_replayed_against_another_llm(home, tmp_path):
    (home / "config").mkdir(parents=True, exist_ok=True)
    (home / "config" / "chat_filters.json").write_text(json.dumps({"banned_words": [BANNED]}, ensure_ascii=False),
                                                       encoding="utf-8")

    def before(sh) -> None:  # the CHZZK double accepts the configured credentials
        sh.chzzk.valid_access.add(SECRETS["chzzk_access_token"])
        sh.chzzk.client_secret = SECRETS["chzzk_client_secret"]

    async with show(home, before_start=before, tarot_enabled=False, **SECRETS) as sh:
        sh.replies.add("방송 기대돼요", "happy", OLD_HELLO)
        sh.replies.add("생일", "excited", OLD_THANKS)
        await sh.wait(lambda: len(sh.chzzk.subscribed("DONATION")) == 1, 10, "donation subscription")
        await sh.chzzk.push_chat("안녕하세요 초코님! 오늘 방송 기대돼요 😊", nickname="딸기우유", sender="u-1")
        d1 = await sh.draft_for("방송 기대돼요")
        sh.pipeline.approve(d1.id)
        await sh.spoken(d1.id)
        await sh.chzzk.push_chat(f"야 {BANNED} 같은 방송", nickname="악플러", sender="u-2")
        await sh.chzzk.push_donation("생일 축하해요 초코!", amount=5000, nickname="후원자")
        d2 = await sh.draft_for("생일 축하해요")
        sh.pipeline.approve(d2.id)
        await sh.spoken(d2.id)
        tokens = sh.services.chzzk_auth.tokens if sh.services.chzzk_auth is not None else None
        session_keys = [s.session_key for s in sh.chzzk.sessions.values()]
        recorder = sh.services.recorder
    runtime = [t for t in (tokens.access_token, tokens.refresh_token) if t] if tokens else []

    # -- the recording ----------------------------------------------------------------------------
    assert recorder is not None and recorder.paths
    raw = b"".join(p.read_bytes() for p in recorder.paths)
    for name, value in [*SECRETS.items(), *(("runtime token", t) for t in runtime),
                        *(("session key", k) for k in session_keys)]:
        assert value.encode() not in raw, f"{name} leaked into the recording"
    rec = load_recording(recorder.paths[0])
    assert rec.header["memory"]["summary"] == SUMMARY and sorted(rec.header["secrets_set"]) == sorted(SECRETS)
    chats = {e["d"]["message"]["text"]: e["d"]["message"] for e in rec.of("chat_received")}
    donation = chats["생일 축하해요 초코!"]
    assert donation["donation_amount"] == 5000 and donation["kind"] == "donation"
    assert chats[f"야 {BANNED} 같은 방송"]["filtered_reason"] == "banned_word"
    replies = [e for e in rec.of("llm_exchange") if e["d"]["purpose"] == "reply"]
    assert replies and replies[0]["d"]["request"]["model"] == "llama-3.3-70b-versatile"
    assert replies[0]["d"]["request"]["messages"][0]["role"] == "system" and "emotion" in replies[0]["d"]["content"]
    assert [e["d"]["by"] for e in rec.of("approved")] == ["human", "human"]
    assert rec.of("first_audio") and rec.of("tts_metrics") and rec.of("playback_end")
    assert [e["t"] for e in rec.events if "t" in e] == sorted(e["t"] for e in rec.events if "t" in e)

    # -- the replay, through the real entry point, against an LLM that answers differently --------
    out = tmp_path / "replay.json"
    llm = OpenAIDouble.start_in_thread()
    try:
        llm.responder = ByKeyword(NEW)
        env = {**os.environ, "AISCHOCO_HOME": str(home), "LLM_BASE_URL": llm.base_url,
               "GROQ_API_KEY": "gsk_another_key_for_replay", "GROQ_MODEL": "llama-3.1-8b-instant"}
        proc = subprocess.Popen([sys.executable, "-m", "aischoco_gui", "replay", str(recorder.paths[0]), "--json",
                                 str(out), "--report", str(tmp_path / "replay.html"), "--speed", "4"],
                                cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, err = await asyncio.get_running_loop().run_in_executor(None, proc.communicate, None)
        assert proc.returncode == 0, err
        first = llm.requests[0].messages
    finally:
        llm.stop()
    assert any(SUMMARY in str(m.get("content")) for m in first)  # the replay starts from the recorded memory
    turns = json.loads(out.read_text(encoding="utf-8"))["turns"]
    got = [(t["old_reply"], t["new_reply"], t["old_emotion"], t["new_emotion"], t["old_flagged"], t["new_flagged"],
            t["old_kind"], t["new_kind"]) for t in turns]
    assert got == [
        (OLD_HELLO, NEW_HELLO, "happy", "surprised", False, False, "chat", "chat"),
        (None, None, None, None, True, True, "filtered", "filtered"),
        (OLD_THANKS, NEW_THANKS, "excited", "sad", False, False, "thanks", "thanks"),
    ]
    assert turns[2]["new_model"] == "llama-3.1-8b-instant" and turns[2]["old_model"] == "llama-3.3-70b-versatile"
