"""Plain constructor helpers for the chat filter and the chat source named by CHAT_SOURCE.

``make_chat_source`` takes the adapter's plain :class:`ChatConfig` (``service_config.chat_config`` builds
it from ``Settings`` in the composition root), not the app's settings."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from aischoco_gui.chat import strings  # noqa: F401 (registers UI text)
from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.filters import FILTERS_FILE, ChatFilter
from aischoco_gui.chat.oauth import ChzzkAuth
from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.protocols import ChatSource
from aischoco_gui.wordfilter import WordFilter


@dataclass(frozen=True)
class ChatConfig:
    source: str = "rehearsal"  # the effective CHAT_SOURCE: chzzk | chzzk-unofficial | rehearsal
    openapi_base: str = "https://openapi.chzzk.naver.com"
    client_id: str = ""
    client_secret: str = ""
    channel_id: str = ""  # the unofficial source's channel
    api_base: str = "https://api.chzzk.naver.com"
    game_api_base: str = "https://comm-api.game.naver.com"
    ws_url: str = "wss://kr-ss{server}.chat.naver.com/chat"
    live_poll_s: float = 30.0
    reconnect_base_s: float = 1.0
    reconnect_max_s: float = 30.0


def make_chat_filter(config_dir: Path, words: WordFilter | None = None) -> ChatFilter:
    """The chat filter from ``config/chat_filters.json``; ``words``: the app's shared banned-word filter."""
    return ChatFilter.load(config_dir / FILTERS_FILE, words=words)


def make_chat_source(cfg: ChatConfig, bus: EventBus, auth: Callable[[], ChzzkAuth]) -> ChatSource:
    """The source for ``cfg.source``; ``auth`` returns the app's one shared CHZZK login."""
    backoff = Backoff(base_s=cfg.reconnect_base_s, max_s=cfg.reconnect_max_s)
    if cfg.source == "chzzk":
        from aischoco_gui.chat.chzzk_official import ChzzkOfficialChatSource

        return ChzzkOfficialChatSource(bus, auth(), base_url=cfg.openapi_base,
                                       client_id=cfg.client_id, client_secret=cfg.client_secret,
                                       backoff=backoff)
    if cfg.source == "chzzk-unofficial":
        from aischoco_gui.chat.chzzk_unofficial import ChzzkUnofficialChatSource

        bus.notice(tr("chat.unofficial_warning"), "warning")
        return ChzzkUnofficialChatSource(bus, channel_id=cfg.channel_id, api_base=cfg.api_base,
                                         game_api_base=cfg.game_api_base, ws_url=cfg.ws_url,
                                         poll_s=cfg.live_poll_s, backoff=backoff)
    from aischoco_gui.chat.rehearsal import RehearsalChatSource

    return RehearsalChatSource(bus)
