"""Issue 27: the app counts o200k tokens with its own compact table (aischoco_gui/llm/bpe.py). Every count
must equal tiktoken's (the reference, a test dependency) on the text the app sees: Korean chat as viewers
type it, English, code, emoji, jamo runs, full-width letters, odd Unicode, lone surrogates."""

from __future__ import annotations

import base64
import random

import pytest

from aischoco_gui.llm.bpe import BpeCounter, RankTable
from aischoco_gui.llm.tokens import O200K_FILE, O200K_PATTERN, O200K_SPECIALS, load_o200k
from aischoco_gui.paths import resource_path

tiktoken = pytest.importorskip("tiktoken")


@pytest.fixture(scope="module")
def reference():
    data = resource_path("tiktoken", O200K_FILE).read_bytes()
    ranks = {base64.b64decode(t): int(r) for t, r in (line.split() for line in data.splitlines() if line)}
    return tiktoken.Encoding(name="o200k_ref", pat_str=O200K_PATTERN, mergeable_ranks=ranks,
                             special_tokens=O200K_SPECIALS)


@pytest.fixture(scope="module")
def counter():
    return load_o200k()


CHAT = [
    "안녕하세요 여러분 오늘 방송 재밌게 봐주세요!", "초코야 노래 한 곡 불러줘~~ ㅋㅋㅋㅋ", "ㅋ" * 15,
    "ㅎㅇㅎㅇ", "ㄹㅇ 개웃기네 ㅠㅠㅠ", "오 늘 방 송 띄 어 쓰 기", "시1발 ㅅㅂ 씨@발", "초코님♡♡♡ 사랑해요💕💕",
    "1000원 후원했어요! 다음 게임은 뭐예요?", "ｆｕｌｌｗｉｄｔｈ　텍스트", "é e\u0301 ß 中文字符 日本語のテキスト",
    "I'm don't WE'LL they've", "def f(x):\n    return x**2\n\n\n", "  leading   and trailing   ", "🇰🇷🇰🇷 👍🏽 👨‍👩‍👧",
    "<|endoftext|> is ordinary text here", "https://chzzk.naver.com/live/abc123?x=1", "", " ", "\n\n\t",
]


def test_counts_equal_tiktoken_on_chat_and_odd_text(reference, counter):
    for text in CHAT:
        assert counter.count(text) == len(reference.encode_ordinary(text)), text


def test_counts_equal_tiktoken_on_random_korean_and_unicode(reference, counter):
    rnd = random.Random(27)
    alpha = ("가나다라마바사아자차카타파하ㄱㄴㄷㅋㅎㅠㅜ abcdefgXYZ0123456789!?.,~^ㅡ😀\n\t"
             + "".join(chr(x) for x in range(0xAC00, 0xAC00 + 300)))
    texts = ["".join(rnd.choice(alpha) for _ in range(rnd.randint(1, 120))) for _ in range(1500)]
    texts += ["".join(chr(rnd.randint(32, 0x2FFFF)) for _ in range(rnd.randint(1, 60))) for _ in range(300)]
    wrong = [t for t in texts if counter.count(t) != len(reference.encode_ordinary(t))]
    assert not wrong, wrong[:3]


def test_long_runs_and_lone_surrogates(reference, counter):
    for text in ("ㅋ" * 300, "가" * 500, "a" * 1000, "!?" * 200, "\ud800 lone surrogate \udfff"):
        assert counter.count(text) == len(reference.encode_ordinary(text))


def test_the_cache_does_not_change_counts(reference):
    table = load_o200k().table
    uncached, cached = BpeCounter(table, O200K_PATTERN, cache_size=0), BpeCounter(table, O200K_PATTERN, cache_size=4)
    for text in CHAT * 3:
        assert uncached.count(text) == cached.count(text) == len(reference.encode_ordinary(text))
    assert len(cached._cache) <= 4


def test_the_table_is_exact_and_small():
    pairs = [(b"ab", 5), (b"a", 0), (b"b", 1), (b"abc", 7)]
    table = RankTable.from_pairs(list(pairs))
    assert [table.get(b) for b, _ in pairs] == [5, 0, 1, 7]
    assert table.get(b"abd") == table.get(b"") == 1 << 31  # absent: no false hit
    full = load_o200k().table
    assert len(full) == 199998
    assert full.nbytes() < 8_000_000  # vs ~43 MB resident for tiktoken's core
