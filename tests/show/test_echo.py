"""Chat echo: ≤100-character messages split on sentence/word boundaries, trim mode, rate limit, errors."""

from __future__ import annotations

import asyncio

import pytest

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.llm.models import Reply
from aischoco_gui.pipeline.approval import Draft
from aischoco_gui.show.echo import ChatEcho, EchoError, TokenBucket, chat_len, split_for_chat, trim_for_chat
from tests.show.fakes import FakeClock

KO = ("오늘 방송에 와 줘서 정말 고마워요! 다들 저녁은 맛있게 드셨나요? 저는 방송 전에 떡볶이를 먹었는데 "
      "생각보다 너무 매워서 아직도 입이 얼얼해요. 그래도 여러분이랑 이야기하니까 금방 괜찮아지는 것 같아요. "
      "다음 주에는 시청자 참여 이벤트도 준비하고 있으니까 꼭 놀러 와 주세요~ 디스코드에서 미리 공지할게요.")
EN = ("Thank you so much for the donation, that really made my day! I was just about to tell everyone about "
      "the charity stream we are planning for next weekend, which is going to be absolutely extraordinary and "
      "full of surprises. Stay tuned and follow the channel so you do not miss it.")


def words_intact(original: str, parts: list[str]) -> bool:
    """No word was cut: every part's words are words of the original, in order."""
    return " ".join(parts).split() == " ".join(original.split()).split()


@pytest.mark.parametrize("text", [KO, EN])
def test_split_keeps_sentences_and_words_under_100(text):
    parts = split_for_chat(text)
    assert len(parts) >= 2
    assert all(0 < chat_len(p) <= 100 for p in parts)
    if text is KO:  # every sentence is shorter than 100: cut only between sentences
        assert all(p[-1] in ".!?~" for p in parts)
    else:  # the 2nd sentence is longer than 100: it alone is split, between words
        assert parts[0].endswith("day!") and parts[-1] == "Stay tuned and follow the channel so you do not miss it."
        assert parts[1].endswith("next weekend,")  # the long sentence is broken after a comma, not mid-clause
    assert words_intact(text, parts)


def test_a_long_sentence_is_split_between_words():
    sentence = "이건 " + " ".join(["아주아주긴문장"] * 30) + "입니다."
    parts = split_for_chat(sentence)
    assert all(chat_len(p) <= 100 for p in parts) and words_intact(sentence, parts)
    assert parts[0].startswith("이건 ")


def test_emoji_counts_as_two_and_short_text_is_one_message():
    text = "😀" * 60
    assert all(chat_len(p) <= 100 for p in split_for_chat(text))
    assert split_for_chat("안녕하세요! 반가워요.") == ["안녕하세요! 반가워요."]


@pytest.mark.parametrize("text", [KO, EN])
def test_trim_is_one_message_ending_with_ellipsis_at_a_boundary(text):
    m = trim_for_chat(text)
    assert chat_len(m) <= 100 and m.endswith("…")
    body = m[:-1]
    assert text.startswith(body.rstrip(".,"))
    assert text[len(body.rstrip(".,")):][:1] in (" ", ".", "!", "?", "")  # ended between words
    assert trim_for_chat("짧은 답장이에요.") == "짧은 답장이에요."


def test_token_bucket_limits_rate_with_burst():
    clock = FakeClock()
    b = TokenBucket(2.0, burst=2, clock=clock)
    assert b.take() and b.take() and not b.take()
    assert b.wait_time() == pytest.approx(2.0)
    clock.advance(1.0)
    assert not b.take() and b.wait_time() == pytest.approx(1.0)
    clock.advance(1.0)
    assert b.take()


class Sender:
    def __init__(self, clock, fail_on: str = "") -> None:
        self.clock, self.fail_on, self.got = clock, fail_on, []

    async def __call__(self, text: str) -> None:
        if self.fail_on and self.fail_on in text:
            raise RuntimeError("403 FORBIDDEN: 채팅 메시지 쓰기 권한이 없습니다")
        self.got.append((self.clock(), text))


async def test_spoken_replies_are_sent_rate_limited():
    clock = FakeClock(0.0)
    send = Sender(clock)
    echo = ChatEcho(send, enabled=True, min_interval_s=2.0, burst=2, clock=clock, sleep=clock.sleep)
    bus = EventBus()
    bus.subscribe(echo.on_event)
    d = Draft(reply=Reply(text=KO), batch=[], turn=1)
    bus.emit(EventKind.PLAYBACK_END, turn=1, draft=d, cancelled=False)
    bus.emit(EventKind.PLAYBACK_END, turn=2, draft=Draft(reply=Reply(text=EN), batch=[], turn=2), cancelled=False)
    bus.emit(EventKind.PLAYBACK_END, turn=3, draft=Draft(reply=Reply(text="잘린 답"), batch=[], turn=3),
             cancelled=True)
    while await echo.drain_one():
        pass
    texts = [t for _, t in send.got]
    assert texts == split_for_chat(KO) + split_for_chat(EN)  # the cancelled one is not echoed
    times = [t for t, _ in send.got]
    # never more than `burst` messages in any window of one interval, and the long-run rate holds
    for i in range(2, len(times)):
        assert times[i] - times[i - 2] >= 2.0 - 1e-9
    assert times[-1] - times[0] >= 2.0 * (len(times) - 2) - 1e-9


async def test_off_sends_nothing():
    clock = FakeClock()
    echo = ChatEcho(Sender(clock), enabled=False, clock=clock, sleep=clock.sleep)
    assert echo.on_spoken(KO) == [] and echo.queued == 0


async def test_send_error_is_reported_and_the_rest_of_that_reply_dropped():
    clock = FakeClock()
    parts = split_for_chat(KO)
    send = Sender(clock, fail_on=parts[1][:10])
    errors: list[EchoError] = []
    echo = ChatEcho(send, enabled=True, min_interval_s=0, burst=1, clock=clock, sleep=clock.sleep,
                    on_error=errors.append)
    echo.on_spoken(KO)
    echo.on_spoken("다음 답장.")
    task = asyncio.ensure_future(echo.run())
    while len(send.got) < 2:
        await asyncio.sleep(0)
    task.cancel()
    assert [t for _, t in send.got] == [parts[0], "다음 답장."]
    assert [(e.message, e.error) for e in errors] == [(parts[1], "403 FORBIDDEN: 채팅 메시지 쓰기 권한이 없습니다")]
    # said in the UI language (what to do: the scope), the API's own words stay the detail
    assert "권한" in errors[0].describe() and parts[1] in errors[0].describe()
    assert "FORBIDDEN" not in errors[0].describe()


def test_bad_mode_is_refused():
    with pytest.raises(ValueError, match="split or trim"):
        ChatEcho(Sender(FakeClock()), mode="cut")


def test_trim_without_a_short_first_sentence_cuts_between_words():
    text = " ".join(["가나다라마바"] * 30) + "."
    m = trim_for_chat(text)
    assert chat_len(m) <= 100 and m.endswith("…")
    assert all(w == "가나다라마바" for w in m[:-1].split())  # whole words only
