"""The running viewer memory: batched writes off the loop, cards for a turn, greeting once per show,
proposals, forget, a locked file, a set-aside file."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.viewers.card import FIRST_TIME, RETURNING
from aischoco_gui.viewers.memory import MemoryConfig, ViewerMemory
from aischoco_gui.viewers.store import VIEWERS_FILE, ViewerError, ViewerStore, connect
from tests.viewers.helpers import chat, donation, file_bytes, subscription
from tests.wait import wait_until

DAY = 86400


class Clock:
    def __init__(self, t: float = 1_760_000_000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def events(bus: EventBus, kind: EventKind) -> list:
    seen: list = []
    bus.subscribe(lambda ev: seen.append(ev) if ev.kind == kind else None)
    return seen


async def started(path, bus=None, clock=None, **cfg) -> ViewerMemory:
    clock = clock or Clock()
    vm = ViewerMemory(path, bus or EventBus(), MemoryConfig(**cfg), show=int(clock()), clock=clock)
    await vm.start()
    assert await vm.wait_ready()
    return vm


def stored(path, key):
    st = ViewerStore(connect(path, read_only=True))
    try:
        return st.get(key)
    finally:
        st.close()


async def test_messages_are_written_in_batches_off_the_loop(tmp_path):
    path = tmp_path / VIEWERS_FILE
    vm = await started(path)
    bus_changes = events(vm.bus, EventKind.VIEWERS_CHANGED)
    for i in range(300):
        vm.observe(chat(f"채팅 {i}", sender=f"v{i % 30}", nick=f"시청자{i % 30}"))
    vm.observe(donation("노래 불러 주세요", 10000, donator="v3", nick="시청자3"))
    vm.observe(subscription(7, 2, subscriber="v4", nick="시청자4"))
    await wait_until(lambda: vm.counters["written"] == 301, 5, "every message written")
    assert vm.counters["flushes"] <= 5  # batched: a handful of transactions, not 302
    await wait_until(lambda: bus_changes, 5, "the panel told")
    await vm.stop()
    c3, c4 = stored(path, "chzzk:v3"), stored(path, "chzzk:v4")
    assert (c3.messages, c3.donation_total, c3.donation_count) == (11, 10000, 1)
    assert (c4.messages, c4.sub_tier, c4.sub_tier_name, c4.sub_months) == (10, 2, "골드", 7)  # a sub is no message


async def test_what_is_not_written_yet_is_already_on_the_card(tmp_path):
    vm = await started(tmp_path / VIEWERS_FILE, flush_s=30)  # the writer sleeps: nothing reaches the file
    vm.observe(chat("안녕", sender="new"))
    vm.observe(donation("첫 후원", 3000, donator="new"))
    c = vm.card("chzzk:new")
    assert (c.messages, c.donation_total, c.nicknames) == (2, 3000, ["딸기우유"])
    assert stored(vm.path, "chzzk:new") is None
    await vm.stop()  # stop writes what is queued
    assert stored(vm.path, "chzzk:new").messages == 2


async def test_a_first_timer_and_a_regular_are_greeted_once_per_show(tmp_path):
    path, clock = tmp_path / VIEWERS_FILE, Clock()
    vm = await started(path, clock=clock)
    vm.observe(chat("처음 왔어요", sender="reg", nick="단골"))
    await vm.stop()
    clock.t += 12 * DAY  # the next show
    vm = await started(path, clock=clock)
    vm.set_note("chzzk:reg", "첫 방송부터 본 분").result(5)
    vm.observe(chat("또 왔어요", sender="reg", nick="단골"))
    vm.observe(chat("처음이에요", sender="new", nick="뉴비"))
    batch = [chat("또 왔어요", sender="reg", nick="단골"), chat("처음이에요", sender="new", nick="뉴비"),
             chat("두 번째 말", sender="new", nick="뉴비")]
    vm.attach_cards(batch)
    reg, new = batch[0].viewer_card, batch[1].viewer_card
    assert reg["greet"] == RETURNING and reg["last_visit"] == "12일 전" and reg["shows"] == 2
    assert reg["note"] == "첫 방송부터 본 분"
    assert new == {"nick": "뉴비", "greet": FIRST_TIME, "messages": 1}
    assert batch[2].viewer_card is None  # one card per viewer per turn
    later = [chat("또 질문", sender="reg", nick="단골")]
    vm.attach_cards(later)
    assert "greet" not in later[0].viewer_card and later[0].viewer_card["note"] == "첫 방송부터 본 분"
    await vm.stop()


async def test_the_card_keeps_to_its_token_budget_and_pinned_viewers_go_first(tmp_path):
    vm = await started(tmp_path / VIEWERS_FILE, card_tokens=100, max_cards=2)
    for i in range(3):
        vm.observe(chat("안녕", sender=f"v{i}", nick=f"시청자{i}"))
    for n in range(10):
        vm.add_fact("chzzk:v0", f"아주 긴 사실 번호 {n} — 좋아하는 게임과 음식 이야기")
    vm.set_pinned("chzzk:v2", True).result(5)
    batch = [chat("a", sender="v0", nick="시청자0"), chat("b", sender="v1", nick="시청자1"),
             chat("c", sender="v2", nick="시청자2")]
    vm.attach_cards(batch)
    assert batch[2].viewer_card is not None and batch[0].viewer_card is not None  # pinned v2 first, then v0
    assert batch[1].viewer_card is None  # max_cards = 2
    facts = batch[0].viewer_card["facts"]
    assert 0 < len(facts) < 10 and facts[0].startswith("아주 긴 사실 번호 9")  # newest kept, oldest cut
    await vm.stop()


async def test_proposals_wait_and_are_accepted_edited_or_rejected(tmp_path):
    vm = await started(tmp_path / VIEWERS_FILE)
    seen = events(vm.bus, EventKind.FACT_PROPOSALS)
    msg = chat("우리 고양이 나비가 오늘 생일이에요!", sender="v1")
    vm.observe(msg)
    vm.propose(msg, "키우는 고양이 이름은 나비")
    vm.propose(msg, "키우는 고양이 이름은 나비")  # the same again: one proposal
    vm.propose(msg, "고양이 생일은 오늘")
    assert [p.text for p in vm.proposals] == ["키우는 고양이 이름은 나비", "고양이 생일은 오늘"]
    assert seen and seen[-1].data["proposals"] == vm.proposals
    p1, p2 = vm.proposals
    assert p1.source.startswith("우리 고양이 나비가") and p1.key == "chzzk:v1"
    vm.accept(p1.id, "키우는 고양이 이름: 나비").result(5)
    vm.reject(p2.id)
    assert vm.proposals == [] and seen[-1].data["proposals"] == []
    c = vm.card("chzzk:v1")
    assert [f.text for f in c.facts] == ["키우는 고양이 이름: 나비"] and c.facts[0].source == p1.source
    with pytest.raises(ViewerError):
        vm.accept(p2.id)  # already gone
    vm.configure(auto_accept=True)
    vm.propose(msg, "생일 파티를 함")
    assert vm.proposals == []
    await wait_until(lambda: len(vm.card("chzzk:v1").facts) == 2, 5, "auto-accepted fact written")
    await vm.stop()


async def test_forget_removes_the_card_its_proposals_and_its_bytes(tmp_path):
    path = tmp_path / VIEWERS_FILE
    vm = await started(path)
    msg = chat("비밀 이야기", sender="forgetme77", nick="잊혀질닉네임")
    for i in range(50):
        vm.observe(chat("이웃", sender=f"n{i}", nick=f"이웃{i}"))
    vm.observe(msg)
    vm.add_fact("chzzk:forgetme77", "좋아하는 과일은 두리안")
    vm.propose(msg, "비밀 제안")
    vm.attach_cards([chat("x", sender="forgetme77", nick="잊혀질닉네임")])  # greeted this show
    await wait_until(lambda: stored(path, "chzzk:forgetme77") is not None, 5, "card written")
    changes = events(vm.bus, EventKind.VIEWERS_CHANGED)
    vm.forget("chzzk:forgetme77").result(5)
    assert vm.proposals == [] and vm.card("chzzk:forgetme77") is None
    await wait_until(lambda: any(e.data.get("forgotten") == ["chzzk:forgetme77"] for e in changes), 5, "told")
    data = file_bytes(path)
    for trace in ("forgetme77", "잊혀질닉네임", "두리안", "비밀 제안"):
        assert trace.encode() not in data, trace
    again = [chat("다시 왔어요", sender="forgetme77", nick="잊혀질닉네임")]
    vm.attach_cards(again)
    assert again[0].viewer_card["greet"] == FIRST_TIME  # forgotten: a stranger again
    with pytest.raises(ViewerError):
        vm.forget("chzzk:forgetme77").result(5)  # nothing left to forget
    await vm.stop()


async def test_a_command_line_holding_the_lock_delays_writes_but_loses_nothing(tmp_path):
    path = tmp_path / VIEWERS_FILE
    vm = await started(path)
    other = sqlite3.connect(path, isolation_level=None, timeout=0)
    other.execute("BEGIN IMMEDIATE")  # another process writing for longer than the busy timeout allows
    try:
        for _ in range(20):
            vm.observe(chat("락 중에", sender="v1"))
        await asyncio.sleep(0.6)
        assert stored(path, "chzzk:v1") is None
    finally:
        other.execute("COMMIT")
        other.close()
    await wait_until(lambda: getattr(stored(path, "chzzk:v1"), "messages", 0) == 20, 15,
                     "written once the lock is free")
    await vm.stop()


async def test_a_corrupt_file_is_set_aside_with_a_notice(tmp_path):
    path = tmp_path / VIEWERS_FILE
    path.write_bytes(b"\x00garbage" * 512)
    bus = EventBus()
    notices = events(bus, EventKind.NOTICE)
    vm = await started(path, bus=bus)
    assert vm.set_aside is not None and vm.set_aside.read_bytes() == b"\x00garbage" * 512
    assert any(str(vm.set_aside) in e.data["text"] for e in notices)
    vm.observe(chat("새 파일에", sender="v1"))
    await vm.stop()
    assert stored(path, "chzzk:v1").messages == 1


async def test_damage_met_during_a_show_is_checked_and_set_aside_at_the_next_start(tmp_path):
    from tests.viewers.test_store import damage

    path = tmp_path / VIEWERS_FILE
    raw = damage(path)
    bus = EventBus()
    notices = events(bus, EventKind.NOTICE)
    vm = await started(path, bus=bus)  # a cleanly closed file is not checked at start
    assert vm.set_aside is None
    for i in range(4000):  # counting these touches the damaged page
        vm.observe(chat("안녕", sender=str(i)))
    await wait_until(lambda: any("손상" in e.data["text"] for e in notices), 10, "the damage told")
    assert path.with_name(path.name + ".check").exists()
    await vm.stop()
    vm = await started(path, bus=bus)
    assert vm.set_aside is not None and vm.set_aside.read_bytes()[:100] == raw[:100]
    await vm.stop()


async def test_edits_before_the_file_is_open_or_after_stop_say_so(tmp_path):
    vm = ViewerMemory(tmp_path / VIEWERS_FILE, EventBus())
    with pytest.raises(ViewerError):
        vm.set_note("chzzk:x", "a").result(1)
    with pytest.raises(ViewerError):
        vm.card("chzzk:x")
    with pytest.raises(ViewerError):
        await vm.search("x")
