"""The tarot corner as one feature: chat commands in, overlay routes and state out, readings to speech.

It takes what it needs as plain arguments — the LLM's ``interpret`` call, the pipeline's speech gate
(``submit`` = ``Pipeline.add_reply``) — and the overlay server takes it as a feature (extra routes,
a ``tarot`` state entry). A finished reading goes straight to the gate: no round trip over the bus.
"""

from __future__ import annotations

import logging
import random
from collections.abc import Callable
from typing import Any

from aiohttp import web

from aischoco_gui.events import Event, EventBus, EventKind
from aischoco_gui.i18n import register, tr
from aischoco_gui.models import ChatMessage, Reply
from aischoco_gui.tarot.art import back_svg, card_svg
from aischoco_gui.tarot.engine import Interpret, TarotEngine
from aischoco_gui.tarot.request import TarotRequest
from aischoco_gui.text import split_sentences

log = logging.getLogger(__name__)

register({
    "tarot.cancelled_by_panic": ("방송 긴급 정지로 타로가 취소되었어요.", "Tarot was cancelled by the emergency stop."),
    "tarot.no_llm": ("LLM이 설정되지 않아 타로를 해석할 수 없어요", "No LLM is configured, so tarot cannot be read"),
})

Submit = Callable[[Reply, list[ChatMessage]], Any]
_CACHE = {"Cache-Control": "public, max-age=86400"}


class TarotFeature:
    """Engine + overlay routes + the way a reading becomes a draft for approval."""

    name = "tarot"  # the key of its entry in the overlay state

    def __init__(self, bus: EventBus, interpret: Interpret, submit: Submit | None, *,
                 rng: random.Random | None = None, **engine_options: Any) -> None:
        self.bus = bus
        self.submit = submit
        self._listeners: list[Callable[[], None]] = []
        self.engine = TarotEngine(interpret, on_change=self._changed, bus=bus, on_result=self._result, rng=rng,
                                  **engine_options)
        self._unsub = bus.subscribe(self._on_event)

    # -- the pipeline side ----------------------------------------------------------------
    def handle(self, msg: ChatMessage) -> bool:
        """Pipeline interceptor: True when the message was a tarot command or the requester's pick."""
        return self.engine.handle(msg)

    def _result(self, req: TarotRequest, reading: dict[str, Any]) -> None:
        summary = str(reading.get("summary") or "").strip()
        if not summary or self.submit is None:
            return
        asked = ChatMessage(nickname=req.nickname, text=f"!타로 {req.question}".strip(), source="tarot")
        reply = Reply(text=summary, emotion="excited", sentences=split_sentences(summary), provider="tarot",
                      notes=[f"tarot reading for {req.nickname}"])
        self.submit(reply, [asked], kind="tarot")

    def _on_event(self, ev: Event) -> None:
        if ev.kind is EventKind.PANIC:
            self.engine.cancel(tr("tarot.cancelled_by_panic"))

    # -- the overlay side (OverlayFeature) ------------------------------------------------
    def snapshot(self) -> dict[str, Any]:
        return self.engine.snapshot()

    def listen(self, fn: Callable[[], None]) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _changed(self) -> None:
        for fn in list(self._listeners):
            fn()

    def add_routes(self, router: web.UrlDispatcher) -> None:
        router.add_get(r"/tarot/cards/{n:\d{1,2}}.svg", self._card)
        router.add_get("/tarot/cards/back.svg", self._card_back)

    async def _card(self, request: web.Request) -> web.Response:
        n = int(request.match_info["n"])
        if not 0 <= n < 78:
            raise web.HTTPNotFound()
        return web.Response(text=card_svg(n), content_type="image/svg+xml", headers=_CACHE)

    async def _card_back(self, request: web.Request) -> web.Response:
        return web.Response(text=back_svg(), content_type="image/svg+xml", headers=_CACHE)

    async def stop(self) -> None:
        self._unsub()
        await self.engine.stop()


def llm_interpret(client: Callable[[], Any]) -> Interpret:
    """The real interpreter: ``client()`` (the reply generator's LLM client, looked up at call time)."""
    from aischoco_gui.tarot.reading import make_llm_interpret

    async def interpret(req: TarotRequest) -> dict[str, Any]:
        c = client()
        if c is None or not hasattr(c, "chat_json"):
            raise RuntimeError(tr("tarot.no_llm"))
        return await make_llm_interpret(c)(req)

    return interpret
