"""Builds the chat filter and the chat source named by CHAT_SOURCE."""

from __future__ import annotations

from aischoco_gui.chat import strings  # noqa: F401 (registers UI text)
from aischoco_gui.i18n import tr
from aischoco_gui.services import Services


def build_chat_filter(services: Services):
    from aischoco_gui.chat.filters import FILTERS_FILE, ChatFilter
    from aischoco_gui.chat.recent import RecentChat

    recent = RecentChat(services.settings.chat_recent_size)
    recent.attach(services.bus)
    services.extras["recent_chat"] = recent
    return ChatFilter.load(services.dirs.config / FILTERS_FILE)


def build_auth(services: Services):
    """The shared CHZZK login (one per app; the chat panel's login action uses it too)."""
    from aischoco_gui.chat.oauth import auth_from_settings

    auth = services.extras.get("chzzk_auth")
    if auth is None:
        auth = services.extras["chzzk_auth"] = auth_from_settings(services.settings)
    return auth


def build_chat_source(services: Services):
    from aischoco_gui.chat.backoff import Backoff

    s = services.settings
    src = s.effective_chat_source
    backoff = Backoff(base_s=s.chat_reconnect_base_s, max_s=s.chat_reconnect_max_s)
    if src == "chzzk":
        from aischoco_gui.chat.chzzk_official import ChzzkOfficialChatSource

        auth = build_auth(services)
        return ChzzkOfficialChatSource(services.bus, auth, base_url=s.chzzk_openapi_base,
                                       client_id=s.chzzk_client_id, client_secret=s.chzzk_client_secret,
                                       backoff=backoff)
    if src == "chzzk-unofficial":
        from aischoco_gui.chat.chzzk_unofficial import ChzzkUnofficialChatSource

        services.bus.notice(tr("chat.unofficial_warning"), "warning")
        return ChzzkUnofficialChatSource(services.bus, channel_id=s.chzzk_channel_id, api_base=s.chzzk_api_base,
                                         game_api_base=s.chzzk_game_api_base, ws_url=s.chzzk_chat_ws_url,
                                         poll_s=s.chzzk_live_poll_s, backoff=backoff)
    from aischoco_gui.chat.rehearsal import RehearsalChatSource

    return RehearsalChatSource(services.bus)
