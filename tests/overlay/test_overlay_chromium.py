"""The overlay pages in a real headless Chromium: hostile chat is inert, push and polling fallback work,
the tarot corner runs end to end through the pipeline interceptor and the loopback LLM double."""

from __future__ import annotations

import asyncio
import json
import struct

import pytest

from aischoco_gui.chat.filters import ChatFilter
from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.models import ChatMessage, Draft, Reply
from tests.doubles.chromium import Chromium, chromium_path
from tests.overlay_support import served

pytestmark = [
    pytest.mark.chromium,
    pytest.mark.skipif(chromium_path() is None, reason="Debian chromium not installed (apt install chromium)"),
]

HOSTILE = [
    ("<img src=x onerror=\"window.__pwned=1\">", "nick1"),
    ("</script><script>window.__pwned=2</script>", "<script>window.__pwned=3</script>"),
    ("<svg onload=\"window.__pwned=4\"></svg> <a href=\"javascript:window.__pwned=5\">click</a>", "nick3"),
    ("\u202eevil reversed\u202c and zero\u200bwidth\u200d here \u0645\u0631\u062d\u0628\u0627", "rtl\u202euser"),
    ("A" * 20000, "huge"),
    ("{:ok:} {:evil:} {:js:} {:lookalike:}", "emoji"),
]
EMOJIS = {"ok": "https://nng-phinf.pstatic.net/glive/a.png", "evil": "https://evil.example/x.png",
          "js": "javascript:window.__pwned=6", "lookalike": "https://nng-phinf.pstatic.net.evil.example/x.png"}


def png_size(path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", data[16:24])


async def test_hostile_chat_is_inert_in_a_real_browser(tmp_path):
    async with served() as (srv, bus, _flt), Chromium() as browser:
        page = await browser.new_page()
        await page.goto(srv.url, wait_for="document.body && document.body.dataset.transport === 'push'")
        for text, nick in HOSTILE:
            emojis = EMOJIS if nick == "emoji" else {}
            bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage(nickname=nick, text=text, emojis=emojis))
        bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=Draft(
            reply=Reply(text="<img src=x onerror=\"window.__pwned=7\">답장"), batch=[], turn=1))
        await page.wait_js(f"document.querySelectorAll('#viewer li').length === {len(HOSTILE)}")
        await page.wait_js("document.querySelectorAll('#assistant li').length === 1")
        await asyncio.sleep(0.3)  # time is the subject: a negative check, no injected handler fires within 0.3 s
        dom = await page.eval("""(() => {
            const items = Array.from(document.querySelectorAll('#viewer li'));
            return {
              pwned: window.__pwned === undefined ? null : window.__pwned,
              scripts: Array.from(document.scripts).map(s => s.getAttribute('src')),
              imgs: Array.from(document.querySelectorAll('img')).map(i => [i.className, i.getAttribute('src')]),
              anchors: document.querySelectorAll('a, svg, iframe').length,
              texts: items.map(li => li.querySelector('.text').textContent),
              nicks: items.map(li => li.querySelector('.nick').textContent),
              heights: items.map(li => li.getBoundingClientRect().height),
              bidi: getComputedStyle(items[3].querySelector('.text')).unicodeBidi,
              reply: document.querySelector('#assistant li').textContent,
            };
        })()""")
        assert dom["pwned"] is None
        assert dom["scripts"] == ["/live.js", "/overlay.js"]
        assert dom["imgs"] == [["emoji", "https://nng-phinf.pstatic.net/glive/a.png"]]
        assert dom["anchors"] == 0
        assert dom["texts"][0] == HOSTILE[0][0] and dom["texts"][1] == HOSTILE[1][0]
        assert dom["nicks"][1] == HOSTILE[1][1][:32]  # nicknames are capped at 32 characters
        assert "\u202e" not in dom["texts"][3] and "\u200b" not in dom["texts"][3] and "\u202e" not in dom["nicks"][3]
        assert "evil reversed" in dom["texts"][3] and "\u0645\u0631\u062d\u0628\u0627" in dom["texts"][3]
        assert dom["bidi"] == "isolate"
        assert len(dom["texts"][4]) <= 300 and max(dom["heights"]) < 400
        assert dom["texts"][5] == " {:evil:} {:js:} {:lookalike:}"  # only the CHZZK-hosted emoji became an image
        assert dom["reply"] == "<img src=x onerror=\"window.__pwned=7\">답장"
        shot = tmp_path / "hostile.png"
        await page.screenshot(shot)
        assert png_size(shot) == (1280, 720)


async def test_hostile_donation_and_subscription_alerts_are_inert_and_go_away():
    async with served() as (srv, bus, _flt), Chromium() as browser:
        page = await browser.new_page()
        await page.goto(srv.url + "?obs", wait_for="document.body && document.body.dataset.transport === 'push'")
        nick = "<img src=x onerror=__pwned=8>\u202e치즈"  # fits the 32-character nickname cap
        text = "</div><script>window.__pwned=9</script><svg onload=\"window.__pwned=10\">"
        srv.push_alert("donation", nick, amount=50000, text=text, duration_s=1.5)
        await page.wait_js("!document.getElementById('alert').hidden")
        await asyncio.sleep(0.3)  # time is the subject: a negative check, no injected handler fires within 0.3 s
        dom = await page.eval("""(() => {
            const a = document.getElementById('alert');
            return {pwned: window.__pwned === undefined ? null : window.__pwned,
                    nick: a.querySelector('.alert-nick').textContent, what: a.querySelector('.alert-what').textContent,
                    text: a.querySelector('.alert-text').textContent, children: a.querySelectorAll('*').length,
                    cls: a.className, injected: document.querySelectorAll('img, svg, script:not([src])').length};
        })()""")
        assert dom["pwned"] is None and dom["injected"] == 0
        assert dom["nick"] == "<img src=x onerror=__pwned=8>치즈"  # shown as text, bidi override gone
        assert dom["text"] == text and dom["what"] == " 🧀 50,000" and dom["cls"] == "alert alert-donation"
        assert dom["children"] == 4  # head, nick, what, text: nothing was parsed out of the strings
        await page.wait_js("document.getElementById('alert').hidden", timeout=5)  # goes away by itself
        srv.push_alert("subscription", "<b>구독자</b>", tier_no=2, tier_name="<i>골드</i>", months=24,
                       duration_s=5)
        await page.wait_js("!document.getElementById('alert').hidden")
        what = await page.eval("document.querySelector('#alert .alert-what').textContent")
        assert what == " 구독 · <i>골드</i> · 24개월"
        assert await page.eval("document.querySelector('#alert .alert-nick').textContent") == "<b>구독자</b>"
        page2 = await browser.new_page()  # a page opened later sees the current alert once, not old ones
        await page2.goto(srv.url + "?transport=poll", wait_for="!document.getElementById('alert').hidden")


async def test_push_falls_back_to_polling_and_back():
    async with served() as (srv, bus, _flt), Chromium() as browser:
        page = await browser.new_page()
        await page.goto(srv.url + "?obs", wait_for="document.body && document.body.dataset.transport === 'push'")
        assert await page.eval("getComputedStyle(document.getElementById('controls')).display") == "none"
        port = int(srv.url.rsplit(":", 1)[1].strip("/"))
        await srv.stop()  # the push channel drops
        await page.wait_js("document.body.dataset.transport !== 'push'", timeout=5)
        await srv.restart(port=port)
        bus.emit(EventKind.CHAT_RECEIVED, message=ChatMessage(nickname="a", text="다시 연결"))
        await page.wait_js("Array.from(document.querySelectorAll('#viewer .text'))"
                           ".some(e => e.textContent === '다시 연결')",
                           timeout=8)
        await page.wait_js("document.body.dataset.transport === 'push'", timeout=8)


async def test_polling_mode_and_processed_dimming():
    async with served() as (srv, bus, _flt), Chromium() as browser:
        page = await browser.new_page()
        await page.goto(srv.url + "?transport=poll&theme=large",
                        wait_for="document.body && document.body.dataset.transport === 'poll'")
        m = ChatMessage(nickname="a", text="폴링")
        bus.emit(EventKind.CHAT_RECEIVED, message=m)
        await page.wait_js("document.querySelectorAll('#viewer li').length === 1", timeout=3)
        bus.emit(EventKind.BATCH_READY, turn=1, messages=[m])
        await page.wait_js("document.querySelector('#viewer li').classList.contains('processed')", timeout=3)
        await page.wait_js("parseFloat(getComputedStyle(document.querySelector('#viewer li')).opacity) < 0.6",
                           timeout=3)  # dimmed (after the CSS transition)
        assert await page.eval("document.getElementById('theme').getAttribute('href')") == "/themes/large.css"


async def test_old_messages_fade_and_latest_reply_highlighted():
    async with served() as (srv, bus, _flt), Chromium() as browser:
        srv.state.clock = lambda: 1_000_000.0  # messages stamped long ago…
        for t in ("첫 답장", "둘째 답장"):
            bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=Draft(reply=Reply(text=t), batch=[], turn=1))
        srv.state.clock = lambda: 1_000_000.0 + 700  # …and the server's clock says 11+ minutes later
        page = await browser.new_page()
        await page.goto(srv.url, wait_for="document.querySelectorAll('#assistant li').length === 2")
        classes = await page.eval("Array.from(document.querySelectorAll('#assistant li')).map(l => l.className)")
        assert all("faded" in c for c in classes)
        assert "latest" in classes[1] and "latest" not in classes[0]


async def test_tarot_end_to_end_with_llm_double(home, tmp_path):
    from aischoco_gui.compose import build_services
    from aischoco_gui.paths import user_dirs
    from aischoco_gui.settings import Settings
    from tests.doubles.openai_server import OpenAIDouble, Script
    from tests.doubles.recording import RecordingAvatar, RecordingSpeaker

    reading = {"summary": "새로운 시작이 보여요.", "cards": [{"number": 5, "meaning": "용기"}],
               "visual_data": {"radar_fixed": {"love": 80, "work": 60, "money": 40, "health": 70, "relations": 90},
                               "radar_dynamic": [{"label": "설렘", "value": 85}, {"label": "용기", "value": 60},
                                                 {"label": "타이밍", "value": 75}],
                               "yes_no": {"yes": 72, "label": "고백해도 좋아요"}, "keywords": ["시작", "용기", "<b>"],
                               "candidates": [{"name": "고백", "score": 80, "note": "지금"}],
                               "decision_map": [{"choice": "고백", "outcome": "좋은 반응", "risk": 30}]},
               "soul_color": {"name": "새벽 보라", "hex": "#7B5CD6"},
               "danger_alert": {"active": True, "message": "서두르지 마세요"}}
    async with OpenAIDouble() as llm:
        llm.script(Script(content=json.dumps(reading, ensure_ascii=False)))
        settings = Settings(llm_base_url=llm.base_url, groq_api_key="test-key", tarot_enabled=True, overlay_port=0)
        bus = EventBus()
        services = build_services(settings, user_dirs(), bus, overrides={
            "chat_filter": ChatFilter(), "speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
        overlay = services.overlay
        await overlay.start()
        try:
            async with Chromium() as browser:
                page = await browser.new_page()
                await page.goto(overlay.url + "tarot?obs",
                                wait_for="document.getElementById('tarot').dataset.phase === 'idle'")
                asker = "<img src=x onerror=window.__pwned=1>"
                services.pipeline.on_chat(ChatMessage(nickname=asker, user_id="u1",
                                                      text="!타로 고백해도 될까요? <script>window.__pwned=2</script>"))
                await page.wait_js("document.getElementById('tarot').dataset.phase === 'picking'")
                assert await page.eval("document.querySelectorAll('#grid .slot').length") == 78
                services.pipeline.on_chat(ChatMessage(nickname="other", user_id="u2", text="1 2 3"))
                services.pipeline.on_chat(ChatMessage(nickname=asker, user_id="u1", text="5 99 5"))
                await page.wait_js("document.getElementById('error').textContent.includes('99')")
                assert services.pipeline.backlog[-1].text == "1 2 3"  # others' numbers are ordinary chat
                services.pipeline.on_chat(ChatMessage(nickname=asker, user_id="u1", text="40 77"))
                await page.wait_js("document.getElementById('tarot').dataset.phase === 'result'", timeout=10)
                dom = await page.eval("""({
                  pwned: window.__pwned === undefined ? null : window.__pwned,
                  who: document.getElementById('who').textContent,
                  q: document.getElementById('question').textContent,
                  summary: document.getElementById('summary').textContent,
                  cards: Array.from(document.querySelectorAll('#picked .card img')).map(i => i.getAttribute('src')),
                  keywords: Array.from(document.querySelectorAll('#keywords li')).map(l => l.textContent),
                  alert: document.getElementById('alert').hidden ? '' : document.getElementById('alert').textContent,
                  yes: document.getElementById('yes-bar').style.width,
                  radar: document.querySelectorAll('#radar-fixed polygon.shape, #radar-dynamic polygon.shape').length,
                  swatch: getComputedStyle(document.getElementById('soul-swatch')).backgroundColor,
                  imgs: document.querySelectorAll('img:not(.back)').length,
                })""")
                assert dom["pwned"] is None
                assert dom["who"].startswith(asker[:32]) and "<script>" in dom["q"]
                assert dom["summary"] == "새로운 시작이 보여요."
                assert len(dom["cards"]) == 3 and all(c.startswith("/tarot/cards/") for c in dom["cards"])
                assert dom["keywords"] == ["#시작", "#용기", "#<b>"]
                assert "서두르지 마세요" in dom["alert"] and dom["yes"] == "72%" and dom["radar"] == 2
                assert dom["swatch"] == "rgb(123, 92, 214)"
                assert dom["imgs"] == 3
                req = llm.requests[-1].body
                assert req["response_format"]["type"] in ("json_schema", "json_object")
                user_msg = req["messages"][-1]["content"]
                assert "고백해도 될까요" in user_msg and "#5" in user_msg and "#40" in user_msg and "#77" in user_msg
                shot = tmp_path / "tarot.png"
                await page.screenshot(shot)
                assert png_size(shot) == (1280, 720)
                draft = services.pipeline.queue.pending[-1]  # the reading went straight to approval
                assert draft.reply.provider == "tarot" and draft.text == "새로운 시작이 보여요."
        finally:
            await overlay.stop()
            await services.tarot.stop()
