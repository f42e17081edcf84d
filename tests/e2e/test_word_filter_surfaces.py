"""Issue 22: a hostile viewer, auto approval, the streamer's banned list set as the README says
(``LLM_BANNED_WORDS``) — not one bypass is spoken (TTS double), shown (overlay ``/api/state``, every
pushed delta, the pages in headless Chromium) or echoed into CHZZK chat (the API double's ``chats/send``),
with streaming and non-streaming replies alike.

Every outside party is a loopback double and the app is the real one (``compose.build_services``):
the CHZZK session + Open API double carries chat, donations, chat echo and notices; the OpenAI double
answers chat turns with the bypasses (and tarot readings whose fields hide them); the AIsChoco TTS
server double records every text it is asked to synthesise. A clean turn last proves the paths work.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import aiohttp
import pytest

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.gui.show_actions import ShowActions
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.show.echo import split_for_chat
from aischoco_gui.text import split_sentences
from tests.doubles.chromium import Chromium, chromium_path
from tests.doubles.chzzk_api_server import ChzzkApiDouble
from tests.doubles.openai_server import OpenAIDouble, Script, stream_content
from tests.doubles.recording import RecordingAvatar
from tests.doubles.tts_servers import AischocoTtsServer
from tests.e2e.harness import is_tarot
from tests.wait import wait_until
from tests.wordfilter.cases import BANNED_SETTING, all_bypasses

pytestmark = pytest.mark.slow

CLEAN_REPLY = "좋은 하루예요! 오늘도 와 줘서 고마워요."
THANKS_REPLY = "후원 정말 고마워요!"
TAROT_READING = {
    "summary": "카드가 말해요. 병·신이네요 조심하세요.",
    "cards": [{"number": 1, "meaning": "ㅅㅣㅂㅏㄹ 시작"}],
    "visual_data": {"yes_no": {"yes": 60, "label": "시.발이다"}, "keywords": ["ꜰᴜᴄᴋ", "용기", "개 새 끼들아"]},
    "soul_color": {"name": "🅵🆄🅲🅺 보라", "hex": "#7B5CD6"},
    "danger_alert": {"active": True, "message": "존ㆍ나 조심"},
}
TAROT_HIDDEN = ["병·신이네요", "ㅅㅣㅂㅏㄹ", "시.발이다", "ꜰᴜᴄᴋ", "개 새 끼들아", "🅵🆄🅲🅺", "존ㆍ나"]
BANNED_NICK = "시.발"
BANNED_DONATION = "후원합니다 시.발이다"


class Responder:
    """Chat turn ``질문N`` → the N-th bypass; ``깨끗`` → the clean reply; thanks and tarot as asked."""

    def __init__(self, bypasses: list[str]) -> None:
        self.bypasses = bypasses

    def __call__(self, body: Any) -> Script | None:
        if not isinstance(body, dict):
            return None
        if is_tarot(body):
            return Script(content=json.dumps(TAROT_READING, ensure_ascii=False))
        last = str((body.get("messages") or [{}])[-1].get("content", ""))
        text = THANKS_REPLY if "감사:" in last else CLEAN_REPLY
        for i, b in enumerate(self.bypasses):
            if f"질문{i}번" in last:
                text = b
                break
        if body.get("stream"):
            return Script(content=stream_content("happy", text))
        return Script(emotion="happy", response=text)


def _texts(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize("llm_mode", ["json", "stream"])
async def test_no_bypass_is_spoken_shown_or_echoed_in_auto_mode(home, llm_mode):
    bypasses = [t for _, t in all_bypasses()]
    bus = EventBus()
    chzzk = await ChzzkApiDouble(ping_interval_ms=2000, ping_timeout_ms=2000).start()
    tts = await AischocoTtsServer().start()
    async with OpenAIDouble() as llm:
        llm.responder = Responder(bypasses)
        settings = dataclasses.replace(
            Settings(), chat_source="chzzk", chzzk_openapi_base=chzzk.base_url, chzzk_client_id=chzzk.client_id,
            chzzk_client_secret=chzzk.client_secret, chzzk_access_token="user-token-1",
            chat_reconnect_base_s=0.1, chat_reconnect_max_s=0.5, llm_base_url=llm.base_url, groq_api_key="test-key",
            groq_model="llama-3.3-70b-versatile", llm_mode=llm_mode, llm_timeout_s=3.0, tts_engine="remote",
            tts_remote_url=tts.url, tts_fallback="", tts_output_device="null", overlay_port=0, tarot_enabled=True,
            approval_mode="auto", batch_max_messages=1, chzzk_chat_echo="on", chat_echo_min_interval_s=0.0,
            chat_echo_burst=50, llm_banned_words=BANNED_SETTING)
        s = build_services(settings, user_dirs({"AISCHOCO_HOME": str(home)}), bus,
                           overrides={"avatar": RecordingAvatar(bus)})
        deltas: list[dict] = []
        s.overlay.state.listen(deltas.append)
        spoken_drafts: list[Any] = []
        drafts: list[Any] = []

        def record(ev: Any) -> None:
            if ev.kind == EventKind.SPEECH_STARTED:
                spoken_drafts.append(ev.data["draft"])
            elif ev.kind == EventKind.DRAFT_CREATED:
                drafts.append(ev.data["draft"])

        bus.subscribe(record)
        await start_services(s)
        try:
            await wait_until(lambda: chzzk.subscribed("CHAT") and chzzk.subscribed("DONATION"), 15, "chat subscribed")
            # 1. the hostile viewer types every bypass: held by the chat filter, never on the overlay or to the LLM
            for i, text in enumerate(bypasses):
                await chzzk.push_chat(text, nickname=f"손님{i}", sender=f"guest-{i}")
            # 2. a viewer whose nickname is a banned word (the message itself is fine)
            await chzzk.push_chat("안녕하세요 처음 왔어요", nickname=BANNED_NICK, sender="nick-1")
            # 3. a donation whose text the chat filter rejects raises no alert; a clean one does
            await chzzk.push_donation(BANNED_DONATION, 5000, nickname="후원자", donator="don-1")
            # 4. questions whose answers are the bypasses (the prompted model writes them); one turn at a time
            #    (the pipeline answers the newest chat and drops older unanswered ones)
            for i in range(len(bypasses)):
                await chzzk.push_chat(f"질문{i}번 알려줘", nickname=f"시청자{i}", sender=f"viewer-{i}")
                await wait_until(lambda i=i: any(f"질문{i}번" in m.text for d in drafts for m in d.batch), 10,
                                 f"a draft answering question {i}")
            # 5. a tarot reading whose fields hide banned words
            await chzzk.push_chat("!타로 이번 달 운세", nickname="타로손님", sender="tarot-1")
            await wait_until(lambda: (s.tarot.snapshot().get("phase") == "picking"), 10, "tarot picking")
            await chzzk.push_chat("1 2 3", nickname="타로손님", sender="tarot-1")
            await wait_until(lambda: s.tarot.snapshot().get("phase") == "result", 10, "tarot result")
            # 6. the clean donation and the clean turn last: once they are echoed, everything before was handled
            await chzzk.push_donation("항상 응원해요", 1000, nickname="착한후원자", donator="don-2")
            await chzzk.push_chat("깨끗한 질문이에요", nickname="마지막", sender="last-1")
            want_echo = set(split_for_chat(CLEAN_REPLY))
            await wait_until(lambda: want_echo <= {c["message"] for c in chzzk.sent_chats}, 30, "clean reply echoed")
            # 7. a notice pinned from a chat line passes the same filter
            result = await ShowActions(s).pin_notice("오늘 공지: 시.발이다 금지")
            assert result.ok, result.text

            clean = {CLEAN_REPLY, THANKS_REPLY}
            clean_sentences = {x for r in clean for x in split_sentences(r)}
            leaks: dict[str, Any] = {}  # surface → what got through (all surfaces are checked, then asserted)
            # spoken: only clean sentences reached the TTS server; every bypass reply is held for the streamer
            synthesised = [body["text"] for _, body in tts.requests]
            leaks["spoken (TTS double)"] = sorted(set(synthesised) - clean_sentences)
            leaks["spoken drafts"] = [d.text for d in spoken_drafts if d.text not in clean]
            held = {d.text for d in s.pipeline.queue.held}
            leaks["not held"] = [b for b in [*bypasses, TAROT_READING["summary"]] if b not in held]
            # echoed: only pieces of clean replies were posted; the notice went out masked
            leaks["echoed (chats/send)"] = sorted({c["message"] for c in chzzk.sent_chats}
                                                  - {m for r in clean for m in split_for_chat(r)})
            leaks["notice"] = [n["message"] for n in chzzk.notices if n["message"] != "오늘 공지: **이다 금지"]
            # to the LLM: no bypass, no banned nickname
            sent = "\n".join(_texts(r.body) for r in llm.requests)
            leaks["to the LLM"] = [b for b in [*bypasses, BANNED_NICK] if b in sent]
            # shown: /api/state and every delta pushed to the pages
            async with aiohttp.ClientSession() as http, http.get(s.overlay.url + "api/state") as r:
                state = await r.json()
            shown = _texts(state) + "\n" + "\n".join(_texts(d) for d in deltas)
            leaks["shown (overlay)"] = [b for b in [*bypasses, *TAROT_HIDDEN, BANNED_NICK, BANNED_DONATION]
                                        if b in shown]
            leaks["overlay replies"] = [e["message"] for e in state["assistant_messages"] if e["message"] not in clean]
            alerts = [d["entry"]["text"] for d in deltas if d["type"] == "alert"]
            leaks["alerts"] = [] if alerts == ["항상 응원해요"] else alerts
            if chromium_path() is not None:
                async with Chromium() as browser:
                    page = await browser.new_page()
                    await page.goto(s.overlay.url, wait_for="document.body && document.body.dataset.transport")
                    await page.wait_js(f"document.body.innerText.includes({json.dumps(CLEAN_REPLY[:8])})")
                    body = await page.eval("document.body.innerText")
                    await page.goto(s.overlay.url + "tarot?obs",
                                    wait_for="document.getElementById('tarot').dataset.phase === 'result'")
                    body += await page.eval("document.body.innerText")
                leaks["shown (Chromium)"] = [b for b in [*bypasses, *TAROT_HIDDEN, BANNED_NICK] if b in body]
                assert "보라" in body  # the tarot reading is on the page, masked
            assert not {k: v for k, v in leaks.items() if v}, leaks
            # and what should be there is there
            assert synthesised and spoken_drafts
            assert any(e["user"] == "**" and e["message"] == "안녕하세요 처음 왔어요" for e in state["viewer_messages"])
            tarot = _texts(state["tarot"])
            assert "**" in tarot and "보라" in tarot
        finally:
            await stop_services(s)
            await tts.stop()
            await chzzk.stop()
