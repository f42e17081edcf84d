"""Hangul for the word filter: jamo typed one by one composed back into syllables, and the particles
and endings Korean attaches after a word.

``compose(chars, spans)`` is a small two-set (두벌식) keyboard automaton: ``ㅅㅣㅂㅏㄹ`` → ``시발``,
``ㄱㅐㅅㅐㄲㅣ`` → ``개새끼`` (a consonant between two vowels starts the next syllable, a double final
splits), and a syllable without a final followed directly by one lone consonant jamo takes it
(``시바ㄹ`` → ``시발``). Laughter and other repeated consonants are left alone: ``존나ㅋㅋㅋ`` stays
``존나ㅋㅋㅋ`` and ``ㄱㅐㅅㅐㄲㅣㅋㅋ`` is ``개새끼ㅋㅋ`` (a consonant followed by the same one, not
starting a syllable, is no final; ㅋ, ㅎ and ㅇ never join a syllable typed whole). Each output
character keeps the span of the input it came from, so a hit can be masked in the original text.
"""

from __future__ import annotations

# Hangul compatibility jamo (what a keyboard types one by one), U+3131..U+3163.
CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
JUNGSEONG = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
JONGSEONG = ("", "ㄱ", "ㄲ", "ㄳ", "ㄴ", "ㄵ", "ㄶ", "ㄷ", "ㄹ", "ㄺ", "ㄻ", "ㄼ", "ㄽ", "ㄾ", "ㄿ", "ㅀ", "ㅁ",
             "ㅂ", "ㅄ", "ㅅ", "ㅆ", "ㅇ", "ㅈ", "ㅊ", "ㅋ", "ㅌ", "ㅍ", "ㅎ")
_CHO = {c: i for i, c in enumerate(CHOSEONG)}
_JUNG = {c: i for i, c in enumerate(JUNGSEONG)}
_JONG = {c: i for i, c in enumerate(JONGSEONG) if c}
_VOWEL_PAIRS = {("ㅗ", "ㅏ"): "ㅘ", ("ㅗ", "ㅐ"): "ㅙ", ("ㅗ", "ㅣ"): "ㅚ", ("ㅜ", "ㅓ"): "ㅝ", ("ㅜ", "ㅔ"): "ㅞ",
                ("ㅜ", "ㅣ"): "ㅟ", ("ㅡ", "ㅣ"): "ㅢ"}
_FINAL_PAIRS = {("ㄱ", "ㅅ"): "ㄳ", ("ㄴ", "ㅈ"): "ㄵ", ("ㄴ", "ㅎ"): "ㄶ", ("ㄹ", "ㄱ"): "ㄺ", ("ㄹ", "ㅁ"): "ㄻ",
                ("ㄹ", "ㅂ"): "ㄼ", ("ㄹ", "ㅅ"): "ㄽ", ("ㄹ", "ㅌ"): "ㄾ", ("ㄹ", "ㅍ"): "ㄿ", ("ㄹ", "ㅎ"): "ㅀ",
                ("ㅂ", "ㅅ"): "ㅄ"}
_FINAL_SPLIT = {v: k for k, v in _FINAL_PAIRS.items()}

# Conjoining jamo (U+1100 block: what NFKC makes of compatibility and halfwidth jamo) → compatibility jamo.
_LEADS = "ᄀᄁᄂᄃᄄᄅᄆᄇᄈᄉᄊᄋᄌᄍᄎᄏᄐᄑᄒ"
_VOWELS = "ᅡᅢᅣᅤᅥᅦᅧᅨᅩᅪᅫᅬᅭᅮᅯᅰᅱᅲᅳᅴᅵ"
_TAILS = "ᆨᆩᆪᆫᆬᆭᆮᆯᆰᆱᆲᆳᆴᆵᆶᆷᆸᆹᆺᆻᆼᆽᆾᆿᇀᇁᇂ"
CONJOINING_TO_COMPAT = {**dict(zip(_LEADS, CHOSEONG, strict=True)), **dict(zip(_VOWELS, JUNGSEONG, strict=True)),
                        **dict(zip(_TAILS, JONGSEONG[1:], strict=True))}

SYLLABLE_FIRST, SYLLABLE_LAST = 0xAC00, 0xD7A3
_NEVER_ATTACHED = frozenset("ㅋㅎㅇ")  # 존나ㅋ, 좋아ㅎ, 네ㅇ: laughter and "yes", not a final


def is_jamo(ch: str) -> bool:
    return "ㄱ" <= ch <= "ㅣ"


def is_syllable(ch: str) -> bool:
    return SYLLABLE_FIRST <= ord(ch) <= SYLLABLE_LAST


def syllable(cho: str, jung: str, jong: str = "") -> str:
    return chr(SYLLABLE_FIRST + (_CHO[cho] * 21 + _JUNG[jung]) * 28 + (_JONG[jong] if jong else 0))


def split_syllable(ch: str) -> tuple[str, str, str]:
    n = ord(ch) - SYLLABLE_FIRST
    return CHOSEONG[n // 588], JUNGSEONG[n % 588 // 28], JONGSEONG[n % 28]


Span = tuple[int, int]


def compose(chars: str, spans: list[Span] | None = None) -> tuple[str, list[Span] | None]:
    """Compose runs of compatibility jamo (see the module docstring); returns the text and, when
    ``spans`` (one ``(start, end)`` per input character) is given, one span per output character."""
    out: list[str] = []
    out_spans: list[Span] = []
    cho = jung = jong = ""  # the syllable being typed
    start = end = 0  # its span

    def flush() -> None:
        nonlocal cho, jung, jong
        if cho:
            out.append(syllable(cho, jung, jong) if jung else cho)
            out_spans.append((start, end))
        cho = jung = jong = ""

    n = len(chars)
    for i, ch in enumerate(chars):
        sp = spans[i] if spans is not None else (i, i)
        if is_jamo(ch):
            if ch in _JUNG:
                if cho and not jung:
                    jung, end = ch, sp[1]
                elif cho and jung and not jong:
                    pair = _VOWEL_PAIRS.get((jung, ch))
                    if pair:
                        jung, end = pair, sp[1]
                    else:
                        flush()
                        out.append(ch)
                        out_spans.append(sp)
                elif cho and jung and jong:  # the final moves on: 발 + ㅏ → 바 + 라
                    keep, move = _FINAL_SPLIT.get(jong, ("", jong))
                    if move in _CHO:
                        jong = keep
                        flush()
                        cho, jung, start, end = move, ch, sp[0], sp[1]
                    else:
                        flush()
                        out.append(ch)
                        out_spans.append(sp)
                else:
                    flush()
                    out.append(ch)
                    out_spans.append(sp)
            else:  # a consonant
                nxt = chars[i + 1] if i + 1 < n else ""
                repeated = nxt == ch and (chars[i + 2] if i + 2 < n else "") not in _JUNG  # ㅋㅋ, ㅇㅇ: no final
                if cho and jung and not jong and ch in _JONG and not repeated:
                    jong, end = ch, sp[1]
                elif cho and jung and jong and (jong, ch) in _FINAL_PAIRS and not repeated:
                    jong, end = _FINAL_PAIRS[(jong, ch)], sp[1]
                else:
                    flush()
                    if ch in _CHO:
                        cho, start, end = ch, sp[0], sp[1]
                    else:
                        out.append(ch)
                        out_spans.append(sp)
            continue
        flush()
        if (is_syllable(ch) and i + 1 < n and chars[i + 1] in _JONG and chars[i + 1] not in _NEVER_ATTACHED
                and (i + 2 >= n or not is_jamo(chars[i + 2])) and not split_syllable(ch)[2]):
            cho, jung, jong = split_syllable(ch)  # 시바ㄹ: the open syllable takes the lone consonant
            start, end = sp
            continue
        out.append(ch)
        out_spans.append(sp)
    flush()
    return "".join(out), (out_spans if spans is not None else None)


# Particles (조사) and copula endings that follow a noun; a spelled-out banned word followed by a run
# of these is still the word ("시.발이다", "병 신들아"). Which ones can come first depends on the last
# syllable: after a final consonant (받침) the 이-forms (병신이다, 병신을), after a vowel the bare forms
# (개새끼다, 개새끼를). So "병 신고 왔어" ("reported a bottle") is not 병신 + 고.
NEUTRAL = ("도", "만", "의", "에", "에서", "에게", "께", "한테", "한테서", "하고", "까지", "부터", "보다", "처럼",
           "같이", "마저", "조차", "밖에", "뿐", "들", "님", "씨", "놈", "년", "새끼", "같은", "같다", "같네", "임",
           "짓", "아니", "이다", "입니다", "이에요", "이야", "이지", "이네", "이냐", "이니", "이라", "이라고", "이란",
           "이잖아", "인데", "인가", "이고", "이면", "이래", "이요", "이죠", "이었다", "이었어", "이네요", "이랑",
           "이나", "이든", "이여")
AFTER_CONSONANT = ("이", "을", "은", "과", "으로", "아")
AFTER_RIEUL = ("로",)  # 시발로
AFTER_VOWEL = ("가", "를", "는", "와", "로", "랑", "야", "여", "나", "든", "다", "예요", "지", "네", "냐", "니",
               "라", "라고", "란", "잖아", "고", "면", "래", "요", "죠", "였다", "였어", "네요", "야말로")
PARTICLES = tuple(dict.fromkeys(NEUTRAL + AFTER_CONSONANT + AFTER_RIEUL + AFTER_VOWEL))


def final_of(ch: str) -> str:
    """The final consonant (받침) of a Hangul syllable ("" for none or for anything else)."""
    return split_syllable(ch)[2] if is_syllable(ch) else ""


# English endings after a spelled-out Latin word ("f.u.c.king").
SUFFIXES = ("s", "es", "ed", "er", "ers", "ing", "in", "y", "ies", "off", "up")
