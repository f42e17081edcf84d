"""Builds a :class:`SpeechToText` engine from plain values (the composition root maps Settings)."""

from __future__ import annotations

import functools
from pathlib import Path

from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.stt import strings as _stt_strings  # noqa: F401  (registers the status text)
from aischoco_gui.stt.engines import SpeechToText
from aischoco_gui.stt.local import LocalWhisper, Progress
from aischoco_gui.stt.remote import RemoteWhisper
from aischoco_gui.user_text import explain

STT_ENGINES = ("remote", "local")


def _retry_notice(bus: EventBus, status_name: str, status: int, delay_s: float, attempt: int) -> None:
    what = "rate limited (HTTP 429)" if status == 429 else (f"HTTP {status}" if status else "no answer")
    bus.set_status(status_name, ServiceState.DEGRADED, tr("stt.status.retrying", why=explain(what),
                                                          delay=f"{delay_s:.1f}"), error=what, attempt=attempt)


def _progress_notice(bus: EventBus, status_name: str, done: int, total: int, label: str) -> None:
    pct = int(done * 100 / total) if total else 0
    bus.set_status(status_name, ServiceState.CONNECTING, tr("stt.status.downloading", label=label, pct=pct),
                   done=done, total=total)


def build_engine(kind: str, bus: EventBus, *, base_url: str, api_key: str, model: str, local_model: str,
                 cache_dir: Path, timeout_s: float = 15.0, status_name: str = "stt",
                 on_progress: Progress | None = None) -> SpeechToText:
    """``remote`` (OpenAI-compatible HTTP) or ``local`` (faster-whisper, fetched on first use).

    Retries and download progress are reported on the bus under ``status_name``."""
    if kind == "remote":
        return RemoteWhisper(base_url, api_key, model, timeout_s=timeout_s,
                             on_retry=functools.partial(_retry_notice, bus, status_name))
    if kind == "local":
        prog = on_progress or functools.partial(_progress_notice, bus, status_name)
        return LocalWhisper(local_model, Path(cache_dir) / "stt-models", on_progress=prog)
    raise ValueError(f"STT_ENGINE must be one of {', '.join(STT_ENGINES)} (got {kind!r})")
