"""The settings dialog's word-filter tab (issue 22): the banned list and the allow-list in one place,
the leetspeak switch, and a "test a sentence" box that says whether and why a sentence would be held.

It edits three settings (``LLM_BANNED_WORDS``, ``WORD_FILTER_ALLOW``, ``WORD_FILTER_LEET``), saved with
the rest of the dialog and applied live to the app's one word filter. The words the chat panel's filter
window keeps (``config/chat_filters.json``) and those of ``config/output_filter.txt`` apply too: they
are listed here and included in the test. The test builds its own filter from what is typed (nothing
is saved or applied until Save), so no service is kept.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QPushButton,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.chat.filters import FILTERS_FILE, read_banned_words
from aischoco_gui.gui.theme import quiet
from aischoco_gui.i18n import register, tr
from aischoco_gui.settings import Settings, field_label
from aischoco_gui.wordfilter import (
    DEFAULT_ALLOW,
    OUTPUT_FILTER_FILE,
    Hit,
    WordFilter,
    load_word_file,
    split_list,
)

FIELDS = ("llm_banned_words", "word_filter_allow", "word_filter_leet")

register({
    "group.filter": ("금칙어", "Word filter"),
    "wf.env": ("환경 변수 이름: {env}", "environment name: {env}"),
    "wf.intro": ("여기 적은 금지어는 채팅(AI에게 보내지 않음), AI 답변(자동으로 말하지 않고 보류), 오버레이, "
                 "채팅 에코, 공지에 똑같이 적용돼요. 띄어 쓰기·점·ㆍ·이모지로 끊어 쓰기, "
                 "조사 붙이기(시.발이다), 자모로 풀어 쓰기(ㅅㅣㅂㅏㄹ), 닮은 글자(ʙ, б, 🅱)도 잡아요.",
                 "These banned words apply alike to chat (not sent to the AI), AI replies (held, never spoken "
                 "automatically), the overlay, chat echo and notices. Also caught: letters split by spaces, dots, ㆍ "
                 "or emoji, Korean particles attached (시.발이다), jamo typed one by one (ㅅㅣㅂㅏㄹ) and look-alike "
                 "letters (ʙ, б, 🅱)."),
    "wf.banned": ("금지어 (한 줄에 하나)", "Banned words (one per line)"),
    "wf.banned.hint": ("단어 앞에 leet: 을 붙이면 숫자·기호로 바꾼 글자(5h1t)도 잡아요.",
                       "Put leet: before a word to also catch digits/symbols for its letters (5h1t)."),
    "wf.allow": ("허용 단어 (한 줄에 하나)", "Allowed words (one per line)"),
    "wf.allow.hint": ("금지어가 들어 있지만 괜찮은 단어예요. 이 단어 안에서는 보류하지 않아요.",
                      "Innocent words that contain a banned one: nothing inside them is held."),
    "wf.allow.reset": ("기본 목록으로", "Default list"),
    "wf.others": ("함께 적용되는 다른 목록: 채팅 필터 창 {chat}개, output_filter.txt {file}개",
                  "Also applied: {chat} from the chat filter window, {file} from output_filter.txt"),
    "wf.test": ("문장 시험하기", "Test a sentence"),
    "wf.test.placeholder": ("예: 이건 시.발이다", "e.g. 이건 시.발이다"),
    "wf.test.button": ("시험", "Test"),
    "wf.test.empty": ("문장을 적으면 보류될지 알려 드려요.", "Type a sentence to see whether it would be held."),
    "wf.test.held": ("보류돼요 — 금지어 '{word}' ({rules})", "Held — banned word '{word}' ({rules})"),
    "wf.test.masked": ("오버레이·채팅 에코에서는: {masked}", "On the overlay and in chat echo: {masked}"),
    "wf.test.pass": ("통과 — 금지어가 없어요", "Passes — no banned word"),
    "wf.test.allowed": ("통과 — '{word}'이(가) 들어 있지만 허용 단어예요",
                        "Passes — contains '{word}', but it is an allowed word"),
    "wf.rule.exact": ("그대로", "as written"),
    "wf.rule.normalised": ("전각·보이지 않는 문자", "fullwidth / invisible characters"),
    "wf.rule.separator": ("끊어 쓰기", "letters split up"),
    "wf.rule.particle": ("조사·어미가 붙음", "particle / ending attached"),
    "wf.rule.jamo": ("자모로 풀어 씀", "typed as jamo"),
    "wf.rule.lookalike": ("닮은 글자", "look-alike letters"),
    "wf.rule.leet": ("리트 표기(숫자·기호)", "leetspeak (digits/symbols)"),
})


def _lines(text: str) -> list[str]:
    return [w for w in (x.strip() for x in text.replace(",", "\n").splitlines()) if w]


def describe_rules(hit: Hit) -> str:
    return ", ".join(tr(f"wf.rule.{r}") for r in hit.rules)


class WordFilterTab(QScrollArea):
    """The tab (a scroll area, so the dialog still fits a 1366×768 screen)."""

    def __init__(self, settings: Settings, config_dir: Path | None, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.settings = settings
        self.config_dir = config_dir
        self.held = False  # the last test's verdict
        self.setWidgetResizable(True)
        self.setFrameShape(QScrollArea.Shape.NoFrame)
        self.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)  # everything wraps
        inner = QWidget()
        lay = QVBoxLayout(inner)
        intro = QLabel(tr("wf.intro"))
        intro.setWordWrap(True)
        lay.addWidget(intro)
        lists = QHBoxLayout()
        self.banned = QPlainTextEdit("\n".join(split_list(settings.llm_banned_words)))
        self.banned.setToolTip(tr("setting.llm_banned_words.tip") + "\n" + tr("wf.env", env="LLM_BANNED_WORDS"))
        self.allow = QPlainTextEdit("\n".join(split_list(settings.word_filter_allow)))
        self.allow.setToolTip(tr("setting.word_filter_allow.tip") + "\n"
                              + tr("wf.env", env="WORD_FILTER_ALLOW"))
        self.reset_allow = QPushButton(tr("wf.allow.reset"))
        self.reset_allow.clicked.connect(lambda: self.allow.setPlainText("\n".join(DEFAULT_ALLOW)))
        chat_words, file_words = self._other_lists()
        self.others = QLabel(tr("wf.others", chat=len(chat_words), file=len(file_words)))
        self.others.setWordWrap(True)
        self.others.setToolTip("\n".join([*chat_words, *file_words][:40]))
        left = QVBoxLayout()
        left.addWidget(QLabel(tr("wf.banned")))
        left.addWidget(self.banned, 1)
        for key in ("wf.banned.hint",):
            hint = QLabel(tr(key))
            hint.setWordWrap(True)
            quiet(hint)
            left.addWidget(hint)
        left.addWidget(self.others)
        right = QVBoxLayout()
        right.addWidget(QLabel(tr("wf.allow")))
        right.addWidget(self.allow, 1)
        allow_hint = QLabel(tr("wf.allow.hint"))
        allow_hint.setWordWrap(True)
        quiet(allow_hint)
        right.addWidget(allow_hint)
        right.addWidget(self.reset_allow)
        lists.addLayout(left, 1)
        lists.addLayout(right, 1)
        lay.addLayout(lists, 1)
        self.leet = QCheckBox(field_label("word_filter_leet"))
        self.leet.setChecked(bool(settings.word_filter_leet))
        self.leet.setToolTip(tr("setting.word_filter_leet.tip") + "\n" + tr("wf.env", env="WORD_FILTER_LEET"))
        lay.addWidget(self.leet)
        box = QGroupBox(tr("wf.test"))
        bl = QVBoxLayout(box)
        row = QHBoxLayout()
        self.sentence = QLineEdit()
        self.sentence.setPlaceholderText(tr("wf.test.placeholder"))
        self.test_button = QPushButton(tr("wf.test.button"))
        self.test_button.clicked.connect(self.run_test)
        self.sentence.returnPressed.connect(self.run_test)
        row.addWidget(self.sentence, 1)
        row.addWidget(self.test_button)
        bl.addLayout(row)
        self.result = QLabel(tr("wf.test.empty"))
        self.result.setWordWrap(True)
        self.result.setTextFormat(Qt.TextFormat.PlainText)  # the sentence is shown as typed, never as markup
        self.result.setMinimumHeight(self.result.fontMetrics().lineSpacing() * 3 + 4)  # verdict + masked line
        bl.addWidget(self.result)
        lay.addWidget(box)
        self.setWidget(inner)
        for w in (self.banned, self.allow):
            w.setMinimumHeight(110)
            w.textChanged.connect(self._retest)
        self.leet.toggled.connect(self._retest)

    def editor(self, name: str) -> QWidget | None:
        """The widget that edits setting ``name`` on this tab (the dialog's "설정 열기" links focus it)."""
        editors = {"llm_banned_words": self.banned, "word_filter_allow": self.allow, "word_filter_leet": self.leet}
        return editors.get(name)

    # -- values (saved by the dialog with the rest) ---------------------------------------------
    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, editor in (("llm_banned_words", self.banned), ("word_filter_allow", self.allow)):
            items = _lines(editor.toPlainText())
            old = str(getattr(self.settings, name))
            out[name] = old if items == split_list(old) else ", ".join(items)
        out["word_filter_leet"] = self.leet.isChecked()
        return out

    # -- the test box ---------------------------------------------------------------------------
    def _other_lists(self) -> tuple[list[str], list[str]]:
        if self.config_dir is None:
            return [], []
        chat = read_banned_words(self.config_dir / FILTERS_FILE)
        return chat, load_word_file(self.config_dir / OUTPUT_FILTER_FILE)[0]

    def current_filter(self, allow: bool = True) -> WordFilter:
        """A filter made from what is typed now (plus the chat filter's and the file's words)."""
        chat_words, file_words = self._other_lists()
        wf = WordFilter(allow=_lines(self.allow.toPlainText()) if allow else (), leet=self.leet.isChecked())
        wf.set_words("settings", _lines(self.banned.toPlainText()))
        wf.set_words("chat", chat_words)
        wf.set_words("file", file_words)
        return wf

    def _retest(self, *_: object) -> None:
        if self.sentence.text().strip():
            self.run_test()

    def run_test(self) -> str:
        """Say whether the sentence would be held, by which word and rule; returns the text shown."""
        text = self.sentence.text()
        held = False
        if not text.strip():
            msg = tr("wf.test.empty")
        else:
            wf = self.current_filter()
            hit = wf.find(text)
            if hit is not None:
                held = True
                msg = (tr("wf.test.held", word=hit.word, rules=describe_rules(hit)) + "\n"
                       + tr("wf.test.masked", masked=wf.mask(text)))
            else:
                excused = self.current_filter(allow=False).find(text)
                msg = tr("wf.test.allowed", word=excused.word) if excused is not None else tr("wf.test.pass")
        self.result.setText(msg)
        self.held = held
        self.result.setStyleSheet("color:#b3261e" if held else "color:#1e7b34" if text.strip() else "")
        return msg
