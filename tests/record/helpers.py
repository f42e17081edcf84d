"""Record a small show with the real composition root (no chat socket, no voice, no VTS, no overlay) against
the loopback LLM double, and drive it the way a streamer would (chat in, approve / skip out)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from aischoco_gui.compose import Services, build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.paths import UserDirs, user_dirs
from aischoco_gui.settings import Settings
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.vts.noavatar import NoAvatar
from tests.doubles.openai_server import Script
from tests.wait import wait_until

BANNED = "바보멍청이"  # in config/chat_filters.json: the chat filter holds it back


def home_dirs(home: Path, banned: tuple[str, ...] = (BANNED,)) -> UserDirs:
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    (dirs.config / "chat_filters.json").write_text(json.dumps({"banned_words": list(banned)}, ensure_ascii=False),
                                                   encoding="utf-8")
    return dirs


def llm_settings(base_url: str, **over: Any) -> Settings:
    base = dict(llm_base_url=base_url, groq_api_key="gsk_test_key_for_the_double", groq_model="llama-3.3-70b-versatile",
                llm_timeout_s=3.0, llm_max_retries=1, llm_retry_backoff_s=0.05, overlay_port=0)
    base.update(over)
    return dataclasses.replace(Settings(), **base)


class ByKeyword:
    """The LLM double's answers: the first keyword found in the request's last message decides."""

    def __init__(self, rules: dict[str, tuple[str, str]], default: tuple[str, str] = ("neutral", "네!")) -> None:
        self.rules = rules
        self.default = default

    def __call__(self, body: Any) -> Script | None:
        if not isinstance(body, dict):
            return None
        msgs = body.get("messages") or []
        last = str(msgs[-1].get("content", "")) if msgs else ""
        for kw, (emo, text) in self.rules.items():
            if kw in last:  # chat replies and show lines (thanks) share the {"emotion","response"} shape
                return Script(emotion=emo, response=text)
        return Script(emotion=self.default[0], response=self.default[1])


async def run_show(home: Path, settings: Settings, drive: Callable[[Services], Awaitable[None]]) -> Path:
    """Start the services, ``await drive(services)``, stop; returns the recording."""
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    bus = EventBus()
    services = build_services(settings, dirs, bus, overrides={
        "chat": None, "speaker": SilentSpeaker(bus, seconds_per_char=0.0), "avatar": NoAvatar(bus), "overlay": None})
    await start_services(services)
    try:
        await drive(services)
    finally:
        await stop_services(services)
    assert services.recorder is not None and services.recorder.paths, "nothing was recorded"
    return services.recorder.paths[0]


async def draft_for(services: Services, keyword: str, timeout: float = 10.0) -> Any:
    """The pending draft answering a chat that contains ``keyword``."""
    def find() -> Any:
        return next((d for d in services.pipeline.queue.pending if any(keyword in m.text for m in d.batch)), None)
    return await wait_until(find, timeout, f"a draft for {keyword!r}")


async def idle(services: Services, timeout: float = 10.0) -> None:
    p = services.pipeline
    await wait_until(lambda: not p.backlog and not p.generating and not p.queue.approved and p.speaking is None,
                     timeout, "the pipeline idle")
