"""One translation mechanism for all UI text: Korean first, English available.

Modules register their strings next to the code that uses them::

    register({"chat.title": ("채팅", "Chat")})
    tr("chat.title")

A missing key falls back to English, then to the key itself (and is logged once).
"""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)

LANGUAGES = ("ko", "en")
_strings: dict[str, tuple[str, str]] = {}
_lang = "ko"
_missing: set[str] = set()


def register(strings: dict[str, tuple[str, str]]) -> None:
    for k, v in strings.items():
        if k in _strings and _strings[k] != v:
            log.debug("i18n key %s re-registered", k)
        _strings[k] = v


def set_language(lang: str) -> None:
    global _lang
    _lang = lang if lang in LANGUAGES else "ko"


def language() -> str:
    return _lang


def tr(key: str, **kw: object) -> str:
    pair = _strings.get(key)
    if pair is None:
        if key not in _missing:
            _missing.add(key)
            log.warning("missing UI string %s", key)
        text = key
    else:
        text = pair[0] if _lang == "ko" else (pair[1] or pair[0])
    return text.format(**kw) if kw else text


def all_keys() -> dict[str, tuple[str, str]]:
    return dict(_strings)


register({
    "app.title": ("aischoco 컨트롤 룸", "aischoco control room"),
    "state.off": ("꺼짐", "off"),
    "state.not_configured": ("설정 필요", "not configured"),
    "state.connecting": ("연결 중", "connecting"),
    "state.ready": ("연결됨", "ready"),
    "state.reconnecting": ("재연결 중 ({attempt}회)", "reconnecting (attempt {attempt})"),
    "state.error": ("오류", "error"),
    "state.degraded": ("대체 동작 중", "degraded"),
    "service.chat": ("채팅", "Chat"),
    "service.llm": ("LLM", "LLM"),
    "service.tts": ("TTS", "TTS"),
    "service.vts": ("VTS", "VTS"),
    "service.overlay": ("오버레이", "Overlay"),
    "service.audio": ("오디오", "Audio"),
    "service.memory": ("대화 기억", "Memory"),
    # the other services compose.rebuild can swap (the "applied now" notice names them)
    "service.show": ("방송 도구", "Show tools"),
    "service.mic": ("마이크", "Microphone"),
    "service.obs": ("OBS", "OBS"),
    "service.record": ("방송 기록", "Show recording"),
    "service.viewers": ("시청자 기억", "Viewer memory"),
})

register({
    "emotion.happy": ("기쁨", "happy"),
    "emotion.sad": ("슬픔", "sad"),
    "emotion.angry": ("화남", "angry"),
    "emotion.surprised": ("놀람", "surprised"),
    "emotion.neutral": ("보통", "neutral"),
    "emotion.excited": ("신남", "excited"),
})


def emotion_label(name: str) -> str:
    """Readable name of an emotion; a user's own emotion (from pose_mapping.json) shows as written."""
    key = f"emotion.{name}"
    return tr(key) if key in _strings else name
