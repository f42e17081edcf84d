"""Shared helpers for the LLM tests (a generator wired to the loopback OpenAI double)."""

from __future__ import annotations

from pathlib import Path

from aischoco_gui.compose import Services
from aischoco_gui.events import EventBus
from aischoco_gui.llm.factory import make_reply_generator
from aischoco_gui.models import ChatMessage
from aischoco_gui.paths import user_dirs
from aischoco_gui.service_config import llm_config
from aischoco_gui.settings import Settings
from tests.doubles.services import bare_services


def make_services(home: Path, base_url: str, **overrides) -> Services:
    s = Settings()
    s.llm_base_url = base_url
    s.sources["llm_base_url"] = "test"  # explicit, so a provider preset keeps the double's URL
    s.llm_timeout_s = 1.0
    s.llm_retry_backoff_s = 0.01
    for k, v in overrides.items():
        setattr(s, k, v)
    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    return bare_services(s, dirs, EventBus())


def make_generator(home: Path, base_url: str, **overrides):
    sv = make_services(home, base_url, **overrides)
    gen = make_reply_generator(llm_config(sv.settings), sv.bus, sv.dirs.config, sv.dirs.history)
    return gen, bare_services(sv.settings, sv.dirs, sv.bus, generator=gen)


def msg(nick: str, text: str, **kw) -> ChatMessage:
    return ChatMessage(nickname=nick, text=text, **kw)
