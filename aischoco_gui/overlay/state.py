"""What the overlay shows: viewer chat, AI replies and view options, as AIsChoco-compatible JSON.

The state is plain data owned by the event loop. Every change produces a small *delta* (a dict
with a ``type``) that the server pushes to connected pages; ``snapshot()`` is the full
``/api/state`` document (same shape as AIsChoco's, with extra fields a client may ignore).
Viewer text is cleaned here (control/bidi/zero-width characters dropped, length capped) and
emoji URLs are kept only when they point at CHZZK's image hosts; the page still renders
everything as text, so this is defence in depth, not the only line.

Every text the overlay shows — chat lines and nicknames, AI replies, alerts, and every string of a
feature's state (the tarot reading's fields) — passes ``screen`` (the app's banned-word mask), so a
banned word is never put on stream whatever path brought it here.
"""

from __future__ import annotations

import json
import logging
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from aischoco_gui.models import ChatMessage
from aischoco_gui.text import clean_display_text, clean_nickname

# CHZZK serves emoticons and badges from these hosts (checked against public CHZZK clients).
EMOJI_HOSTS = ("nng-phinf.pstatic.net", "ssl.pstatic.net")
MAX_TEXT = 300
MAX_REPLY = 600
MAX_VIEWER = 60
MAX_ASSISTANT = 20
MAX_EMOJIS = 20
FADE_AFTER_S = 600.0  # messages older than 10 minutes fade out (the page does the fading)
ALERT_SECONDS = 6.0  # how long a donation/subscription alert stays up

# Filter reasons whose messages are still shown (dimmed). Anything else a filter rejected
# (banned words, spam, links, …) is not put on stream.
SHOWN_FILTER_REASONS = frozenset({"too_short", "duplicate", "rate_limited", "flood", "backlog"})

# What lockdown keeps off the pages (the content deltas); everything else (config, features) still flows.
LOCKDOWN_HIDDEN = frozenset({"viewer", "update", "processed", "assistant", "remove", "alert"})

Delta = dict[str, Any]
Listener = Callable[[Delta], None]
log = logging.getLogger(__name__)


def screen_deep(value: Any, screen: Callable[[str], str]) -> Any:
    """``value`` with ``screen`` applied to every string in it (dict keys stay as they are)."""
    if isinstance(value, str):
        return screen(value)
    if isinstance(value, dict):
        return {k: screen_deep(v, screen) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [screen_deep(v, screen) for v in value]
    return value


def safe_emoji_url(url: object) -> str | None:
    """``url`` if it is an https URL on a CHZZK image host, else None."""
    if not isinstance(url, str) or len(url) > 1000:
        return None
    try:
        u = urlsplit(url.strip())
    except ValueError:
        return None
    host = (u.hostname or "").lower()
    if u.scheme != "https" or host not in EMOJI_HOSTS or u.username or u.password or u.port not in (None, 443):
        return None
    return u.geturl()


def safe_emojis(emojis: dict[str, str] | None) -> dict[str, str]:
    out: dict[str, str] = {}
    for name, url in list((emojis or {}).items())[:MAX_EMOJIS]:
        good = safe_emoji_url(url)
        if good and isinstance(name, str) and 0 < len(name) <= 64:
            out[clean_display_text(name)] = good
    return out


@dataclass
class ViewOptions:
    """Panel-controlled presentation; the page applies it live (a query string can override)."""

    theme: str = "default"
    show_assistant: bool = True
    show_viewer: bool = True

    def to_json(self) -> dict[str, Any]:
        return {"theme": self.theme, "show_assistant": self.show_assistant, "show_viewer": self.show_viewer}


@dataclass
class OverlayState:
    """The overlay's model. ``listen`` receives every delta (the server turns them into pushes)."""

    ignore_streamer_getter: Callable[[], bool] = lambda: False
    ignore_streamer_setter: Callable[[bool], None] | None = None
    tarot_getter: Callable[[], Any] = lambda: {"enabled": False}  # replaced by a "tarot" provider
    providers: dict[str, Callable[[], Any]] = field(default_factory=dict)  # feature name → its state
    clock: Callable[[], float] = time.time
    viewer: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_VIEWER))
    assistant: deque[dict[str, Any]] = field(default_factory=lambda: deque(maxlen=MAX_ASSISTANT))
    view: ViewOptions = field(default_factory=ViewOptions)
    paused: bool = False
    lockdown: bool = False  # lockdown: the AI's replies, viewer chat and alerts are off the overlay
    rev: int = 0
    _listeners: list[Listener] = field(default_factory=list)
    _by_msg: dict[int, dict[str, Any]] = field(default_factory=dict)
    _frozen: dict[str, Any] | None = None
    _snap_key: tuple[Any, ...] | None = None
    _snap_body: str = ""  # the cached /api/state document without server_time (starts after "{")
    snapshot_builds: int = 0  # how often the cached document was rebuilt (tests, benchmarks)
    _next_reply_id: int = 1
    alert: dict[str, Any] | None = None  # the latest alert (pages show it while it is recent)
    screen: Callable[[str], str] | None = None  # masks banned words in every text shown (None: shown as is)

    def _screen(self, text: str) -> str:
        if self.screen is None or not text:
            return text
        try:
            return self.screen(text)
        except Exception:  # a broken filter leaves the text out rather than showing it unchecked
            log.exception("overlay: the word filter failed; text left out")
            return ""

    # -- observation ----------------------------------------------------------------------
    def listen(self, fn: Listener) -> Callable[[], None]:
        self._listeners.append(fn)
        return lambda: self._listeners.remove(fn) if fn in self._listeners else None

    def _emit(self, delta: Delta, *, force: bool = False) -> None:
        self.rev += 1
        delta["rev"] = self.rev
        if force:
            pass
        elif self.lockdown and delta["type"] in LOCKDOWN_HIDDEN:
            return  # locked down: nothing of the chat or the AI reaches a page; the lift sends a full state
        elif self.paused and delta["type"] not in ("paused", "config", "tarot", *self.providers):
            return  # frozen: the page keeps what it shows; resume sends a full state
        for fn in list(self._listeners):
            fn(delta)

    @property
    def ignore_streamer_chat(self) -> bool:
        return bool(self.ignore_streamer_getter())

    # -- viewer chat ----------------------------------------------------------------------
    def add_chat(self, msg: ChatMessage) -> dict[str, Any] | None:
        """Add a received chat message; returns the entry, or None when it is not shown."""
        if msg.is_streamer and self.ignore_streamer_chat:
            return None
        if msg.filtered_reason is not None and msg.filtered_reason not in SHOWN_FILTER_REASONS:
            return None
        if msg.id in self._by_msg:
            return self._by_msg[msg.id]
        entry = {
            "id": msg.id,
            "user": self._screen(clean_nickname(msg.nickname)),
            "message": self._screen(clean_display_text(msg.text, MAX_TEXT).replace("\n", " ")),
            "ts": self.clock(),
            "processed": bool(msg.processed),
            "filtered": msg.filtered_reason is not None,
            "role": msg.role if msg.role in ("streamer", "manager", "viewer") else "viewer",
            "emojis": safe_emojis(msg.emojis),
            "donation": msg.donation_amount if isinstance(msg.donation_amount, int) else None,
        }
        if len(self.viewer) == self.viewer.maxlen:
            old = self.viewer[0]
            self._by_msg.pop(old["id"], None)
        self.viewer.append(entry)
        self._by_msg[msg.id] = entry
        self._emit({"type": "viewer", "entry": entry})
        return entry

    def filtered(self, msg: ChatMessage, reason: str) -> None:
        """A filter rejected ``msg``: dim it, or take it off the overlay when it must not be shown."""
        entry = self._by_msg.get(msg.id)
        if entry is None:
            return
        if reason in SHOWN_FILTER_REASONS:
            if not entry["filtered"]:
                entry["filtered"] = True
                self._emit({"type": "update", "entry": entry})
        else:
            self.remove_viewer([msg.id])

    def remove_viewer(self, ids: list[int]) -> None:
        gone = [i for i in ids if i in self._by_msg]
        if not gone:
            return
        for i in gone:
            self._by_msg.pop(i)
        keep = [e for e in self.viewer if e["id"] not in gone]
        self.viewer.clear()
        self.viewer.extend(keep)
        self._emit({"type": "remove", "viewer_ids": gone})

    def mark_processed(self, msgs: list[ChatMessage]) -> list[int]:
        ids = []
        for m in msgs:
            e = self._by_msg.get(m.id)
            if e is not None and not e["processed"]:
                e["processed"] = True
                ids.append(m.id)
        if ids:
            self._emit({"type": "processed", "ids": ids})
        return ids

    # -- AI replies -----------------------------------------------------------------------
    def add_reply(self, text: str, emotion: str = "neutral") -> dict[str, Any] | None:
        text = self._screen(clean_display_text(text or "", MAX_REPLY).strip())
        if not text:
            return None
        entry = {"id": self._next_reply_id, "message": text, "ts": self.clock(),
                 "emotion": clean_display_text(emotion or "neutral", 24)}
        self._next_reply_id += 1
        self.assistant.append(entry)
        self._emit({"type": "assistant", "entry": entry})
        return entry

    def retract_last_reply(self) -> None:
        """Panic: take the reply that was being spoken off the screen."""
        if self.assistant:
            e = self.assistant.pop()
            self._emit({"type": "remove", "assistant_ids": [e["id"]]})

    # -- controls -------------------------------------------------------------------------
    def clear(self) -> None:
        self.viewer.clear()
        self.assistant.clear()
        self._by_msg.clear()
        self.alert = None
        self._frozen = None
        self._emit({"type": "state", "state": self._live_snapshot()})

    def toggle_streamer_chat(self) -> bool:
        new = not self.ignore_streamer_chat
        self.set_ignore_streamer(new)
        return new

    def set_ignore_streamer(self, value: bool) -> None:
        if self.ignore_streamer_setter is not None:
            self.ignore_streamer_setter(bool(value))
        if value:  # hiding: take the streamer's lines already on screen off it too
            ids = [e["id"] for e in self.viewer if e["role"] == "streamer"]
            if ids:
                self.remove_viewer(ids)
        self._emit({"type": "config", "ignore_streamer_chat": self.ignore_streamer_chat,
                    "view": self.view.to_json()})

    def set_view(self, *, theme: str | None = None, show_assistant: bool | None = None,
                 show_viewer: bool | None = None) -> None:
        if theme is not None:
            self.view.theme = theme
        if show_assistant is not None:
            self.view.show_assistant = show_assistant
        if show_viewer is not None:
            self.view.show_viewer = show_viewer
        self._emit({"type": "config", "ignore_streamer_chat": self.ignore_streamer_chat,
                    "view": self.view.to_json()})

    def set_paused(self, paused: bool) -> None:
        """Freeze what the overlay shows (chat keeps being collected) or resume with everything."""
        if paused == self.paused:
            return
        if paused:
            self._frozen = self._live_snapshot()
            self.paused = True
            self._emit({"type": "paused", "paused": True})
        else:
            self.paused = False
            self._frozen = None
            self._emit({"type": "state", "state": self._live_snapshot()})

    def set_lockdown(self, on: bool) -> None:
        """Lockdown: take the AI's replies, viewer chat and alerts off every page now (a full state without
        them, ``lockdown: true``), and keep them off until lifted; the lift sends everything again."""
        if bool(on) == self.lockdown:
            return
        self.lockdown = bool(on)
        self._emit({"type": "state", "state": self.snapshot()}, force=True)

    # -- donation / subscription alert ----------------------------------------------------
    def push_alert(self, kind: str, nickname: str, *, amount: int | None = None, tier_no: int | None = None,
                   tier_name: str = "", months: int | None = None, text: str = "",
                   duration_s: float = ALERT_SECONDS) -> dict[str, Any]:
        """Show a donation/subscription alert for ``duration_s`` (the page renders it as text only)."""
        entry = {
            "id": self._next_reply_id, "kind": "subscription" if kind == "subscription" else "donation",
            "user": self._screen(clean_nickname(nickname)),
            "text": self._screen(clean_display_text(text or "", MAX_TEXT).replace("\n", " ")),
            "amount": amount if isinstance(amount, int) and not isinstance(amount, bool) else None,
            "tier_no": tier_no if isinstance(tier_no, int) else None,
            "tier_name": self._screen(clean_display_text(tier_name or "", 32)),
            "months": months if isinstance(months, int) else None,
            "ts": self.clock(), "duration_s": max(0.5, min(float(duration_s), 60.0)),
        }
        self._next_reply_id += 1
        self.alert = entry
        self._emit({"type": "alert", "entry": entry})
        return entry

    def tarot_changed(self) -> None:
        self.provider_changed("tarot")

    # -- feature state (overlay features register one entry each) ---------------------------
    def add_provider(self, name: str, getter: Callable[[], Any]) -> None:
        self.providers[name] = getter

    def provider_changed(self, name: str) -> None:
        self._emit({"type": name, name: self._provided()[name]})

    def _provided(self) -> dict[str, Any]:
        # locked down, the tarot corner (the AI's reading, a viewer's question) leaves its page like the replies
        tarot = {"enabled": False, "lockdown": True} if self.lockdown else self.tarot_getter()
        raw = {"tarot": tarot, **{k: g() for k, g in self.providers.items()}}
        return raw if self.screen is None else screen_deep(raw, self._screen)

    # -- snapshots ------------------------------------------------------------------------
    def _live_snapshot(self) -> dict[str, Any]:
        return {
            "viewer_messages": [dict(e) for e in self.viewer],
            "assistant_messages": [dict(e) for e in self.assistant],
            "ignore_streamer_chat": self.ignore_streamer_chat,
            **self._provided(),
            "alert": self.alert,
            "view": self.view.to_json(),
            "paused": self.paused,
            "server_time": self.clock(),
            "fade_after_s": FADE_AFTER_S,
            "rev": self.rev,
        }

    def snapshot(self) -> dict[str, Any]:
        """The ``/api/state`` document (the frozen one while paused, with live controls; locked down: no chat,
        no replies, no alert)."""
        if self.paused and self._frozen is not None:
            snap = dict(self._frozen)
            snap.update(ignore_streamer_chat=self.ignore_streamer_chat, view=self.view.to_json(), paused=True,
                        server_time=self.clock(), rev=self.rev, **self._provided())
        else:
            snap = self._live_snapshot()
        snap["lockdown"] = self.lockdown
        if self.lockdown:
            snap.update(viewer_messages=[], assistant_messages=[], alert=None)
        return snap

    def snapshot_json(self) -> str:
        """``snapshot()`` as JSON, rebuilt only when something changed (``rev``, pause, streamer toggle,
        feature blocks such as tarot); ``server_time`` is the only per-request part."""
        # feature blocks are small; comparing them too keeps the cache right even if a change was not announced
        provided = json.dumps(self._provided(), ensure_ascii=False, sort_keys=True, default=str)
        key = (self.rev, self.paused, self.lockdown, self.ignore_streamer_chat, provided)
        if key != self._snap_key:
            snap = self.snapshot()
            snap.pop("server_time", None)
            self._snap_body = json.dumps(snap, ensure_ascii=False)[1:]
            self._snap_key = key
            self.snapshot_builds += 1
        sep = "," if self._snap_body != "}" else ""
        return f'{{"server_time": {self.clock()!r}{sep}{self._snap_body}'

