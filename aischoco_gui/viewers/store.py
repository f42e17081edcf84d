"""The viewer cards in one SQLite file (standard library ``sqlite3``): schema, migrations, reads, writes.

Synchronous and Qt-free: the app's writer thread, the loop's read connection and the command line
each hold their own :class:`ViewerStore`. Every connection runs in WAL mode with foreign keys on and
``PRAGMA secure_delete=ON`` set explicitly (Windows builds of SQLite do not default to it), so a
deleted card's bytes are overwritten with zeros; :meth:`ViewerStore.checkpoint` then folds the WAL back
into the file and truncates it, so after "forget" neither file holds the viewer's rows.

Facts are one compressed JSON array per viewer (``[[text, said_at_minute, source], …]``, at most
:data:`MAX_FACTS`): they are always read and written together with their card, and one row per viewer
(with minute times, 24-character source excerpts and 8 KB pages) keeps 100,000 viewers × 20 facts
within the size budget (see ``bench/viewer_memory.py``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sqlite3
import time
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from aischoco_gui.i18n import tr
from aischoco_gui.viewers import strings  # noqa: F401  (registers the text used below)
from aischoco_gui.viewers.keys import REHEARSAL

log = logging.getLogger(__name__)

VIEWERS_FILE = "viewers.sqlite3"  # in the history folder (``UserDirs.history``)
SCHEMA_VERSION = 1
APPLICATION_ID = 0x41494356  # "AICV": this file is aischoco's viewer memory
MAX_FACTS = 20
MAX_NICKNAMES = 10
MAX_FACT_CHARS = 80
MAX_SOURCE_CHARS = 24  # the message a fact came from, as an excerpt
PAGE_SIZE = 8192  # a new file's page size: ~1 KB fact rows pack with less slack than in 4 KB pages
MAX_NOTE_CHARS = 500
BUSY_TIMEOUT_S = 5.0  # another process (the command line) may hold the write lock this long
SORTS = ("last_seen", "messages", "donations")
_SORT_COLUMN = {"last_seen": "last_seen", "messages": "messages", "donations": "donation_total"}

SCHEMA_V1 = """
CREATE TABLE viewers (
    id INTEGER PRIMARY KEY,
    key TEXT NOT NULL UNIQUE,                 -- chzzk:<channel id> | rehearsal:<nickname>
    nickname TEXT NOT NULL DEFAULT '',        -- the latest one (all of them: nicknames)
    first_seen INTEGER NOT NULL,              -- epoch seconds
    last_seen INTEGER NOT NULL,
    prev_seen INTEGER,                        -- last_seen of the show before this one
    shows INTEGER NOT NULL DEFAULT 1,
    last_show INTEGER NOT NULL DEFAULT 0,     -- the show (app run) that last counted this viewer
    messages INTEGER NOT NULL DEFAULT 0,
    donation_total INTEGER NOT NULL DEFAULT 0,
    donation_count INTEGER NOT NULL DEFAULT 0,
    sub_tier INTEGER,
    sub_tier_name TEXT NOT NULL DEFAULT '',
    sub_months INTEGER,
    note TEXT NOT NULL DEFAULT '',            -- the streamer's own note
    pinned INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX viewers_by_last_seen ON viewers(pinned, last_seen);
CREATE INDEX viewers_by_messages ON viewers(pinned, messages);
CREATE INDEX viewers_by_donations ON viewers(pinned, donation_total);
CREATE TABLE nicknames (
    viewer_id INTEGER NOT NULL REFERENCES viewers(id) ON DELETE CASCADE,
    nickname TEXT NOT NULL,
    last_seen INTEGER NOT NULL,
    PRIMARY KEY (viewer_id, nickname)
) WITHOUT ROWID;
CREATE TABLE facts (
    viewer_id INTEGER PRIMARY KEY REFERENCES viewers(id) ON DELETE CASCADE,
    data BLOB NOT NULL                        -- zlib(JSON [[text, said_at_minute, source], ...])
);
"""

# (version, SQL): run in order inside one transaction each; user_version says how far a file is.
MIGRATIONS: tuple[tuple[int, str], ...] = ((1, SCHEMA_V1),)


class ViewerError(Exception):
    """A request the store cannot do (its message is for the streamer, in the UI language)."""


class UnknownViewer(ViewerError):
    def __init__(self, ident: str) -> None:
        super().__init__(tr("viewers.error.unknown", id=ident))
        self.ident = ident


class NewerSchema(Exception):
    def __init__(self, version: int) -> None:
        super().__init__(f"schema version {version} is newer than this app's {SCHEMA_VERSION}")
        self.version = version


class NotViewerFile(Exception):
    pass


@dataclass
class Fact:
    text: str
    at: int  # when it was said (the source message's time), epoch seconds
    source: str = ""  # excerpt of the message it came from


@dataclass
class Delta:
    """One viewer's activity not yet written (several messages are summed into one)."""

    key: str
    nickname: str
    first: int
    last: int
    show: int
    messages: int = 0
    donation_total: int = 0
    donation_count: int = 0
    sub_tier: int | None = None
    sub_tier_name: str = ""
    sub_months: int | None = None

    def merge(self, o: Delta) -> None:
        if o.last >= self.last and o.nickname:
            self.nickname = o.nickname
        self.first, self.last = min(self.first, o.first), max(self.last, o.last)
        self.messages += o.messages
        self.donation_total += o.donation_total
        self.donation_count += o.donation_count
        if o.sub_tier is not None or o.sub_months is not None:
            self.sub_tier, self.sub_tier_name, self.sub_months = o.sub_tier, o.sub_tier_name, o.sub_months


@dataclass
class Row:
    """One line of the viewers list."""

    key: str
    nickname: str
    last_seen: int
    messages: int
    donation_total: int
    pinned: bool
    shows: int


@dataclass
class Card:
    """Everything remembered about one viewer."""

    id: int
    key: str
    nickname: str
    first_seen: int
    last_seen: int
    prev_seen: int | None
    shows: int
    last_show: int
    messages: int
    donation_total: int
    donation_count: int
    sub_tier: int | None
    sub_tier_name: str
    sub_months: int | None
    note: str
    pinned: bool
    nicknames: list[str] = field(default_factory=list)  # latest first
    facts: list[Fact] = field(default_factory=list)  # oldest first

    @property
    def platform(self) -> str:
        return self.key.partition(":")[0]

    @property
    def platform_id(self) -> str:
        return self.key.partition(":")[2]

    @property
    def rehearsal(self) -> bool:
        return self.platform == REHEARSAL


_CARD_COLUMNS = ("id, key, nickname, first_seen, last_seen, prev_seen, shows, last_show, messages, donation_total, "
                 "donation_count, sub_tier, sub_tier_name, sub_months, note, pinned")


def encode_facts(facts: Iterable[Fact]) -> bytes:
    """Times are kept to the minute (what the panel and the command line show is the date)."""
    data = [[f.text, int(f.at) // 60, f.source] for f in facts]
    return zlib.compress(json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), 9)


def decode_facts(blob: bytes | None) -> list[Fact]:
    if not blob:
        return []
    return [Fact(str(t), int(a) * 60, str(s)) for t, a, s in json.loads(zlib.decompress(blob))]


def clip(text: str, n: int) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= n else text[: n - 1] + "…"


def connect(path: Path | str, *, read_only: bool = False, check_same_thread: bool = True) -> sqlite3.Connection:
    """A connection with this file's rules: WAL, foreign keys, secure delete (explicitly), busy timeout."""
    conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_S, isolation_level=None,
                           check_same_thread=check_same_thread)
    try:
        conn.execute("PRAGMA foreign_keys=ON")
        conn.execute("PRAGMA secure_delete=ON")
        if conn.execute("PRAGMA secure_delete").fetchone()[0] != 1:  # never silently keep deleted bytes
            raise sqlite3.NotSupportedError("this SQLite cannot turn on secure_delete")
        if read_only:
            conn.execute("PRAGMA query_only=ON")
        else:
            conn.execute(f"PRAGMA page_size={PAGE_SIZE}")  # only a new, empty file takes it
            mode = conn.execute("PRAGMA journal_mode=WAL").fetchone()[0]
            if str(mode).lower() != "wal":
                raise sqlite3.OperationalError(f"cannot use WAL here (journal mode {mode})")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL + NORMAL: a killed process loses no commit
            conn.execute("PRAGMA journal_size_limit=4194304")
    except BaseException:
        conn.close()
        raise
    return conn


def migrate(conn: sqlite3.Connection, migrations: tuple[tuple[int, str], ...] = MIGRATIONS) -> int:
    """Bring the file to the newest schema (one transaction per step). Returns the version it had.
    Raises :class:`NewerSchema` for a file written by a newer app and :class:`NotViewerFile` for a
    SQLite file that is not ours; both are left untouched."""
    latest = migrations[-1][0]
    version = conn.execute("PRAGMA user_version").fetchone()[0]
    app_id = conn.execute("PRAGMA application_id").fetchone()[0]
    if version > latest:
        raise NewerSchema(version)
    if version == 0 and conn.execute("SELECT count(*) FROM sqlite_master").fetchone()[0]:
        raise NotViewerFile("tables without a schema version")
    if version and app_id != APPLICATION_ID:
        raise NotViewerFile(f"application_id {app_id:#x}")
    for v, sql in migrations:
        if v <= version:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            for stmt in (s.strip() for s in sql.split(";")):
                if stmt:
                    conn.execute(stmt)
            conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version={int(v)}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        log.info("viewer memory: schema %d → %d", version, v)
    return version


def set_aside(path: Path, reason: str, now: float | None = None) -> Path:
    """Rename the file (and its -wal/-shm) out of the way; never overwrites anything. Returns the new name."""
    stamp = time.strftime("%Y%m%d-%H%M%S", time.localtime(now))
    n = 0
    while True:
        target = path.with_name(f"{path.name}.{reason}-{stamp}" + (f"-{n}" if n else ""))
        if not any(Path(f"{target}{s}").exists() for s in ("", "-wal", "-shm")):
            break
        n += 1
    for suffix in ("-wal", "-shm", ""):  # the main file last: a crash in between leaves it where it was
        src = Path(f"{path}{suffix}")
        if src.exists():
            os.replace(src, f"{target}{suffix}")
    return target


@dataclass
class Opened:
    store: ViewerStore
    set_aside: Path | None = None  # where an unusable file went
    reason: str = ""  # corrupt | newer | foreign
    detail: str = ""


def check_marker(path: Path) -> Path:
    """A file next to the database that asks the next start to check it (written when a read or a write
    found the file damaged while the app ran)."""
    return path.with_name(path.name + ".check")


def mark_for_check(path: Path) -> None:
    try:
        check_marker(path).touch()
    except OSError:
        log.warning("viewer memory: cannot write %s", check_marker(path))


def needs_check(path: Path) -> bool:
    """Check an existing file when the last run did not close it (its WAL is still there: a crash, a kill)
    or when a damaged page was met while it ran. A cleanly closed file is not read whole at every start."""
    wal = Path(f"{path}-wal")
    return check_marker(path).exists() or (wal.exists() and wal.stat().st_size > 0)


def is_damage(e: BaseException) -> bool:
    """SQLITE_CORRUPT / SQLITE_NOTADB: the file itself is broken (not a lock, a full disk or a bad query)."""
    code = getattr(e, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (11, 26)
    return type(e) is sqlite3.DatabaseError


def open_store(path: Path, *, check: bool | None = None,
               migrations: tuple[tuple[int, str], ...] = MIGRATIONS) -> Opened:
    """Open (creating or migrating) the file for writing. A corrupt file, a newer schema or a foreign SQLite
    file is set aside (renamed, never overwritten) and a fresh file is started; :class:`Opened` says so.
    ``check`` runs ``PRAGMA quick_check`` on an existing file first (None: when :func:`needs_check`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    reason, detail = "", ""
    if check is None:
        check = needs_check(path)
    if path.exists() and path.stat().st_size > 0:
        conn = None
        try:
            conn = connect(path)
            if check:
                result = conn.execute("PRAGMA quick_check(1)").fetchone()[0]
                if result != "ok":
                    raise sqlite3.DatabaseError(str(result))
            migrate(conn, migrations)
            check_marker(path).unlink(missing_ok=True)
            return Opened(ViewerStore(conn))
        except NewerSchema as e:
            reason, detail = "newer", str(e)
        except NotViewerFile as e:
            reason, detail = "foreign", str(e)
        except sqlite3.DatabaseError as e:  # "file is not a database", "malformed", a failed check
            if isinstance(e, sqlite3.OperationalError) and "locked" in str(e):
                raise
            reason, detail = "corrupt", f"{type(e).__name__}: {e}"
        if conn is not None:
            conn.close()
        aside = set_aside(path, reason)
        check_marker(path).unlink(missing_ok=True)
        log.error("viewer memory: %s set aside as %s (%s)", path, aside, detail)
    else:
        aside = None
    conn = connect(path)
    try:
        migrate(conn, migrations)
    except BaseException:
        conn.close()
        raise
    return Opened(ViewerStore(conn), aside, reason, detail)


class ViewerStore:
    """Reads and writes of the viewer cards on one connection (use it from one thread)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        # key → the nickname this connection last wrote for it: a regular chatting all show under one
        # nickname costs one upsert per flush, not three (forget and import drop the key)
        self._nick_written: dict[str, str] = {}

    @classmethod
    def open_existing(cls, path: Path, *, read_only: bool = False) -> ViewerStore:
        """For the command line: the file must exist and be of a schema this app knows (never set aside)."""
        if not path.exists():
            raise ViewerError(tr("viewers.error.no_file", path=path))
        try:
            conn = connect(path, read_only=read_only)
        except sqlite3.DatabaseError as e:
            raise ViewerError(tr("viewers.error.corrupt", path=path, error=e)) from e
        try:
            version = conn.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise ViewerError(tr("viewers.error.newer", path=path, version=version, ours=SCHEMA_VERSION))
            if version < SCHEMA_VERSION:
                if read_only:
                    conn.close()
                    conn = connect(path)
                migrate(conn)
                if read_only:
                    conn.execute("PRAGMA query_only=ON")
        except sqlite3.DatabaseError as e:
            conn.close()
            raise ViewerError(tr("viewers.error.corrupt", path=path, error=e)) from e
        except (NotViewerFile, NewerSchema) as e:
            conn.close()
            raise ViewerError(tr("viewers.error.corrupt", path=path, error=e)) from e
        except BaseException:
            conn.close()
            raise
        return cls(conn)

    def close(self) -> None:
        self.conn.close()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        self.conn.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        self.conn.execute("COMMIT")

    # -- reads ----------------------------------------------------------------------------------
    def count(self) -> int:
        return self.conn.execute("SELECT count(*) FROM viewers").fetchone()[0]

    def get(self, key: str, *, nicknames: bool = True) -> Card | None:
        """The whole card of ``key`` (None when there is none). Two or three primary-key lookups."""
        r = self.conn.execute(f"SELECT {_CARD_COLUMNS} FROM viewers WHERE key = ?", (key,)).fetchone()
        if r is None:
            return None
        card = Card(*r[:15], pinned=bool(r[15]))
        blob = self.conn.execute("SELECT data FROM facts WHERE viewer_id = ?", (card.id,)).fetchone()
        card.facts = decode_facts(blob[0] if blob else None)
        if nicknames:
            card.nicknames = [n for (n,) in self.conn.execute(
                "SELECT nickname FROM nicknames WHERE viewer_id = ? ORDER BY last_seen DESC, nickname", (card.id,))]
        return card

    def get_many(self, keys: list[str]) -> dict[str, Card]:
        """The cards of several viewers, without facts or nicknames, in one statement (a turn's cards)."""
        if not keys:
            return {}
        rows = self.conn.execute(f"SELECT {_CARD_COLUMNS} FROM viewers WHERE key IN ({', '.join('?' * len(keys))})",
                                 keys)
        return {r[1]: Card(*r[:15], pinned=bool(r[15])) for r in rows}

    def fill_facts(self, cards: list[Card]) -> None:
        """Read and decode the facts of these cards (one statement)."""
        by_id = {c.id: c for c in cards if c.id}
        if not by_id:
            return
        for vid, blob in self.conn.execute(
                f"SELECT viewer_id, data FROM facts WHERE viewer_id IN ({', '.join('?' * len(by_id))})", list(by_id)):
            by_id[vid].facts = decode_facts(blob)

    def resolve(self, ident: str) -> str:
        """The key a user typed: the whole key (``chzzk:abc``), or a bare platform id / rehearsal nickname
        that matches exactly one card. Raises :class:`UnknownViewer` or :class:`ViewerError` (ambiguous)."""
        ident = ident.strip()
        if not ident:
            raise UnknownViewer(ident)
        if self.conn.execute("SELECT 1 FROM viewers WHERE key = ?", (ident,)).fetchone():
            return ident
        hits = [k for (k,) in self.conn.execute(
            "SELECT key FROM viewers WHERE key IN (?, ?)", (f"chzzk:{ident}", f"{REHEARSAL}:{ident}"))]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise ViewerError(tr("viewers.error.ambiguous", id=ident, keys=", ".join(hits)))
        raise UnknownViewer(ident)

    def search(self, text: str = "", sort: str = "last_seen", limit: int = 200) -> list[Row]:
        """Viewers whose nickname (any they used) contains ``text`` — or whose key is ``text`` — pinned ones
        first, then by ``sort`` (``last_seen`` | ``messages`` | ``donations``), newest/most first."""
        col = _SORT_COLUMN.get(sort, "last_seen")
        order = f"ORDER BY pinned DESC, {col} DESC, id DESC LIMIT ?"
        cols = "key, nickname, last_seen, messages, donation_total, pinned, shows"
        text = text.strip()
        if not text:
            cur = self.conn.execute(f"SELECT {cols} FROM viewers {order}", (limit,))
        else:
            cur = self.conn.execute(
                f"SELECT {cols} FROM viewers WHERE key IN (?, ?, ?) OR id IN "
                f"(SELECT viewer_id FROM nicknames WHERE instr(lower(nickname), lower(?)) > 0) {order}",
                (text, f"chzzk:{text}", f"{REHEARSAL}:{text}", text, limit))
        return [Row(k, n, ls, m, d, bool(p), s) for k, n, ls, m, d, p, s in cur]

    def keys(self) -> list[str]:
        return [k for (k,) in self.conn.execute("SELECT key FROM viewers ORDER BY id")]

    # -- writes (call inside :meth:`transaction` for one commit) --------------------------------
    def apply_deltas(self, deltas: Iterable[Delta]) -> list[str]:
        """Add counted activity (upsert per viewer; a new show moves ``last_seen`` to ``prev_seen``). Three
        ``executemany`` calls, so the writer thread holds the GIL as little as possible while the loop runs."""
        rows = [d.__dict__ for d in deltas]
        self.conn.executemany(
            "INSERT INTO viewers (key, nickname, first_seen, last_seen, prev_seen, shows, last_show, messages, "
            "donation_total, donation_count, sub_tier, sub_tier_name, sub_months) "
            "VALUES (:key, :nickname, :first, :last, NULL, 1, :show, :messages, :donation_total, "
            ":donation_count, :sub_tier, :sub_tier_name, :sub_months) "
            "ON CONFLICT(key) DO UPDATE SET "
            "prev_seen = CASE WHEN last_show <> excluded.last_show THEN last_seen ELSE prev_seen END, "
            "shows = shows + (last_show <> excluded.last_show), "
            "last_show = excluded.last_show, "
            "nickname = CASE WHEN excluded.last_seen >= last_seen AND excluded.nickname <> '' "
            "THEN excluded.nickname ELSE nickname END, "
            "last_seen = max(last_seen, excluded.last_seen), "
            "messages = messages + excluded.messages, "
            "donation_total = donation_total + excluded.donation_total, "
            "donation_count = donation_count + excluded.donation_count, "
            "sub_tier = coalesce(excluded.sub_tier, sub_tier), "
            "sub_tier_name = CASE WHEN excluded.sub_tier IS NOT NULL THEN excluded.sub_tier_name "
            "ELSE sub_tier_name END, "
            "sub_months = coalesce(excluded.sub_months, sub_months)",
            rows)
        named = [r for r in rows if r["nickname"] and self._nick_written.get(r["key"]) != r["nickname"]]
        self.conn.executemany(
            "INSERT INTO nicknames (viewer_id, nickname, last_seen) SELECT id, :nickname, :last FROM viewers "
            "WHERE key = :key ON CONFLICT(viewer_id, nickname) DO UPDATE SET "
            "last_seen = max(last_seen, excluded.last_seen)", named)
        self.conn.executemany(  # keep the latest MAX_NICKNAMES
            "DELETE FROM nicknames WHERE viewer_id = (SELECT id FROM viewers WHERE key = :key) AND nickname IN "
            "(SELECT nickname FROM nicknames WHERE viewer_id = (SELECT id FROM viewers WHERE key = :key) "
            f"ORDER BY last_seen DESC, nickname LIMIT -1 OFFSET {MAX_NICKNAMES})", [{"key": r["key"]} for r in named])
        if len(self._nick_written) > 200_000:
            self._nick_written.clear()
        self._nick_written.update((r["key"], r["nickname"]) for r in named)
        return [r["key"] for r in rows]

    def _id(self, key: str) -> int:
        r = self.conn.execute("SELECT id FROM viewers WHERE key = ?", (key,)).fetchone()
        if r is None:
            raise UnknownViewer(key)
        return r[0]

    def _facts(self, vid: int) -> list[Fact]:
        r = self.conn.execute("SELECT data FROM facts WHERE viewer_id = ?", (vid,)).fetchone()
        return decode_facts(r[0] if r else None)

    def _put_facts(self, vid: int, facts: list[Fact]) -> None:
        if facts:
            self.conn.execute("INSERT INTO facts (viewer_id, data) VALUES (?, ?) ON CONFLICT(viewer_id) "
                              "DO UPDATE SET data = excluded.data", (vid, encode_facts(facts[-MAX_FACTS:])))
        else:
            self.conn.execute("DELETE FROM facts WHERE viewer_id = ?", (vid,))

    def add_fact(self, key: str, fact: Fact) -> None:
        """Remember one more fact (the oldest goes beyond :data:`MAX_FACTS`; a repeat is not added twice)."""
        text = clip(fact.text, MAX_FACT_CHARS)
        if not text:
            raise ViewerError(tr("viewers.error.empty_fact"))
        vid = self._id(key)
        facts = self._facts(vid)
        if any(f.text == text for f in facts):
            return
        facts.append(Fact(text, int(fact.at), clip(fact.source, MAX_SOURCE_CHARS)))
        self._put_facts(vid, facts)

    def _fact_index(self, facts: list[Fact], index: int, expect: str | None) -> int:
        if not 0 <= index < len(facts) or (expect is not None and facts[index].text != expect):
            raise ViewerError(tr("viewers.error.fact_changed"))
        return index

    def edit_fact(self, key: str, index: int, text: str, expect: str | None = None) -> None:
        text = clip(text, MAX_FACT_CHARS)
        if not text:
            raise ViewerError(tr("viewers.error.empty_fact"))
        vid = self._id(key)
        facts = self._facts(vid)
        facts[self._fact_index(facts, index, expect)].text = text
        self._put_facts(vid, facts)

    def delete_fact(self, key: str, index: int, expect: str | None = None) -> None:
        vid = self._id(key)
        facts = self._facts(vid)
        del facts[self._fact_index(facts, index, expect)]
        self._put_facts(vid, facts)

    def set_note(self, key: str, text: str) -> None:
        note = str(text).strip()[:MAX_NOTE_CHARS]
        if self.conn.execute("UPDATE viewers SET note = ? WHERE key = ?", (note, key)).rowcount == 0:
            raise UnknownViewer(key)

    def set_pinned(self, key: str, pinned: bool) -> None:
        if self.conn.execute("UPDATE viewers SET pinned = ? WHERE key = ?", (int(pinned), key)).rowcount == 0:
            raise UnknownViewer(key)

    def forget(self, key: str) -> None:
        """Delete the card, its nicknames and facts (secure delete zeroes their bytes; checkpoint after)."""
        self._nick_written.pop(key, None)
        if self.conn.execute("DELETE FROM viewers WHERE key = ?", (key,)).rowcount == 0:
            raise UnknownViewer(key)

    def checkpoint(self, tries: int = 20, wait: Callable[[float], None] = time.sleep) -> bool:
        """Fold the WAL into the file and truncate it (after a forget). False when a reader kept it busy."""
        for _ in range(tries):
            busy = self.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
            if not busy:
                return True
            wait(0.05)
        return False

    def put_card(self, card: Card) -> bool:
        """Write a whole card (import): replaces the card with the same key. True if one was replaced."""
        self._nick_written.pop(card.key, None)
        old = self.conn.execute("SELECT id FROM viewers WHERE key = ?", (card.key,)).fetchone()
        if old is not None:
            self.conn.execute("DELETE FROM viewers WHERE id = ?", (old[0],))
        cur = self.conn.execute(
            "INSERT INTO viewers (key, nickname, first_seen, last_seen, prev_seen, shows, last_show, messages, "
            "donation_total, donation_count, sub_tier, sub_tier_name, sub_months, note, pinned) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?, ?, ?, ?, ?, ?, ?)",
            (card.key, card.nicknames[0] if card.nicknames else card.nickname, card.first_seen, card.last_seen,
             card.prev_seen, card.shows, card.messages, card.donation_total, card.donation_count, card.sub_tier,
             card.sub_tier_name, card.sub_months, card.note[:MAX_NOTE_CHARS], int(card.pinned)))
        vid = cur.lastrowid
        names = card.nicknames or ([card.nickname] if card.nickname else [])
        self.conn.executemany("INSERT OR IGNORE INTO nicknames (viewer_id, nickname, last_seen) VALUES (?, ?, ?)",
                              [(vid, n, card.last_seen - i) for i, n in enumerate(names[:MAX_NICKNAMES])])
        self._put_facts(vid, [Fact(clip(f.text, MAX_FACT_CHARS), f.at, clip(f.source, MAX_SOURCE_CHARS))
                              for f in card.facts if f.text.strip()])
        return old is not None

    def all_cards(self) -> Iterator[Card]:
        for (key,) in self.conn.execute("SELECT key FROM viewers ORDER BY id").fetchall():
            card = self.get(key)
            if card is not None:
                yield card
