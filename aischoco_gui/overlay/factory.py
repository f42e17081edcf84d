"""Build the overlay service from the app's services (settings, dirs, bus, chat filter, pipeline, LLM)."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aischoco_gui.overlay.server import USER_CSS_FILE, OverlayServer, load_token
from aischoco_gui.overlay.state import OverlayState
from aischoco_gui.overlay.tarot import TarotEngine, TarotRequest
from aischoco_gui.overlay.tarot_reading import make_llm_interpret

if TYPE_CHECKING:
    from aischoco_gui.services import Services

log = logging.getLogger(__name__)


def _llm_interpret(services: Services):
    """The real interpreter: the reply generator's LLM client (``chat_json``), looked up at call time."""

    async def interpret(req: TarotRequest) -> dict[str, Any]:
        client = getattr(services.generator, "client", None)
        if client is None or not hasattr(client, "chat_json"):
            raise RuntimeError("LLM이 설정되지 않아 타로를 해석할 수 없어요 (LLM not configured)")
        return await make_llm_interpret(client)(req)

    return interpret


def build_overlay(services: Services) -> OverlayServer:
    s = services.settings
    chat_filter = services.chat_filter

    def get_ignore() -> bool:
        return bool(getattr(chat_filter, "ignore_streamer", False))

    def set_ignore(v: bool) -> None:
        if chat_filter is not None:
            chat_filter.ignore_streamer = v

    state = OverlayState(ignore_streamer_getter=get_ignore, ignore_streamer_setter=set_ignore)
    tarot = None
    if s.tarot_enabled:
        tarot = TarotEngine(_llm_interpret(services), on_change=state.tarot_changed, bus=services.bus)
        state.tarot_getter = tarot.snapshot
        if services.pipeline is not None:
            services.pipeline.add_interceptor(tarot.handle)
        else:
            log.warning("tarot enabled but there is no pipeline to take chat commands from")
    else:
        state.tarot_getter = lambda: {"enabled": False}
    services.dirs.config.mkdir(parents=True, exist_ok=True)
    server = OverlayServer(services.bus, state, host=s.overlay_host, port=s.overlay_port,
                           token=load_token(services.dirs.config), user_css=services.dirs.config / USER_CSS_FILE,
                           tarot=tarot)
    return server
