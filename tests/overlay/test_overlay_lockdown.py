"""Lockdown on the overlay (issue 26): the AI's replies, viewer chat and alerts leave every page at once (a
full state pushed), stay off while chat keeps arriving, and come back with the lift — over real HTTP and in
a real browser (Debian chromium) with the page's own ``?cols=`` override, which lockdown beats."""

from __future__ import annotations

import asyncio

import aiohttp
import pytest

from aischoco_gui.events import EventKind
from aischoco_gui.models import ChatMessage, Draft, Reply
from tests.doubles.chromium import Chromium, chromium_path
from tests.overlay_support import SSEReader, served


def chat(text: str) -> ChatMessage:
    return ChatMessage(nickname="viewer", text=text, user_id="v1")


def speak(bus, text: str) -> None:
    bus.emit(EventKind.SPEECH_STARTED, turn=1, draft=Draft(reply=Reply(text=text), batch=[], turn=1))


async def test_lockdown_empties_the_pages_keeps_them_empty_and_lift_restores():
    async with served() as (srv, bus, _flt), aiohttp.ClientSession() as s:
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("before"))
        speak(bus, "AI before")
        async with s.get(srv.url + "api/events") as r:
            sse = SSEReader(r)
            await sse.next()  # hello
            srv.set_lockdown(True)
            ev = await sse.next()
            assert ev["type"] == "state" and ev["state"]["lockdown"] is True
            assert ev["state"]["viewer_messages"] == [] and ev["state"]["assistant_messages"] == []
            bus.emit(EventKind.CHAT_RECEIVED, message=chat("raid spam"))  # chat keeps coming in
            speak(bus, "AI during")
            srv.push_alert("donation", "someone", amount=1000, text="during")
            with pytest.raises(asyncio.TimeoutError):
                await sse.next(timeout=0.3)  # time is the subject: nothing of it is pushed
            async with s.get(srv.url + "api/state") as resp:
                st = await resp.json()
            assert st["lockdown"] is True and st["viewer_messages"] == [] and st["assistant_messages"] == []
            assert st["alert"] is None
            srv.set_lockdown(False)
            ev = await sse.next()
            assert ev["type"] == "state" and ev["state"]["lockdown"] is False
            assert [v["message"] for v in ev["state"]["viewer_messages"]] == ["before", "raid spam"]
        assert srv.lockdown is False


@pytest.mark.chromium
@pytest.mark.skipif(chromium_path() is None, reason="Debian chromium not installed (apt install chromium)")
async def test_lockdown_hides_both_columns_in_a_real_browser_even_with_cols_in_the_url():
    async with served() as (srv, bus, _flt), Chromium() as browser:
        page = await browser.new_page()
        await page.goto(srv.url + "?obs&cols=assistant,viewer",
                        wait_for="document.body && document.body.dataset.transport === 'push'")
        bus.emit(EventKind.CHAT_RECEIVED, message=chat("보이는 채팅"))
        speak(bus, "보이는 답변")
        await page.wait_js("document.querySelectorAll('#viewer li').length === 1 && "
                           "document.querySelectorAll('#assistant li').length === 1")
        srv.set_lockdown(True)
        await page.wait_js("document.body.classList.contains('lockdown')")
        dom = await page.eval("""(() => ({
            viewer: document.querySelectorAll('#viewer li').length,
            assistant: document.querySelectorAll('#assistant li').length,
            shown: getComputedStyle(document.getElementById('overlay')).display}))()""")
        assert dom == {"viewer": 0, "assistant": 0, "shown": "none"}
        srv.set_lockdown(False)
        await page.wait_js("!document.body.classList.contains('lockdown') && "
                           "document.querySelectorAll('#viewer li').length === 1")
        assert await page.eval("getComputedStyle(document.getElementById('overlay')).display") != "none"


async def test_lockdown_takes_the_tarot_corner_off_its_page_and_lift_brings_it_back():
    reading = {"enabled": True, "phase": "result", "user": "viewer", "question": "연애운",
               "reading": {"cards": [], "summary": "AI reading"}}
    async with served() as (srv, _bus, _flt), aiohttp.ClientSession() as s:
        srv.state.tarot_getter = lambda: dict(reading)
        async with s.get(srv.url + "api/events") as r:
            sse = SSEReader(r)
            await sse.next()  # hello
            srv.set_lockdown(True)
            ev = await sse.next()
            assert ev["state"]["tarot"]["enabled"] is False  # tarot.js hides the corner (phase "disabled")
            srv.state.tarot_changed()  # a reading that moves on during lockdown stays off the page
            ev = await sse.next()
            assert ev["type"] == "tarot" and ev["tarot"]["enabled"] is False
            async with s.get(srv.url + "api/state") as resp:
                assert (await resp.json())["tarot"]["enabled"] is False
            srv.set_lockdown(False)
            ev = await sse.next()
            assert ev["state"]["tarot"]["phase"] == "result" and ev["state"]["tarot"]["question"] == "연애운"
