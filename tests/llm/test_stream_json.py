"""Streaming mode with a model that answers JSON anyway (issue 23): the draft and the speech never
carry the raw braces; the JSON is recognised in the streamed text and its ``response`` is what is said.

Local servers (llama.cpp, Ollama) and OpenAI stream JSON; a model told "first line the emotion" may
still answer ``{"emotion": …, "response": …}``, in one line or fenced in ```json."""

from __future__ import annotations

import json

import pytest

from aischoco_gui.llm.streaming import StreamAssembler
from aischoco_gui.models import DEFAULT_EMOTIONS
from tests.doubles.openai_server import Script
from tests.llm_helpers import make_generator, msg

TEXT = "안녕하세요! 오늘 \"방송\" 재밌다.\n그쵸? 다음에 또 봐요!"
SENTENCES = ["안녕하세요!", "오늘 \"방송\" 재밌다.", "그쵸?", "다음에 또 봐요!"]


def _json(emotion: str = "excited", text: str = TEXT, fence: bool = False, response_first: bool = False) -> str:
    obj = {"response": text, "emotion": emotion} if response_first else {"emotion": emotion, "response": text}
    body = json.dumps(obj, ensure_ascii=False, indent=1 if fence else None)
    return f"```json\n{body}\n```" if fence else body


@pytest.mark.parametrize("content", [_json(), _json(fence=True), _json(response_first=True),
                                     "  " + _json().replace('\\"', "\\u0022")],
                         ids=["one-line", "fenced", "response-first", "unicode-escape"])
@pytest.mark.parametrize("chunk", [1, 3, 7])
def test_assembler_reads_json_and_hands_on_only_the_response(content, chunk):
    said: list[str] = []
    a = StreamAssembler(DEFAULT_EMOTIONS, said.append)
    for i in range(0, len(content), chunk):
        a.feed(content[i:i + chunk])
        assert not any(c in s for s in said for c in "{}") and not any('"emotion"' in s for s in said)
    text = a.finish()
    assert text == TEXT and a.raw_emotion == "excited"
    assert said == SENTENCES


def test_assembler_hands_sentences_on_while_the_json_still_arrives():
    content = _json()
    said: list[str] = []
    a = StreamAssembler(DEFAULT_EMOTIONS, said.append)
    cut = content.index("다음에") + 2  # the stream has reached the last sentence: three are complete
    a.feed(content[:cut])
    assert said == SENTENCES[:3]
    a.feed(content[cut:])
    a.finish()
    assert said == SENTENCES


async def test_streamed_json_reply_is_a_clean_draft(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url, llm_mode="stream")
    openai_double.script(Script(content=_json("happy"), chunk_size=5))
    spoken: list[str] = []
    r = await gen.generate([msg("a", "hi")], 1, on_sentence=spoken.append)
    assert openai_double.requests[-1].body["stream"] is True
    assert r.text == TEXT and r.emotion == "happy" and r.sentences == SENTENCES == spoken
    assert "{" not in r.text and "emotion" not in r.text
    await gen.aclose()
