import asyncio

import pytest

from aischoco_gui.chat.rehearsal import RehearsalChatSource, ReplayError, load_log, parse_log_line
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.paths import shipped_path


def test_shipped_sample_log_parses():
    items = load_log(shipped_path("resources", "sample_chat", "korean_sample.jsonl"))
    assert len(items) >= 8
    assert any(m.is_donation and m.priority for _, m in items)
    assert [t for t, _ in items] == sorted(t for t, _ in items)


@pytest.mark.parametrize("line,msg", [
    ("{not json", "3번째 줄이 JSON이 아니에요"),
    ('{"nickname": "a"}', "3번째 줄에 \"text\""),
    ('{"text": "x", "t": "soon"}', "숫자여야 해요"),
])
def test_bad_lines_name_the_line(line, msg):
    from aischoco_gui.i18n import set_language

    set_language("ko")  # said in the UI language (the chat panel shows it)
    with pytest.raises(ReplayError, match=msg):
        parse_log_line(line, 3)


def test_hostile_text_cleaned():
    _, m = parse_log_line('{"nickname": "a\\u200bb\\u202e", "text": "hi\\u0000' + "x" * 5000 + '"}')
    assert m.nickname == "ab" and "\x00" not in m.text and len(m.text) <= 2000


async def test_replay_honours_speed_and_stop(tmp_path):
    log = tmp_path / "log.jsonl"
    log.write_text('{"t":0,"text":"a"}\n{"t":1,"text":"b"}\n\n# comment\n{"t":2,"text":"c"}\n', encoding="utf-8")
    bus = EventBus()
    src = RehearsalChatSource(bus)
    got = []
    await src.start(got.append)
    assert bus.status["chat"].state is ServiceState.READY
    t0 = asyncio.get_running_loop().time()
    assert src.replay(log, speed=10.0) == 3
    while len(got) < 3:
        await asyncio.sleep(0.01)
    assert 0.15 < asyncio.get_running_loop().time() - t0 < 1.0
    assert [m.text for m in got] == ["a", "b", "c"] and len({m.id for m in got}) == 3
    src.replay(log, speed=0.1)
    await asyncio.sleep(0.05)
    src.stop_replay()
    await src.stop()
    assert len(got) == 4


def test_send_when_stopped_is_a_clear_error():
    src = RehearsalChatSource(EventBus())
    with pytest.raises(RuntimeError, match="not running"):
        src.send("a", "b")
