"""The production :class:`~aischoco_gui.show.base.LineGenerator`: one JSON call through the LLM
client's ``chat_json`` with the persona system prompt, the conversation context and the show
tool's user-role block. Passed in as callables, so this module imports no adapter."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from aischoco_gui.show.base import LineGenerator, ShowLine

ChatJson = Callable[..., Awaitable[dict[str, Any]]]


def line_schema(emotions: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object",
            "properties": {"emotion": {"type": "string", "enum": list(emotions)}, "response": {"type": "string"}},
            "required": ["emotion", "response"], "additionalProperties": False}


def make_line_generator(chat_json: ChatJson, *, system_prompt: Callable[[], str],
                        context: Callable[[], list[dict[str, str]]] = list,
                        emotions: tuple[str, ...] = ("neutral",), max_tokens: int = 1024) -> LineGenerator:
    """``system_prompt()`` must carry the persona and the JSON output contract (``{"emotion","response"}``);
    ``context()`` the summary + recent turns (as the chat reply generator sends them)."""

    async def generate(user_block: str) -> ShowLine | None:
        messages = [{"role": "system", "content": system_prompt()}, *context(),
                    {"role": "user", "content": user_block}]
        obj = await chat_json(messages, schema=line_schema(emotions), schema_name="show_line", max_tokens=max_tokens)
        text = str(obj.get("response") or "").strip()
        if not text:
            return None
        emotion = str(obj.get("emotion") or "")
        return ShowLine(text, emotion if emotion in emotions else ("neutral" if "neutral" in emotions else emotions[0]))

    return generate
