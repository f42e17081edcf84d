"""The LLM double refuses what Groq refuses (DESIGN.md §4.2), and every schema the app sends passes it.

A lenient double hid that the tarot reading's schema broke strict structured outputs (objects without
``additionalProperties: false``, optional properties): on Groq every reading failed with HTTP 400.
"""

from __future__ import annotations

import httpx
import pytest

from aischoco_gui.llm.generator import reply_schema
from aischoco_gui.models import DEFAULT_EMOTIONS
from aischoco_gui.show.lines import line_schema
from aischoco_gui.tarot.reading import SCHEMA as TAROT_SCHEMA
from tests.doubles.openai_server import OpenAIDouble, request_problem, schema_problem


def _body(schema: dict, **extra) -> dict:
    return {"model": "m", "messages": [{"role": "user", "content": "hi"}],
            "response_format": {"type": "json_schema", "json_schema": {"name": "x", "strict": True, "schema": schema}},
            **extra}


@pytest.mark.parametrize("schema", [
    reply_schema(DEFAULT_EMOTIONS), reply_schema(DEFAULT_EMOTIONS, memory=True), line_schema(DEFAULT_EMOTIONS),
    TAROT_SCHEMA,
], ids=["reply", "reply+memory", "show_line", "tarot"])
def test_every_schema_the_app_sends_is_valid_for_strict_mode(schema):
    assert schema_problem(schema) is None
    assert request_problem(_body(schema)) is None


@pytest.mark.parametrize("schema, why", [
    ({"type": "object", "properties": {"a": {"type": "string"}}, "required": ["a"]}, "additionalProperties"),
    ({"type": "object", "properties": {"a": {"type": "string"}, "b": {"type": "string"}}, "required": ["a"],
      "additionalProperties": False}, "missing: b"),
    ({"type": "object", "properties": {"xs": {"type": "array", "items": {"type": "object", "properties": {
        "n": {"type": "integer"}}}}}, "required": ["xs"], "additionalProperties": False}, "schema.xs[]"),
])
def test_strict_schema_breaks_are_refused(schema, why):
    problem = request_problem(_body(schema))
    assert problem is not None and why in problem


@pytest.mark.parametrize("body, why", [
    ({"model": "m", "messages": [{"role": "user", "content": "hi", "name": "viewer"}]}, "name"),
    ({"model": "m", "messages": [{"role": "assistant", "content": "x", "reasoning": "y"}]}, "reasoning"),
    ({"model": "m", "messages": [{"role": "user", "content": "hi"}], "logprobs": True}, "logprobs"),
    ({"model": "m", "messages": [{"role": "user", "content": "hi"}], "n": 2}, "'n'"),
    ({"model": "m", "messages": [{"role": "user", "content": "hi"}], "response_format": {"type": "json_object"}},
     "json"),
    ({"model": "m", "messages": [{"role": "user", "content": "json please"}], "stream": True,
      "response_format": {"type": "json_object"}}, "streaming"),
])
def test_groq_refusals(body, why):
    problem = request_problem(body)
    assert problem is not None and why in problem


async def test_the_double_answers_a_refused_request_with_groqs_400():
    async with OpenAIDouble() as d, httpx.AsyncClient() as c:
        r = await c.post(f"{d.base_url}/chat/completions", json=_body({"type": "object", "properties": {}}))
        assert r.status_code == 400
        assert r.json()["error"]["type"] == "invalid_request_error"
        assert d.refused and "additionalProperties" in d.refused[0]
        ok = await c.post(f"{d.base_url}/chat/completions", json=_body(reply_schema(DEFAULT_EMOTIONS)))
        assert ok.status_code == 200
