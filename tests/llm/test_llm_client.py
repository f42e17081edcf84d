"""LLM client against the loopback OpenAI double: request shape per provider, retries, timeouts, fallback."""

from __future__ import annotations

import asyncio
import time

import pytest

from aischoco_gui.events import EventKind, ServiceState
from aischoco_gui.llm.client import LLMError, NotConfiguredError
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.llm_helpers import make_generator, msg

FORBIDDEN = ("logprobs", "logit_bias", "n", "top_logprobs", "functions")


def _assert_groq_safe(body: dict) -> None:
    for k in FORBIDDEN:
        assert k not in body
    for m in body["messages"]:
        assert set(m) <= {"role", "content"}, m


async def test_groq_gpt_oss_request_shape(home, openai_double):
    gen, services = make_generator(home, openai_double.base_url, llm_provider="groq", groq_api_key="gsk_test")
    await gen.start()
    reply = await gen.generate([msg("철수", "안녕")], turn=1)
    assert reply is not None and reply.emotion == "happy" and reply.provider == "groq"
    req = openai_double.requests[-1]
    body = req.body
    assert req.headers["Authorization"] == "Bearer gsk_test"
    rf = body["response_format"]
    assert rf["type"] == "json_schema" and rf["json_schema"]["strict"] is True
    schema = rf["json_schema"]["schema"]
    assert schema["additionalProperties"] is False
    assert sorted(schema["required"]) == ["emotion", "response"]
    assert set(schema["properties"]["emotion"]["enum"]) == {"happy", "sad", "angry", "surprised", "neutral",
                                                            "excited"}
    assert body["reasoning_effort"] == "low" and body["include_reasoning"] is False
    assert body["max_completion_tokens"] >= 1024 and "max_tokens" not in body
    assert "stream" not in body  # Groq cannot stream JSON modes
    _assert_groq_safe(body)
    await gen.stop()


async def test_reasoning_never_sent_back_in_history(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url, llm_provider="groq", groq_api_key="k")
    await gen.start()
    openai_double.script(Script(reasoning="SECRET-CHAIN-OF-THOUGHT", response="좋아요. 다음 얘기 해요."))
    batch = [msg("a", "첫 채팅")]
    r = await gen.generate(batch, 1)
    assert "SECRET" not in r.text
    gen.commit(batch, r.text)
    await gen.generate([msg("b", "두 번째")], 2)
    body = openai_double.requests[-1].body
    _assert_groq_safe(body)
    assert "SECRET" not in str(body)
    assert [m["role"] for m in body["messages"]] == ["system", "user", "assistant", "user"]
    assert "좋아요. 다음 얘기 해요." in body["messages"][2]["content"]
    await gen.stop()


async def test_non_gpt_oss_uses_json_object_with_json_word(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url, llm_provider="groq", groq_api_key="k",
                            groq_model="llama-3.3-70b-versatile")
    await gen.start()
    await gen.generate([msg("a", "hi")], 1)
    body = openai_double.requests[-1].body
    assert body["response_format"] == {"type": "json_object"}
    assert "json" in body["messages"][0]["content"].lower()
    assert "reasoning_effort" not in body and "include_reasoning" not in body
    _assert_groq_safe(body)
    await gen.stop()


async def test_ollama_preset_streams_plain_text_without_key(home, openai_double):
    from tests.doubles.openai_server import stream_content

    gen, _ = make_generator(home, openai_double.base_url, llm_provider="ollama", groq_model="qwen2.5:7b")
    openai_double.default = Script(content=stream_content("sad", "오늘은 조금 슬퍼요. 그래도 힘낼게요!"))
    await gen.start()
    r = await gen.generate([msg("a", "왜 슬퍼?")], 1)
    body = openai_double.requests[-1].body
    assert body["stream"] is True and "response_format" not in body
    assert "max_tokens" in body and "max_completion_tokens" not in body
    assert "Authorization" not in openai_double.requests[-1].headers
    assert r.emotion == "sad" and r.sentences == ["오늘은 조금 슬퍼요.", "그래도 힘낼게요!"]
    await gen.stop()


async def test_429_retry_after_is_honoured_and_rate_limits_reported(home, openai_double):
    gen, services = make_generator(home, openai_double.base_url)
    await gen.start()
    states = []
    services.bus.subscribe(lambda e: states.append(e.data["status"].state) if e.kind == EventKind.STATUS else None)
    openai_double.script(Script(status=429, headers={"retry-after": "0.3"},
                         error={"error": {"message": "Rate limit reached", "type": "tokens", "code": "rate_limit"}}))
    r = await gen.generate([msg("a", "hi")], 7)
    assert r is not None
    assert len(openai_double.requests) == 2
    # time is the subject (retry-after: 0.3): measured where the API sees it, between the two requests
    assert openai_double.requests[1].t - openai_double.requests[0].t >= 0.3
    assert ServiceState.RECONNECTING in states and states[-1] == ServiceState.READY
    rl = services.bus.status["llm"].extra["rate_limits"]
    assert rl["x-ratelimit-remaining-requests"] == "999"
    await gen.stop()


async def test_long_retry_after_moves_on_instead_of_waiting(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url)
    openai_double.script(Script(status=429, headers={"retry-after": "120"}))
    with pytest.raises(LLMError, match="rate limited"):  # a 120 s wait would hit this guard instead
        await asyncio.wait_for(gen.generate([msg("a", "hi")], 1), timeout=30)
    assert len(openai_double.requests) == 1
    await gen.aclose()


async def test_5xx_retries_then_fails_with_llm_failed_event(home, openai_double):
    gen, services = make_generator(home, openai_double.base_url, llm_max_retries=3)
    await gen.start()
    events = []
    services.bus.subscribe(events.append)
    openai_double.script(*[Script(status=500)] * 4)
    with pytest.raises(LLMError, match="500"):
        await gen.generate([msg("a", "hi")], 3)
    assert len(openai_double.requests) == 4  # 1 + 3 retries
    failed = [e for e in events if e.kind == EventKind.LLM_FAILED]
    assert failed and failed[0].turn == 3 and "500" in failed[0].data["error"]
    assert services.bus.status["llm"].state == ServiceState.ERROR
    # the next good answer recovers
    r = await gen.generate([msg("a", "hi")], 4)
    assert r is not None and services.bus.status["llm"].state == ServiceState.READY
    await gen.stop()


async def test_slow_first_byte_times_out_and_retries(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url, llm_timeout_s=0.3)
    openai_double.script(Script(delay_s=1.0), Script(response="늦었지만 왔어요!"))
    t0 = time.perf_counter()
    r = await gen.generate([msg("a", "hi")], 1)
    assert r.text == "늦었지만 왔어요!"
    assert len(openai_double.requests) == 2
    # time is the subject (llm_timeout_s=0.3): the first attempt was given its full timeout; a lower
    # bound only (measured from before the first send, as the timeout is), so load cannot make it fail
    assert time.perf_counter() - t0 >= 0.3
    await gen.aclose()


async def test_auth_error_not_retried_and_fallback_answers(home, openai_double):
    async with OpenAIDouble() as backup:
        backup.default = Script(emotion="neutral", response="대체 서버가 대답해요.")
        gen, services = make_generator(home, openai_double.base_url, llm_fallbacks=f"{backup.base_url}=backup-model")
        await gen.start()
        openai_double.script(Script(status=401, error={"error": {"message": "Invalid API Key",
                                                          "type": "invalid_request_error",
                                                          "code": "invalid_api_key"}}))
        r = await gen.generate([msg("a", "hi")], 1)
        assert len(openai_double.requests) == 1  # 401 is not retried
        assert r.text == "대체 서버가 대답해요." and r.model == "backup-model"
        assert services.bus.status["llm"].state == ServiceState.DEGRADED
        await gen.stop()


async def test_no_key_remote_url_is_not_configured(home):
    gen, services = make_generator(home, "https://api.groq.com/openai/v1")
    await gen.start()
    st = services.bus.status["llm"]
    assert st.state == ServiceState.NOT_CONFIGURED and "API 키" in st.detail and "설정" in st.detail
    with pytest.raises(NotConfiguredError, match="GROQ_API_KEY"):
        await gen.generate([msg("a", "hi")], 1)
    await gen.stop()


async def test_groq_json_validate_failed_is_recovered(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url)
    openai_double.script(Script(status=400, error={"error": {
        "message": "Failed to validate JSON", "type": "invalid_request_error", "code": "json_validate_failed",
        "failed_generation": '{"emotion": "surprised", "response": "헉, 진짜요?'}}))
    r = await gen.generate([msg("a", "hi")], 1)
    assert r.emotion == "surprised" and r.text == "헉, 진짜요?" and r.repaired
    assert len(openai_double.requests) == 1
    await gen.aclose()


async def test_chat_json_for_other_features(home, openai_double):
    gen, _ = make_generator(home, openai_double.base_url)
    openai_double.script(Script(content='{"cards": [1, 2], "soul_color": "#ff00aa"}'))
    schema = {"type": "object", "properties": {"cards": {"type": "array", "items": {"type": "integer"}},
                                               "soul_color": {"type": "string"}},
              "required": ["cards", "soul_color"], "additionalProperties": False}
    out = await gen.client.chat_json([{"role": "user", "content": "타로 해석"}], schema=schema, schema_name="tarot")
    assert out == {"cards": [1, 2], "soul_color": "#ff00aa"}
    rf = openai_double.requests[-1].body["response_format"]
    assert rf["json_schema"]["name"] == "tarot" and rf["json_schema"]["schema"] == schema
    await gen.aclose()


async def test_status_after_a_reply_has_the_new_rate_limits_and_never_overwrites_newer_news(home, openai_double):
    """Issue 27: the same light after a reply is reported once the loop's ready callbacks are done (off the way to
    the TTS request), with the answer's rate limits and the memory's new size; a change of light goes at once."""
    gen, services = make_generator(home, openai_double.base_url)
    await gen.start()
    bus = services.bus
    assert bus.status["llm"].state is ServiceState.READY and not bus.status["llm"].extra["rate_limits"]
    statuses = []
    bus.subscribe(lambda e: statuses.append(e.data["status"]) if e.kind == EventKind.STATUS else None)
    r = await gen.generate([msg("a", "hi")], 1)
    assert r is not None
    await asyncio.sleep(0.05)
    assert len(statuses) == 1  # one status per reply (the rate-limit report rides on it)
    assert statuses[0].state is ServiceState.READY
    assert statuses[0].extra["rate_limits"]["x-ratelimit-remaining-requests"] == "999"
    # something newer reported before the deferred report ran: it stays
    r = await gen.generate([msg("a", "again")], 2)
    bus.set_status("llm", ServiceState.ERROR, "newer news", error="boom")
    await asyncio.sleep(0.05)
    assert bus.status["llm"].state is ServiceState.ERROR and bus.status["llm"].detail == "newer news"
    await gen.stop()
