"""Is a text the streamer reads Korean, or English / a raw exception? (issue 23)

Names stay as they are (Groq, VTube Studio, espeak-ng, model ids, URLs, file names, environment
variables): what must not appear is an English sentence or an exception's own words.
"""

from __future__ import annotations

import re

HANGUL = re.compile(r"[가-힣]")
EXCEPTION = re.compile(r"\b[A-Z][A-Za-z]*(?:Error|Exception|Refused|Timeout)\b|Traceback|\[Errno")
# tokens that are names or values, not English prose
_NAMES = (
    "VTube Studio", "VB-Cable", "OBS", "CHZZK", "Groq", "Cerebras", "OpenAI", "Ollama", "llama.cpp", "LLM", "TTS",
    "API", "VTS", "JSON", "HTTP", "URL", "ID", "OS", "GPU", "CUDA", "Whisper", "Qwen", "Qwen3-TTS", "PortAudio",
    "espeak-ng", "Windows", "SAPI5", "Hz", "ms", "AIsChoco", "aischoco", "SSH", "Live2D", "ssh", "xvfb-run",
    "custom", "Start API", "Allow", "ko", "en", "fake", "null", "wav", "default", "scope", "p50", "p99",
)
_VALUE = re.compile(
    r"\S+://\S+"                      # URLs
    r"|[\w.-]+:\d+"                   # host:port
    r"|\S*[/\\]\S*"                   # paths, model ids (openai/gpt-oss-120b)
    r"|[\w-]+\.(?:json|txt|wav|env|jsonl|log|sqlite3|exp3\.json)(?![A-Za-z0-9])"  # file names
    r"|\b[A-Z][A-Z0-9_]{2,}\b"        # ENV_NAMES
    r"|'[^']*'|\"[^\"]*\"|“[^”]*”|‘[^’]*’|\{[^}]*\}"  # quoted values, placeholders
    r"|\b\w*\d\w*\b"                  # tokens with digits
)
WORDS = re.compile(r"\b[A-Za-z]{2,}(?:[ -][A-Za-z]{2,})+\b")  # two or more English words in a row
WORD = re.compile(r"(?<![A-Za-z])[a-z]{3,}(?![A-Za-z])")  # one lowercase English word ("sent 0")


def english_problem(text: str) -> str | None:
    """Why ``text`` is not fit for the Korean UI (None when it is)."""
    if not text or not text.strip():
        return None
    m = EXCEPTION.search(text)
    if m:
        return f"raw exception text {m.group(0)!r}"
    rest = _VALUE.sub(" ", text)
    for name in sorted(_NAMES, key=len, reverse=True):
        rest = re.sub(rf"(?<![A-Za-z]){re.escape(name)}(?![A-Za-z])", " ", rest)
    m = WORDS.search(rest) or WORD.search(rest)
    if m:
        return f"English words {m.group(0)!r}"
    if not HANGUL.search(text) and re.search(r"[A-Za-z]{3,}", rest):
        return "no Korean at all"
    return None
