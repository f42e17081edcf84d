"""The LLM line generator against the loopback OpenAI double: persona + context + data block, JSON answer."""

from __future__ import annotations

import json

from aischoco_gui.llm import prompt
from aischoco_gui.llm.models import DEFAULT_EMOTIONS
from aischoco_gui.show.idle_talk import render_prompt
from aischoco_gui.show.lines import make_line_generator
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.llm_helpers import make_generator


async def test_line_generator_sends_persona_context_and_data_block(tmp_path):
    async with OpenAIDouble() as d:
        gen, _services = make_generator(tmp_path, d.base_url)
        gen.memory.set_summary("어제는 공포 게임을 했다")
        line_gen = make_line_generator(gen.client.chat_json,
                                       system_prompt=lambda: prompt.system_prompt(gen.persona, "json", gen.emotions),
                                       context=lambda: gen.memory.context_messages(prompt.summary_message),
                                       emotions=gen.emotions)
        d.script(Script(content=json.dumps({"emotion": "excited", "response": "여러분 저녁 뭐 드셨어요?"})),
                 Script(content=json.dumps({"emotion": "joy", "response": "  "})),
                 Script(content=json.dumps({"emotion": "joy", "response": "좋아요"})))
        block = render_prompt("저녁 메뉴", gen.memory.summary)
        line = await line_gen(block)
        assert (line.text, line.emotion) == ("여러분 저녁 뭐 드셨어요?", "excited")
        msgs = d.requests[-1].messages
        assert msgs[0]["role"] == "system" and "저녁 메뉴" not in msgs[0]["content"]  # data never in the system prompt
        assert msgs[-1] == {"role": "user", "content": block}
        assert any("공포 게임" in m["content"] for m in msgs[1:-1])  # the summary as context
        assert d.requests[-1].body["response_format"]["json_schema"]["schema"]["properties"]["emotion"]["enum"] == \
            list(DEFAULT_EMOTIONS)
        assert await line_gen(block) is None  # an empty answer proposes nothing
        assert (await line_gen(block)).emotion == "neutral"  # an unknown emotion falls back
