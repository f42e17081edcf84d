"""Plain constructor helpers for the chat filter and the chat source named by CHAT_SOURCE."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from aischoco_gui.chat import strings  # noqa: F401 (registers UI text)
from aischoco_gui.chat.backoff import Backoff
from aischoco_gui.chat.filters import FILTERS_FILE, ChatFilter
from aischoco_gui.chat.oauth import ChzzkAuth
from aischoco_gui.events import EventBus
from aischoco_gui.i18n import tr
from aischoco_gui.protocols import ChatSource
from aischoco_gui.settings import Settings
from aischoco_gui.wordfilter import WordFilter


def make_chat_filter(config_dir: Path, words: WordFilter | None = None) -> ChatFilter:
    """The chat filter from ``config/chat_filters.json``; ``words``: the app's shared banned-word filter."""
    return ChatFilter.load(config_dir / FILTERS_FILE, words=words)


def make_chat_source(s: Settings, bus: EventBus, auth: Callable[[], ChzzkAuth]) -> ChatSource:
    """The source for ``s.effective_chat_source``; ``auth`` returns the app's one shared CHZZK login."""
    src = s.effective_chat_source
    backoff = Backoff(base_s=s.chat_reconnect_base_s, max_s=s.chat_reconnect_max_s)
    if src == "chzzk":
        from aischoco_gui.chat.chzzk_official import ChzzkOfficialChatSource

        return ChzzkOfficialChatSource(bus, auth(), base_url=s.chzzk_openapi_base,
                                       client_id=s.chzzk_client_id, client_secret=s.chzzk_client_secret,
                                       backoff=backoff)
    if src == "chzzk-unofficial":
        from aischoco_gui.chat.chzzk_unofficial import ChzzkUnofficialChatSource

        bus.notice(tr("chat.unofficial_warning"), "warning")
        return ChzzkUnofficialChatSource(bus, channel_id=s.chzzk_channel_id, api_base=s.chzzk_api_base,
                                         game_api_base=s.chzzk_game_api_base, ws_url=s.chzzk_chat_ws_url,
                                         poll_s=s.chzzk_live_poll_s, backoff=backoff)
    from aischoco_gui.chat.rehearsal import RehearsalChatSource

    return RehearsalChatSource(bus)
