"""The running viewer memory: one writer thread, batched off the event loop; quick reads on the loop.

The pipeline calls :meth:`ViewerMemory.observe` for every message that passed the chat filter: that only
adds to an in-memory delta under a lock (a 1,000 chats/s burst from 5,000 viewers costs the loop a few
microseconds a message). The writer thread sleeps while nothing is queued; the first message wakes it, it
waits ``flush_s`` (0.25 s) for what follows, takes everything queued and writes it in ONE transaction — so
a ``kill -9`` loses at most the last quarter second, and WAL with
``synchronous=NORMAL`` never leaves a torn file. The streamer's edits (note, pin, facts, forget) go
through the same queue in order, each with a ``concurrent.futures.Future`` for its result; a forget is
followed by a WAL checkpoint so the bytes are gone from both files.

Reads for a turn (:meth:`attach_cards`) are primary-key lookups on a read-only connection owned by the
loop's thread (≤ 1 ms p99 at 100,000 viewers, ``bench/viewer_memory.py``), with the not-yet-written
deltas added on top. The viewers panel's search may scan every nickname, so it runs in a worker thread
(:meth:`search`). Results and proposals reach the GUI as bus events (``VIEWERS_CHANGED``,
``FACT_PROPOSALS``) posted onto the loop through a ``threads.LoopPost`` — the writer thread never calls
into the bus itself; :meth:`ViewerMemory.stop` joins it (``threads.join_thread``) and then cuts that post.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import itertools
import logging
import sqlite3
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from aischoco_gui.events import EventBus, EventKind
from aischoco_gui.i18n import tr
from aischoco_gui.models import KIND_SUBSCRIPTION, ChatMessage
from aischoco_gui.threads import LoopPost, join_thread
from aischoco_gui.viewers.card import prompt_card
from aischoco_gui.viewers.keys import viewer_key
from aischoco_gui.viewers.store import (
    MAX_FACT_CHARS,
    MAX_SOURCE_CHARS,
    Card,
    Delta,
    Fact,
    Row,
    ViewerError,
    ViewerStore,
    clip,
    connect,
    is_damage,
    mark_for_check,
    open_store,
)

log = logging.getLogger(__name__)

MAX_PROPOSALS = 50  # waiting proposals kept (the oldest are dropped beyond this)
NOTICE_EVERY_S = 60.0  # a repeating write failure is shown at most this often


@dataclass
class MemoryConfig:
    card_tokens: int = 120  # VIEWER_CARD_TOKENS: budget of one viewer's card in a turn's prompt
    auto_accept: bool = False  # VIEWER_FACTS_AUTO_ACCEPT: proposed facts are stored without asking
    flush_s: float = 0.25  # how often the writer commits what was queued
    max_cards: int = 5  # cards per turn (a batch can answer up to BATCH_MAX_MESSAGES viewers)
    check_on_open: bool | None = None  # PRAGMA quick_check first (None: after a crash or a damaged read)


@dataclass
class Proposal:
    """A fact the LLM proposed, waiting in the control room beside the drafts."""

    id: int
    key: str
    nickname: str
    text: str
    source: str  # excerpt of the viewer's message it came from
    at: int  # when that message came (epoch seconds)


@dataclass
class _Command:
    """One edit from the control room or the command line, run by the writer in queue order."""

    what: str
    key: str
    run: Callable[[ViewerStore], Any]
    future: concurrent.futures.Future = field(default_factory=concurrent.futures.Future)
    checkpoint: bool = False  # forget: fold the WAL into the file afterwards


_Item = dict[str, Delta] | _Command


class ViewerMemory:
    """Viewer cards for the running app (implements ``protocols.ViewerMemory``; started and stopped by compose)."""

    name = "viewers"

    def __init__(self, path: Path, bus: EventBus, config: MemoryConfig | None = None, *, show: int | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.path = path
        self.bus = bus
        self.config = config or MemoryConfig()
        self.clock = clock
        # this run of the app is one "show": its start in milliseconds (two runs never share one)
        self.show = int(clock() * 1000) if show is None else show
        self.proposals: list[Proposal] = []
        self.error = ""  # why the memory could not open (it then stays empty for this show)
        self.set_aside: Path | None = None  # where an unusable file was moved at start
        self.counters = {"observed": 0, "written": 0, "flushes": 0, "write_errors": 0}
        self._lock = threading.Lock()
        self._queue: list[_Item] = []
        self._inflight: list[_Item] = []
        self._wake = threading.Event()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._to_loop = LoopPost()  # the writer thread's only way back to the loop; cut on stop
        self._reader: ViewerStore | None = None
        self._ready = threading.Event()
        self._greeted: set[str] = set()
        self._ids = itertools.count(1)
        self._last_notice = 0.0
        self._checkpoint_due = False
        self._parked = False  # the writer sleeps until something is queued (set and read under _lock)

    # -- lifecycle (compose) --------------------------------------------------------------------
    async def start(self) -> None:
        """Start the writer thread; it opens (or sets aside and recreates) the file in the background,
        so a large file never delays the window or the first chat."""
        if self._thread is not None:
            return
        self._to_loop = LoopPost(asyncio.get_running_loop())
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="viewer-memory-writer", daemon=True)
        self._thread.start()

    async def stop(self, timeout: float = 15.0) -> None:
        """Write what is queued, join the writer, close the read connection.

        The writer's last results (what it wrote, a write error) still reach the loop while it is joined;
        then its way back is cut. A writer that does not end in time (a disk that hangs) is reported
        (``threads.stragglers``) and can no longer reach the loop; its queue may be lost."""
        thread = self._thread
        if thread is not None:
            with self._lock:
                self._stopping = True
            self._wake.set()
            if not await join_thread(thread, timeout, "viewer memory"):
                log.error("viewer memory writer did not stop; its queue may be lost")
            self._thread = None
        self._to_loop.cut()
        was_open = self._reader is not None
        if self._reader is not None:
            self._reader.close()
            self._reader = None
        self._ready.clear()
        if self.proposals:  # they lived in memory only: the control room stops showing them
            self.proposals = []
            self._proposals_changed()
        if was_open:
            self.bus.emit(EventKind.VIEWERS_CHANGED, keys=[], forgotten=[], closed=True)

    @property
    def ready(self) -> bool:
        return self._reader is not None

    async def wait_ready(self, timeout: float = 10.0) -> bool:
        """True once the file is open (tests, the command line bench)."""
        end = time.monotonic() + timeout
        while not self.ready and not self.error and time.monotonic() < end:
            await asyncio.sleep(0.01)
        return self.ready

    def configure(self, *, card_tokens: int | None = None, auto_accept: bool | None = None) -> None:
        """Settings that apply in place (VIEWER_CARD_TOKENS, VIEWER_FACTS_AUTO_ACCEPT)."""
        if card_tokens is not None:
            self.config.card_tokens = card_tokens
        if auto_accept is not None:
            self.config.auto_accept = auto_accept

    # -- the pipeline's side (on the loop; quick) -----------------------------------------------
    def observe(self, msg: ChatMessage) -> None:
        """Count one message that passed the filters on its sender's card (queued, written within flush_s)."""
        key = viewer_key(msg)
        if key is None:
            return
        now = int(self.clock())
        sub = msg.kind == KIND_SUBSCRIPTION
        don = msg.donation_amount
        d = Delta(key, msg.nickname, now, now, self.show, messages=0 if sub else 1,
                  donation_total=max(0, int(don)) if don is not None else 0,
                  donation_count=1 if don is not None else 0)
        if sub:
            d.sub_tier, d.sub_tier_name = msg.subscription_tier, msg.subscription_tier_name
            d.sub_months = msg.subscription_months or 1
        with self._lock:
            wake = self._parked and not self._queue  # the first message after a quiet spell wakes the writer
            if not self._queue or not isinstance(self._queue[-1], dict):
                self._queue.append({})
            group = self._queue[-1]
            old = group.get(key)
            if old is None:
                group[key] = d
            else:
                old.merge(d)
        if wake:
            self._wake.set()
        self.counters["observed"] += 1

    def attach_cards(self, batch: list[ChatMessage]) -> None:
        """Give the messages of the viewers this turn answers their card (``ChatMessage.viewer_card``):
        one per viewer, at most ``max_cards``, pinned viewers first; a viewer is greeted once per show."""
        if self._reader is None:
            return
        now = self.clock()
        todo: list[tuple[str, ChatMessage]] = []
        seen: set[str] = set()
        for m in batch:
            key = viewer_key(m)
            if key is None or key in seen:
                continue
            seen.add(key)
            if m.viewer_card is None:  # a retried batch keeps the card it had
                todo.append((key, m))
        try:  # two statements for the whole turn: the rows, then the facts of the cards that go
            found = self._reader.get_many([k for k, _ in todo])
            cards = [(key, m, found.get(key)) for key, m in todo]
            cards.sort(key=lambda c: not (c[2] is not None and c[2].pinned))  # stable: pinned first, batch order
            cards = cards[: self.config.max_cards]
            self._reader.fill_facts([c for _, _, c in cards if c is not None])
        except sqlite3.Error as e:
            log.warning("viewer memory: cards not read: %s", e)
            self._damaged(e)
            return
        for key, m, card in cards:
            card = self._with_unwritten(key, card, nicknames=False)
            m.viewer_card = prompt_card(card, m.nickname, show=self.show, now=now, greet=key not in self._greeted,
                                        budget_tokens=self.config.card_tokens)
            self._greeted.add(key)

    def propose(self, msg: ChatMessage, text: str) -> None:
        """A fact the LLM proposed about the sender of ``msg`` (the pipeline has checked the filters)."""
        key = viewer_key(msg)
        text = clip(text, MAX_FACT_CHARS)
        if key is None or not text:
            return
        p = Proposal(next(self._ids), key, msg.nickname, text, clip(msg.text, MAX_SOURCE_CHARS), int(self.clock()))
        if self.config.auto_accept:
            self._add_fact(p, p.text)
            return
        if any(q.key == key and q.text == text for q in self.proposals):
            return
        self.proposals.append(p)
        del self.proposals[:-MAX_PROPOSALS]
        self._proposals_changed()

    # -- the control room's side (GUI thread = the loop) ----------------------------------------
    def accept(self, proposal_id: int, text: str | None = None) -> concurrent.futures.Future:
        """Store a proposed fact (``text``: the streamer's edit of it)."""
        p = self._take(proposal_id)
        return self._add_fact(p, p.text if text is None else text)

    def reject(self, proposal_id: int) -> None:
        self._take(proposal_id)

    def _take(self, proposal_id: int) -> Proposal:
        p = next((q for q in self.proposals if q.id == proposal_id), None)
        if p is None:
            raise ViewerError(tr("viewers.error.fact_changed"))
        self.proposals.remove(p)
        self._proposals_changed()
        return p

    def _add_fact(self, p: Proposal, text: str) -> concurrent.futures.Future:
        fact = Fact(text, p.at, p.source)
        return self._submit(_Command("fact_add", p.key, lambda s: s.add_fact(p.key, fact)))

    def add_fact(self, key: str, text: str) -> concurrent.futures.Future:
        """A fact the streamer typed in the panel."""
        fact = Fact(text, int(self.clock()), "")
        return self._submit(_Command("fact_add", key, lambda s: s.add_fact(key, fact)))

    def edit_fact(self, key: str, index: int, text: str, expect: str | None = None) -> concurrent.futures.Future:
        return self._submit(_Command("fact_edit", key, lambda s: s.edit_fact(key, index, text, expect)))

    def delete_fact(self, key: str, index: int, expect: str | None = None) -> concurrent.futures.Future:
        return self._submit(_Command("fact_delete", key, lambda s: s.delete_fact(key, index, expect)))

    def set_note(self, key: str, text: str) -> concurrent.futures.Future:
        return self._submit(_Command("note", key, lambda s: s.set_note(key, text)))

    def set_pinned(self, key: str, pinned: bool) -> concurrent.futures.Future:
        return self._submit(_Command("pin", key, lambda s: s.set_pinned(key, pinned)))

    def forget(self, key: str) -> concurrent.futures.Future:
        """Delete the card for real: rows gone (secure delete), then a WAL checkpoint. Its waiting proposals
        go too, and it is greeted as new if it ever comes back."""
        self.proposals = [p for p in self.proposals if p.key != key]
        self._greeted.discard(key)
        self._proposals_changed()
        return self._submit(_Command("forget", key, lambda s: s.forget(key), checkpoint=True))

    def card(self, key: str) -> Card | None:
        """The whole card (nicknames, facts) with what is not written yet added; on the loop (a few lookups)."""
        if self._reader is None:
            raise ViewerError(tr("viewers.error.not_ready"))
        return self._read(key, nicknames=True)

    async def search(self, text: str = "", sort: str = "last_seen", limit: int = 200) -> list[Row]:
        """The viewers list for the panel, in a worker thread (a nickname search scans every nickname)."""
        if self._reader is None:
            raise ViewerError(tr("viewers.error.not_ready"))
        path = self.path

        def run() -> list[Row]:
            conn = connect(path, read_only=True)
            try:
                return ViewerStore(conn).search(text, sort, limit)
            finally:
                conn.close()

        return await asyncio.to_thread(run)

    def flush_soon(self) -> None:
        self._wake.set()

    # -- internals ------------------------------------------------------------------------------
    def _read(self, key: str, *, nicknames: bool) -> Card | None:
        assert self._reader is not None
        return self._with_unwritten(key, self._reader.get(key, nicknames=nicknames), nicknames=nicknames)

    def _with_unwritten(self, key: str, card: Card | None, *, nicknames: bool) -> Card | None:
        """``card`` (as read from the file) plus what is still queued for that viewer."""
        d = self._unwritten(key)
        if d is None:
            return card
        if card is None:  # a new viewer not written yet: a card from what was queued
            return Card(0, key, d.nickname, d.first, d.last, None, 1, self.show, d.messages, d.donation_total,
                        d.donation_count, d.sub_tier, d.sub_tier_name, d.sub_months, "", False,
                        [d.nickname] if nicknames else [])
        card.messages += d.messages
        card.donation_total += d.donation_total
        card.donation_count += d.donation_count
        if d.sub_months is not None:
            card.sub_tier, card.sub_tier_name, card.sub_months = d.sub_tier, d.sub_tier_name, d.sub_months
        return card

    def _unwritten(self, key: str) -> Delta | None:
        with self._lock:
            items = [*self._inflight, *self._queue]
        out: Delta | None = None
        for item in items:
            if isinstance(item, dict) and key in item:
                d = item[key]
                if out is None:
                    out = Delta(**d.__dict__)
                else:
                    out.merge(d)
        return out

    def _submit(self, cmd: _Command) -> concurrent.futures.Future:
        if self._thread is None or self._stopping:
            cmd.future.set_exception(ViewerError(tr("viewers.error.not_ready")))
            return cmd.future
        with self._lock:
            self._queue.append(cmd)
        self._wake.set()
        return cmd.future

    def _proposals_changed(self) -> None:
        self.bus.emit(EventKind.FACT_PROPOSALS, proposals=list(self.proposals))

    def _post(self, fn: Callable[..., Any], *args: Any) -> None:
        """Run ``fn`` on the loop (the writer thread never touches the bus or the read connection); dropped
        once the memory stopped (the post is cut) or the loop closed."""
        self._to_loop(fn, *args)

    # on the loop
    def _opened(self, aside: Path | None, reason: str) -> None:
        if self._stopping or not self._to_loop.open:
            return
        try:
            self._reader = ViewerStore(connect(self.path, read_only=True))
        except sqlite3.Error as e:
            self._open_failed(f"{type(e).__name__}: {e}")
            return
        if aside is not None:
            self.set_aside = aside
            self.bus.notice(tr("viewers.notice.set_aside", why=tr(f"viewers.why.{reason}"), path=aside),
                            level="warning")
        self.bus.emit(EventKind.VIEWERS_CHANGED, keys=[], forgotten=[], opened=True)

    def _damaged(self, e: BaseException) -> None:
        """A read on the loop met a damaged page: the next start checks (and sets aside) the file."""
        if is_damage(e):
            mark_for_check(self.path)
            if time.monotonic() - self._last_notice > NOTICE_EVERY_S:
                self._last_notice = time.monotonic()
                self.bus.notice(tr("viewers.notice.damaged", error=e), level="error")

    def _open_failed(self, error: str) -> None:
        self.error = error
        self.bus.notice(tr("viewers.notice.open_failed", error=error), level="error")

    def _written(self, keys: list[str], forgotten: list[str], error: str, checkpoint_busy: bool,
                 damaged: bool = False) -> None:
        if error and time.monotonic() - self._last_notice > NOTICE_EVERY_S:
            self._last_notice = time.monotonic()
            self.bus.notice(tr("viewers.notice.damaged" if damaged else "viewers.notice.write_failed", error=error),
                            level="error")
        if checkpoint_busy:
            self.bus.notice(tr("viewers.notice.checkpoint_busy"), level="warning")
        if keys or forgotten:
            self.bus.emit(EventKind.VIEWERS_CHANGED, keys=keys, forgotten=forgotten)

    # on the writer thread
    def _run(self) -> None:
        try:
            opened = open_store(self.path, check=self.config.check_on_open)
        except Exception as e:
            log.exception("viewer memory: cannot open %s", self.path)
            self._post(self._open_failed, f"{type(e).__name__}: {e}")
            self._fail_queued(ViewerError(tr("viewers.notice.open_failed", error=e)))
            return
        store = opened.store
        self._post(self._opened, opened.set_aside, opened.reason)
        try:
            while True:
                with self._lock:  # nothing to do: sleep until something is queued (no idle wake-ups, issue 27)
                    self._parked = not self._queue and not self._checkpoint_due and not self._stopping
                if self._parked:
                    self._wake.wait()
                    self._wake.clear()
                    with self._lock:
                        self._parked = False
                        urgent = self._stopping or any(isinstance(i, _Command) for i in self._queue)
                    if not urgent:  # chat: gather what follows for up to flush_s, one commit for the batch
                        self._wake.wait(self.config.flush_s)
                else:
                    self._wake.wait(self.config.flush_s)
                self._wake.clear()
                with self._lock:
                    batch, self._queue = self._queue, []
                    self._inflight = batch
                    stopping = self._stopping
                if batch or self._checkpoint_due:
                    self._write(store, batch)
                with self._lock:
                    self._inflight = []
                    done = stopping and not self._queue
                if done:
                    break
        finally:
            store.close()

    def _fail_queued(self, error: Exception) -> None:
        with self._lock:
            batch, self._queue = self._queue, []
        for item in batch:
            if isinstance(item, _Command) and not item.future.done():
                item.future.set_exception(error)

    def _write(self, store: ViewerStore, batch: list[_Item]) -> None:
        conn = store.conn
        keys: list[str] = []
        forgotten: list[str] = []
        results: list[tuple[_Command, Any, BaseException | None]] = []
        error = ""
        damaged = False
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:  # another process (the command line) holds the lock: next round
            with self._lock:
                self._queue[0:0] = batch
            self._post(self._written, [], [], f"{type(e).__name__}: {e}", False)
            return
        try:
            for item in batch:
                if isinstance(item, dict):
                    keys.extend(store.apply_deltas(item.values()))
                    self.counters["written"] += sum(d.messages for d in item.values())
                    continue
                conn.execute("SAVEPOINT cmd")
                try:
                    r = item.run(store)
                    conn.execute("RELEASE cmd")
                    results.append((item, r, None))
                    (forgotten if item.what == "forget" else keys).append(item.key)
                    self._checkpoint_due |= item.checkpoint
                except (ViewerError, sqlite3.IntegrityError) as e:  # this edit only; the rest goes on
                    conn.execute("ROLLBACK TO cmd")
                    conn.execute("RELEASE cmd")
                    results.append((item, None, e))
            conn.execute("COMMIT")
            self.counters["flushes"] += 1
        except Exception as e:  # disk full, a damaged file: this batch is lost, said once a minute
            log.exception("viewer memory: write failed")
            damaged = is_damage(e)
            if damaged:
                mark_for_check(self.path)  # the next start checks the file and sets it aside
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            self.counters["write_errors"] += 1
            error = f"{type(e).__name__}: {e}"
            results = [(c, None, e) for c in batch if isinstance(c, _Command)]
            keys, forgotten = [], []
        busy = False
        if self._checkpoint_due and not error:
            busy = not store.checkpoint()
            self._checkpoint_due = busy  # a reader held it: again after the next write
        for cmd, r, e in results:
            if e is None:
                cmd.future.set_result(r)
            else:
                cmd.future.set_exception(e)
        self._post(self._written, list(dict.fromkeys(keys)), forgotten, error, busy, damaged)
