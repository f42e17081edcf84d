"""Names of the held keys (``MIC_PTT_KEY``, ``MIC_DIRECTOR_KEY``): one key, no modifiers.

Each accepted name has a Windows virtual-key code (for the global poller, ``gui/global_keys.py``) and
a Qt name (for the window's key filter), so both read the same setting the same way. ``""`` means
"no key". Qt-free: settings validation uses it too.
"""

from __future__ import annotations

HINT = "F1–F24, A–Z, 0–9, Pause, ScrollLock, Print, Ins, Del, Home, End, PgUp, PgDown, Space, Menu, Up, Down, " \
       "Left, Right — one key, no Ctrl/Shift/Alt"

# canonical Qt name → virtual-key code (winuser.h VK_*)
_NAMED = {"Pause": 0x13, "ScrollLock": 0x91, "Print": 0x2C, "Ins": 0x2D, "Del": 0x2E, "Home": 0x24, "End": 0x23,
          "PgUp": 0x21, "PgDown": 0x22, "Space": 0x20, "Menu": 0x5D, "Up": 0x26, "Down": 0x28, "Left": 0x25,
          "Right": 0x27}
# lower-case spellings people write → canonical name
_ALIASES = {**{n.lower(): n for n in _NAMED}, "insert": "Ins", "delete": "Del", "pageup": "PgUp",
            "pagedown": "PgDown", "scrlk": "ScrollLock", "printscreen": "Print", "prtsc": "Print",
            "break": "Pause", "apps": "Menu"}


def key_spec(name: str) -> tuple[str, int]:
    """``(qt_name, virtual_key)`` of a setting like ``F8`` (case and spaces ignored); ``("", 0)`` for ``""``.

    Raises ``ValueError`` with the accepted names for anything else (combinations included)."""
    raw = (name or "").strip()
    if not raw:
        return "", 0
    s = raw.replace(" ", "").replace("_", "")
    low = s.lower()
    if low in _ALIASES:
        canon = _ALIASES[low]
        return canon, _NAMED[canon]
    if low[:1] == "f" and low[1:].isdigit() and 1 <= int(low[1:]) <= 24 and not low[1:].startswith("0"):
        n = int(low[1:])
        return f"F{n}", 0x70 + n - 1  # VK_F1 … VK_F24
    if len(s) == 1 and s.isascii() and s.isalnum():
        return s.upper(), ord(s.upper())  # VK '0'–'9', 'A'–'Z' are their ASCII codes
    raise ValueError(f"not a key that can be held: {raw!r} (use {HINT})")


def virtual_key(name: str) -> int:
    """The Windows virtual-key code of a key setting (0 for ``""``); ``ValueError`` when it is not one."""
    return key_spec(name)[1]


def qt_name(name: str) -> str:
    """The key's name as ``QKeySequence`` reads it (``PageUp`` → ``PgUp``); ``""`` when it is not a key."""
    try:
        return key_spec(name)[0]
    except ValueError:
        return ""


def key_problems(ptt: str, director: str) -> dict[str, str]:
    """Settings problems of the two held keys (field → message). Each field on its own, as settings are
    validated (the same key for both is not an error: it then acts as the push-to-talk key)."""
    problems: dict[str, str] = {}
    for field_name, value in (("mic_ptt_key", ptt), ("mic_director_key", director)):
        try:
            key_spec(value)
        except ValueError as e:
            problems[field_name] = str(e)
    return problems


# -- key combinations (``LOCKDOWN_KEY``: pressed, not held) -------------------------------------------
MODIFIERS = ("Ctrl", "Shift", "Alt")  # Qt's order in a QKeySequence's text
PANIC_KEY = "F12"  # the panic button's shortcut (main window)


def combo_spec(text: str) -> str:
    """The canonical Qt text of a key combination like ``ctrl + shift + f12`` → ``Ctrl+Shift+F12``.

    Modifiers Ctrl, Shift, Alt (any order, any case), then one key as :func:`key_spec` names it. ``""``
    means no shortcut. Raises ``ValueError`` with the accepted form for anything else, and for plain
    ``F12`` (that is the panic key)."""
    raw = (text or "").strip()
    if not raw:
        return ""
    parts = [p.strip() for p in raw.replace(" ", "").split("+")]
    if any(not p for p in parts):
        raise ValueError(f"not a key combination: {raw!r} (e.g. Ctrl+Shift+F12)")
    mods = {"control": "Ctrl", "ctrl": "Ctrl", "shift": "Shift", "alt": "Alt"}
    chosen: set[str] = set()
    for p in parts[:-1]:
        m = mods.get(p.lower())
        if m is None or m in chosen:
            raise ValueError(f"not a key combination: {raw!r} (modifiers: Ctrl, Shift, Alt; e.g. Ctrl+Shift+F12)")
        chosen.add(m)
    try:
        key, _vk = key_spec(parts[-1])
    except ValueError:
        raise ValueError(f"not a key combination: {raw!r} (the last part must be one key: {HINT.split(' — ')[0]})") \
            from None
    if not key:
        raise ValueError(f"not a key combination: {raw!r}")
    combo = "+".join([*(m for m in MODIFIERS if m in chosen), key])
    if combo == PANIC_KEY:
        raise ValueError("F12 alone is the panic key; use a combination such as Ctrl+Shift+F12")
    return combo
