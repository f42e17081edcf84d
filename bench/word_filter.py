"""The word filter (issue 22): false positives on ordinary Korean, catch rate per bypass class, cost.

* **False positives** — the shipped corpus ``tests/data/korean_innocent.txt`` (≥ 1,000 ordinary Korean
  chat lines and AI replies written for this project) and ``tests/data/korean_innocent_words.txt``
  (innocent words that contain a banned string), against the banned list of
  ``tests/wordfilter/cases.py`` and the default allow-list; with leet list-wide off and on.
* **Catch rate** — the hand-written bypasses of ``cases.BYPASSES`` and, per class, bypasses generated
  from every banned word with a fixed seed (separators, particles, a word split over a sentence end,
  jamo typed one by one, look-alike letters, leetspeak, and the older tricks: zero-width characters,
  fullwidth letters).
* **Cost** — µs per message through the reply filter's ``check`` (every text unique, so no cache hit),
  p50/p99/mean, and through the chat filter's ``check`` (text and nickname).

Runs on the code it is in; on a checkout from before issue 22 (no allow-list, no ``wordfilter``
package) it measures the old filter the same way, for the before/after table in the README.
Writes bench/results/word_filter.json.

    .venv/bin/python bench/word_filter.py [--quick]
"""

from __future__ import annotations

import argparse
import platform
import random
import sys
import time
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from aischoco_gui.chat.filters import ChatFilter, FilterRules  # noqa: E402
from aischoco_gui.llm.output_filter import OutputFilter  # noqa: E402
from aischoco_gui.models import ChatMessage  # noqa: E402
from bench.stats import pct, report  # noqa: E402
from tests.wordfilter.cases import BANNED, BYPASSES, innocent_lines, innocent_words  # noqa: E402

try:  # after issue 22
    from aischoco_gui.wordfilter import DEFAULT_ALLOW, make_word_filter
    from aischoco_gui.wordfilter.fold import tables
    from aischoco_gui.wordfilter.lookalikes import LEET, SECONDARY
    NEW = True
except ImportError:  # the filter before issue 22
    NEW = False

SEPARATORS = [" ", ".", "·", "ㆍ", "😀", "-", "~", "/", "_", "*", "❤️", "!", ","]
CARRIERS = ["{}", "야 {} 진짜", "이건 {} 맞지?", "{} ㅋㅋㅋ", "오늘 방송 {}", "{}!!"]
FITTING = {True: ["이다", "을", "이네", "아", "이야", "들아", "이라고", "은"],  # after a final consonant
           False: ["다", "를", "네", "야", "들아", "라고", "는"]}
LATIN_TAILS = ["ing", "s", "er", " you", "이다"]


def make_filter(leet: bool) -> OutputFilter:
    words = [w for w in BANNED]
    if NEW:
        return OutputFilter(word_filter=make_word_filter(", ".join(words), ", ".join(DEFAULT_ALLOW), leet, None))
    return OutputFilter([w.removeprefix("leet:") for w in words])


def _is_hangul_word(w: str) -> bool:
    return all("가" <= c <= "힣" for c in w)


def _final(ch: str) -> bool:
    return (ord(ch) - 0xAC00) % 28 != 0


def _jamo(word: str) -> str:
    """Syllables → compatibility jamo as typed one by one (ㅅㅣㅂㅏㄹ), via the Unicode names."""
    out = []
    for j in unicodedata.normalize("NFD", word):
        name = unicodedata.name(j)
        letter = next((name[len(p):] for p in ("HANGUL CHOSEONG ", "HANGUL JUNGSEONG ", "HANGUL JONGSEONG ")
                       if name.startswith(p)), None)
        out.append(unicodedata.lookup("HANGUL LETTER " + letter) if letter else j)
    return "".join(out)


def generated(rng: random.Random, n: int) -> dict[str, list[str]]:
    """``n`` bypasses per class from the banned list (fixed seed)."""
    words = [w.removeprefix("leet:") for w in BANNED]
    leet_words = [w.removeprefix("leet:") for w in BANNED if w.startswith("leet:")]
    korean = [w for w in words if _is_hangul_word(w) and len(w) >= 2]
    latin = [w for w in words if w.isascii()]
    look: dict[str, list[str]] = {}
    if NEW:
        primary, ambiguous = tables()
        for c, v in primary.items():
            if len(v) == 1:
                look.setdefault(v, []).append(c)
        for c, v in ambiguous.items():
            for x in v:
                look.setdefault(x, []).append(c)
        for c, v in SECONDARY.items():
            for x in (v if len(v) == 1 else v[:1]):
                look.setdefault(x, []).append(c)
    else:  # the same letters, from the confusables data itself
        from confusable_homoglyphs import confusables  # noqa: PLC0415

        for x in "abcdefghijklmnopqrstuvwxyz":
            look[x] = [a["c"] for a in confusables.confusables_data.get(x, []) if len(a["c"]) == 1]
    leet = LEET if NEW else {"a": "4@", "e": "3", "i": "1!", "o": "0", "s": "5$", "t": "7", "b": "8"}
    out: dict[str, list[str]] = {k: [] for k in ("separator", "particle", "sentence", "jamo", "lookalike", "leet",
                                                  "zero-width", "fullwidth")}

    def carry(s: str) -> str:
        return rng.choice(CARRIERS).format(s)

    def spelled(w: str) -> str:
        sep = rng.choice(SEPARATORS)
        return sep.join(w)

    for _ in range(n):
        w = rng.choice(words)
        out["separator"].append(carry(spelled(w)))
        if _is_hangul_word(w):
            k = rng.choice(korean)
            out["particle"].append(carry(spelled(k) + rng.choice(FITTING[_final(k[-1])])))
            cut = rng.randrange(1, len(k))
            out["sentence"].append(f"정말 {k[:cut]}{rng.choice(['.', '!', '?', '…'])} {k[cut:]}"
                                   f"{rng.choice(FITTING[_final(k[-1])])}.")
        else:
            out["particle"].append(carry(spelled(w) + rng.choice(LATIN_TAILS)))
            cut = rng.randrange(1, len(w))
            out["sentence"].append(f"so {w[:cut]}. {w[cut:]} it.")
        k = rng.choice(korean)
        j = _jamo(k)
        out["jamo"].append(carry(" ".join(j) if rng.random() < 0.2 else j))
        lw = rng.choice(latin)
        out["lookalike"].append(carry("".join(rng.choice(look[c]) if c in look and look[c] and rng.random() < 0.7
                                              else c for c in lw)))
        tw = rng.choice(leet_words)
        out["leet"].append(carry("".join(rng.choice(leet[c]) if c in leet and rng.random() < 0.7 else c for c in tw)))
        out["zero-width"].append(carry(rng.choice(["\u200b", "\u200d", "\u2060", "\u00ad"]).join(w)))
        out["fullwidth"].append(carry("".join(chr(ord(c) + 0xFEE0) if c.isascii() and c.isalnum() else c for c in w)))
    return out


def catch(flt: OutputFilter, texts: list[str]) -> tuple[float, list[str]]:
    missed = [t for t in texts if flt.check(t) is None]
    return 1 - len(missed) / len(texts), missed


def cost(flt: OutputFilter, texts: list[str], reps: int) -> dict[str, float]:
    samples = []
    for k in range(reps):
        for t in texts:
            u = f"{t} {k}"  # unique: no cache hit
            t0 = time.perf_counter()
            flt.check(u)
            samples.append((time.perf_counter() - t0) * 1e6)
    return {"p50_us": pct(samples, 50), "p99_us": pct(samples, 99), "mean_us": sum(samples) / len(samples),
            "n": len(samples)}


def chat_cost(texts: list[str], reps: int) -> float:
    if NEW:
        from aischoco_gui.wordfilter import WordFilter  # noqa: PLC0415

        cf = ChatFilter(rules=FilterRules(spam_enabled=False, banned_words=list(BANNED)),
                        words=WordFilter(allow=DEFAULT_ALLOW))
    else:
        cf = ChatFilter(rules=FilterRules(spam_enabled=False, banned_words=[w.removeprefix("leet:") for w in BANNED]))
    msgs = [ChatMessage(f"시청자{k % 50}", f"{t} {k}", user_id=f"u{k % 50}") for k in range(reps) for t in texts]
    t0 = time.perf_counter()
    for m in msgs:
        cf.check(m)
    return (time.perf_counter() - t0) / len(msgs) * 1e6


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", default="word_filter", help="results name (bench/results/<name>.json)")
    a = ap.parse_args()
    n = 60 if a.quick else 300
    reps = 2 if a.quick else 5
    lines, words = innocent_lines(), innocent_words()
    flt = make_filter(False)
    flt.check("warm up")  # the look-alike table is loaded on first use
    res: dict = {"filter": "issue 22" if NEW else "before issue 22", "banned": BANNED, "corpus_lines": len(lines),
                 "innocent_words": len(words), "machine": platform.platform(), "python": platform.python_version()}
    rows: list[tuple[str, str]] = [("filter", res["filter"])]
    for leet in (False, True):
        f = make_filter(leet) if NEW else flt
        fp = [x for x in lines if f.check(x) is not None]
        fpw = [x for x in words if f.check(x) is not None]
        key = "leet_on" if leet else "leet_off"
        res[f"fp_corpus_{key}"] = {"held": len(fp), "rate": len(fp) / len(lines), "lines": fp}
        res[f"fp_words_{key}"] = {"held": len(fpw), "rate": len(fpw) / len(words), "words": fpw}
        rows.append((f"false positives, corpus ({key})", f"{len(fp)}/{len(lines)} = {len(fp) / len(lines):.2%}"))
        rows.append((f"false positives, innocent words ({key})", f"{len(fpw)}/{len(words)}"))
        if not NEW:
            break
    hand = {}
    for cls, texts in BYPASSES.items():
        rate, missed = catch(flt, texts)
        hand[cls] = {"rate": rate, "n": len(texts), "missed": missed}
        rows.append((f"caught, hand-written {cls}", f"{rate:.0%} of {len(texts)}"))
    res["catch_hand_written"] = hand
    gen = generated(random.Random(22), n)
    g = {}
    for cls, texts in gen.items():
        rate, missed = catch(flt, texts)
        g[cls] = {"rate": rate, "n": len(texts), "missed_examples": missed[:10]}
        rows.append((f"caught, generated {cls}", f"{rate:.1%} of {len(texts)}"))
    res["catch_generated"] = g
    sample = lines + [t for ts in BYPASSES.values() for t in ts]
    c = cost(flt, sample, reps)
    res["cost_reply_filter"] = c
    rows.append(("µs/message, reply filter check", f"p50 {c['p50_us']:.1f}, p99 {c['p99_us']:.1f}, "
                                                   f"mean {c['mean_us']:.1f} (n={c['n']})"))
    cc = chat_cost(sample, reps)
    res["cost_chat_filter_mean_us"] = cc
    rows.append(("µs/message, chat filter check (text + nickname)", f"mean {cc:.1f}"))
    report(rows, res, a.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
