"""Streamed plain-text replies: the emotion tag line, then sentences handed on as they complete."""

from __future__ import annotations

import re
from collections.abc import Callable

from aischoco_gui.llm.parsing import split_emotion_tag, strip_reasoning
from aischoco_gui.text import split_sentences

_INLINE_TAG = re.compile(r"^\s*\[([^\]\n]{1,24})\]\s*")
_MAX_TAG_WAIT = 40  # characters without a newline: there is no tag line


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

    def feed(self, delta: str) -> None:
        if not self.tag_done:
            self._head += delta
            self._resolve_tag(final=False)
            if not self.tag_done:
                return
        else:
            self.text += delta
        self._emit(final=False)

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
        self.text = strip_reasoning(self.text)
        self._emit(final=True)
        return self.text.strip()
