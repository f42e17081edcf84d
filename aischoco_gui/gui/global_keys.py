"""Windows global hold-to-talk: the push-to-talk and director keys while another program has focus.

``RegisterHotKey`` reports only the press, never the release, so it cannot implement "held". Instead
the mic panel polls ``user32.GetAsyncKeyState`` (high bit = the key is down now) on a 20 ms timer, and
only while the microphone is open and a key is watched; nothing runs while it is off. A low-level
keyboard hook would see every key typed in every program; polling two keys does not.

Hand-over with the window's key filter (``mic_panel.HeldKeys``), which owns the one held/released state:

* window not focused: the poller sets the state from the real key (press → held, release → released);
* window focused: the filter's key events decide; the poller only releases a key that the filter
  thinks held but that is up (a release that went to another window), never presses one;
* focus lost while a key is held: the filter asks the poller to read the real key at once instead of
  releasing it, so holding F8 through an Alt-Tab does not cut the utterance; where no poller runs
  (mic off, not Windows), the filter releases it as before;
* poller stopped while the window is not focused: every key it may have held is released.

Qt-free (the timer is the panel's). Elsewhere than Windows :func:`load_user32` is ``None`` and the
poller stays inert; tests put a stand-in into :data:`user32`.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from typing import Any

POLL_MS = 20  # 50 Hz: a key held for less than that may be missed; a held key never is
DOWN = 0x8000  # GetAsyncKeyState: most significant bit of the SHORT = the key is down

user32: Any = None  # the user32 in use (ctypes on Windows, loaded on first use; a stand-in in tests)


def load_user32() -> Any:
    """``user32`` with ``GetAsyncKeyState`` (Windows only, else ``None``)."""
    global user32
    if user32 is None and sys.platform == "win32":
        import ctypes

        dll = ctypes.WinDLL("user32", use_last_error=True)
        dll.GetAsyncKeyState.argtypes = [ctypes.c_int]
        dll.GetAsyncKeyState.restype = ctypes.c_short
        user32 = dll
    return user32


class GlobalKeyPoller:
    """Reads the watched keys' real state and feeds edges to ``set_held(which, held)``.

    ``is_held(which)`` is the filter's state (the one truth); ``set_held`` ignores non-changes, so
    each edge reaches the microphone once."""

    def __init__(self, api: Any, set_held: Callable[[str, bool], None], is_held: Callable[[str], bool]) -> None:
        self.api = api
        self.set_held = set_held
        self.is_held = is_held
        self.keys: dict[str, int] = {}  # which ("ptt"/"director") → virtual-key code
        self.active = False
        self.polls = 0

    @property
    def available(self) -> bool:
        return self.api is not None

    def start(self, keys: dict[str, int]) -> None:
        """Watch ``keys`` (which → VK; zero codes left out); a key no longer watched is released."""
        keys = {k: vk for k, vk in keys.items() if vk}
        for which in self.keys:
            if which not in keys and self.is_held(which):
                self.set_held(which, False)
        self.keys = keys
        self.active = self.available and bool(keys)

    def stop(self, focused: bool) -> None:
        """Stop watching. Not focused: nobody would see the release, so the keys are released now."""
        if self.active and not focused:
            for which in self.keys:
                self.set_held(which, False)
        self.keys = {}
        self.active = False

    def down(self, vk: int) -> bool:
        return bool(int(self.api.GetAsyncKeyState(vk)) & DOWN)

    def poll(self, focused: bool) -> None:
        if not self.active:
            return
        self.polls += 1
        for which, vk in self.keys.items():
            down = self.down(vk)
            if not focused:
                self.set_held(which, down)
            elif not down and self.is_held(which):
                self.set_held(which, False)  # released while another window had the key events
