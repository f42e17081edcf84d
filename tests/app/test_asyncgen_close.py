"""A streamed reply leaves no half-iterated async generator for the garbage collector (issue 23: quitting
in streaming mode printed ``RuntimeError: async generator ignored GeneratorExit``).

qasync's loop, unlike asyncio's own ``run_forever``, installs no async-generator hooks. The LLM client
stops reading a stream at ``[DONE]``; httpcore's body iterator below it is then left suspended and later
closed by the collector outside the loop, where its ``except BaseException: await self.aclose()``
cannot run. The app installs the loop's hooks (:func:`aischoco_gui.app.install_asyncgen_hooks`), so such
a generator is closed as a task on the loop (and by ``shutdown_asyncgens`` at exit). Run on the app's
real loop type."""

from __future__ import annotations

import asyncio
import gc
import sys

import pytest

from aischoco_gui.app import install_asyncgen_hooks
from aischoco_gui.llm.client import LLMClient
from aischoco_gui.llm.providers import endpoints
from aischoco_gui.service_config import llm_config
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script, stream_content


@pytest.fixture
def unraisable(monkeypatch):
    seen: list[str] = []
    monkeypatch.setattr(sys, "unraisablehook", lambda u: seen.append(f"{u.exc_type.__name__}: {u.exc_value}"))
    return seen


@pytest.fixture
def double():
    d = OpenAIDouble.start_in_thread()
    yield d
    d.stop()


def _client(d: OpenAIDouble) -> LLMClient:
    s = Settings(llm_base_url=d.base_url, groq_api_key="k" * 24, llm_provider="custom", groq_model="m")
    return LLMClient(endpoints(llm_config(s)), max_retries=0, timeout_s=5.0)


@pytest.mark.parametrize("cancel", [False, True], ids=["complete", "cancelled-by-quit"])
def test_stream_leaves_no_generator_for_the_collector(qloop, double, unraisable, cancel):
    double.script(Script(content=stream_content("happy", "안녕하세요. 오늘도 반가워요. 같이 놀아요."),
                         chunk_delay_s=0.05 if cancel else 0.0))
    client = _client(double)
    got: list[str] = []
    hooks = sys.get_asyncgen_hooks()

    async def run() -> None:
        install_asyncgen_hooks(asyncio.get_running_loop())  # as app.run() does first
        task = asyncio.ensure_future(client.complete([{"role": "user", "content": "hi"}], stream=True,
                                                     on_delta=got.append))
        if cancel:  # the app quits while the reply is still arriving
            while not got:
                await asyncio.sleep(0.01)
            task.cancel()
            with pytest.raises(asyncio.CancelledError):
                await task
        else:
            c = await task
            assert c.finish_reason == "stop" and "반가워요" in c.content
        await client.aclose()

    try:
        qloop.run_until_complete(run())
        gc.collect()
        qloop.run_until_complete(qloop.shutdown_asyncgens())  # what asyncio.Runner does at exit
    finally:
        sys.set_asyncgen_hooks(*hooks)
    assert got
    assert not [e for e in unraisable if "GeneratorExit" in e], unraisable
