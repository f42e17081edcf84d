"""Issue 13: the Bearer key goes only to the configured origin — redirects are refused with a clear error."""

from __future__ import annotations

import pytest

from aischoco_gui.llm.client import LLMError
from aischoco_gui.net import RedirectRefused, check_response, same_origin
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.llm_helpers import make_generator, msg


@pytest.mark.parametrize("stream", [False, True])
@pytest.mark.parametrize("status", [302, 307, 308])
async def test_redirect_to_another_port_is_not_followed(home, status, stream):
    async with OpenAIDouble() as api, OpenAIDouble() as thief:
        gen, services = make_generator(home, api.base_url, llm_provider="groq", groq_api_key="gsk_secret",
                                       llm_mode="stream" if stream else "json")
        api.default = Script(status=status, raw_body=b"", headers={"Location": f"{thief.base_url}/chat/completions"})
        await gen.start()
        try:
            with pytest.raises(LLMError) as ei:
                await gen.generate([msg("a", "hi")], 1)
            assert "redirect" in str(ei.value) and thief.base_url.split("/v1")[0] in str(ei.value)
            assert api.requests[0].headers["Authorization"] == "Bearer gsk_secret"
            assert api.requests[0].body.get("stream", False) is stream
            assert len(api.requests) == 1  # not retried: a redirect is a configuration problem
            assert thief.requests == []  # the key never went anywhere else
        finally:
            await gen.aclose()


def test_policy_helpers():
    assert same_origin("https://api.groq.com/openai/v1", "https://API.groq.com:443/x")
    assert not same_origin("http://127.0.0.1:1/v1", "http://127.0.0.1:2/v1")
    check_response(200, "http://a/", None)
    with pytest.raises(RedirectRefused) as ei:
        check_response(307, "http://127.0.0.1:1/v1/x", "http://127.0.0.1:2/steal")
    assert ei.value.cross_origin and ei.value.location == "http://127.0.0.1:2/steal"
    with pytest.raises(RedirectRefused) as ei:
        check_response(301, "http://127.0.0.1:1/v1/x", "/v1/y")
    assert not ei.value.cross_origin
