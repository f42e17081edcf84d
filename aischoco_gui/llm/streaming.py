"""Streamed plain-text replies: the emotion tag line, then sentences handed on as they complete.

A model may answer JSON (``{"emotion": …, "response": …}``, perhaps fenced in ```json) although it was
asked for the tag line: then the JSON is read as it arrives, only the ``response`` string is handed on
sentence by sentence, and the whole object is parsed at the end (never a raw brace in a draft or speech).
"""

from __future__ import annotations

import re
from collections.abc import Callable

from aischoco_gui.llm.parsing import parse_json_reply, split_emotion_tag, strip_reasoning
from aischoco_gui.text import split_sentences

_INLINE_TAG = re.compile(r"^\s*\[([^\]\n]{1,24})\]\s*")
_MAX_TAG_WAIT = 40  # characters without a newline: there is no tag line
_FENCE_OPEN = re.compile(r"^\s*```[A-Za-z]*\s*")
_TEXT_KEYS = ("response", "text", "reply")  # as parse_json_reply reads them
_ESCAPES = {'"': '"', "\\": "\\", "/": "/", "b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def partial_json_string(raw: str, key: str) -> tuple[str, bool] | None:
    """The (possibly unfinished) value of string field ``key`` in a JSON object still arriving.

    Returns (decoded text so far, complete) or None while the key has not appeared. An escape cut in
    the middle stops the text before it (the next delta completes it)."""
    m = re.search(r'"' + re.escape(key) + r'"\s*:\s*"', raw)
    if m is None:
        return None
    out: list[str] = []
    i, n = m.end(), len(raw)
    while i < n:
        c = raw[i]
        if c == '"':
            return "".join(out), True
        if c != "\\":
            out.append(c)
            i += 1
            continue
        if i + 1 >= n:
            break
        e = raw[i + 1]
        if e == "u":
            if i + 6 > n:
                break
            try:
                code = int(raw[i + 2:i + 6], 16)
            except ValueError:
                code = 0xFFFD
            if 0xD800 <= code < 0xDC00:  # a surrogate pair: wait for its second half
                if i + 12 > n:
                    break
                try:
                    low = int(raw[i + 8:i + 12], 16)
                except ValueError:
                    low = 0
                if raw[i + 6:i + 8] == "\\u" and 0xDC00 <= low < 0xE000:
                    out.append(chr(0x10000 + ((code - 0xD800) << 10) + (low - 0xDC00)))
                    i += 12
                    continue
            out.append(chr(code))
            i += 6
            continue
        out.append(_ESCAPES.get(e, e))
        i += 2
    return "".join(out), False


class StreamAssembler:
    """Feed deltas; calls ``on_sentence`` for each sentence once the next one has begun."""

    def __init__(self, emotions: tuple[str, ...], on_sentence: Callable[[str], None] | None = None,
                 accept: Callable[[str], bool] | None = None) -> None:
        self.emotions = emotions
        self.on_sentence = on_sentence
        # returns False to stop handing sentences on (output filter hit); it is given the reply so far
        # (the sentences handed on and this one), so a word split across a sentence end ("시." "발이다") is seen
        self.accept = accept
        self.raw_emotion: str | None = None
        self.tag_done = False
        self._head = ""  # text before the tag is resolved
        self.text = ""  # reply text (after the tag)
        self.emitted = 0
        self.sentences: list[str] = []  # the ones handed on
        self.stopped = False
        self._in_think = False
        self.json_mode = False  # the model answered a JSON object instead of the tag line
        self._raw = ""  # the whole content so far (JSON mode)

    def feed(self, delta: str) -> None:
        if self.json_mode:
            self._raw += delta
            self._json_text()
        elif not self.tag_done:
            self._head += delta
            self._resolve_tag(final=False)
            if not self.tag_done:
                return
        else:
            self.text += delta
        self._emit(final=False)

    def _start_json(self, head: str) -> None:
        self.json_mode = self.tag_done = True
        self._raw = head
        self._json_text()

    def _json_text(self) -> None:
        """JSON mode: the text is the ``response`` string as far as it has arrived."""
        for key in _TEXT_KEYS:
            got = partial_json_string(self._raw, key)
            if got is not None:
                self.text = got[0]
                return
        self.text = ""

    def _resolve_tag(self, final: bool) -> None:
        head = self._head
        stripped = head.lstrip()
        if stripped.startswith("<think") or stripped.startswith("<reasoning"):
            # reasoning inside content: wait until it is closed
            closed = re.search(r"</(think|thinking|reasoning)>", head, re.I)
            if not closed and not final:
                return
            head = strip_reasoning(head)
            self._head = head
            stripped = head.lstrip()
        if stripped.startswith("{"):
            self._start_json(head)
            return
        if stripped.startswith("```"):
            fence = _FENCE_OPEN.match(head)
            rest = head[fence.end():] if fence else ""
            if rest.startswith("{"):
                self._start_json(head)
                return
            if not rest and not final and len(stripped) < _MAX_TAG_WAIT:
                return  # "```json" and nothing after it yet
        m = _INLINE_TAG.match(head)
        if m:
            self.raw_emotion = m.group(1).strip()
            self.text = head[m.end():]
            self.tag_done = True
            return
        nl = head.find("\n")
        if nl >= 0 and stripped[:1] != "\n":
            first = head[:nl]
            if not first.strip():  # leading blank line: keep waiting for the tag line
                self._head = head[nl + 1:]
                if not final:
                    self._resolve_tag(final)
                    return
            emo, left = split_emotion_tag(first, self.emotions)
            self.raw_emotion = emo
            self.text = (left + "\n" + head[nl + 1:]) if left else head[nl + 1:]
            self.tag_done = True
            return
        if final or len(stripped) > _MAX_TAG_WAIT:
            emo, left = split_emotion_tag(head, self.emotions) if final else (None, head)
            self.raw_emotion = emo
            self.text = left
            self.tag_done = True

    def _emit(self, final: bool) -> None:
        if self.on_sentence is None or self.stopped:
            return
        parts = split_sentences(self.text)
        ready = parts if final else parts[:-1]
        while self.emitted < len(ready):
            s = ready[self.emitted]
            self.emitted += 1
            if self.accept is not None and not self.accept(" ".join([*self.sentences, s])):
                self.stopped = True
                return
            self.sentences.append(s)
            self.on_sentence(s)

    def finish(self) -> str:
        """End of stream: resolve the tag, hand on the last sentence; returns the reply text."""
        if not self.tag_done:
            self._resolve_tag(final=True)
        if self.json_mode:
            try:  # the whole object (repaired if cut), as a non-streamed JSON answer is read
                parsed = parse_json_reply(self._raw, self.emotions)
                self.text, self.raw_emotion = parsed.text, parsed.emotion
            except ValueError:  # unusable: keep the response text read so far (never the braces)
                self.raw_emotion = (partial_json_string(self._raw, "emotion") or ("", False))[0] or None
        self.text = strip_reasoning(self.text)
        self._emit(final=True)
        return self.text.strip()
