"""Issue 22: the settings dialog's word-filter tab — the banned list and the allow-list in one place,
a "test a sentence" box that says whether and why a sentence would be held, and Save applying it live
to the app's one filter (chat, replies, overlay, echo, notices). Clicked, and looked at in Korean and
English at 1366×768."""

from __future__ import annotations

import json
import os

import pytest
from PySide6.QtCore import QPoint, Qt

from aischoco_gui.compose import apply_settings, build_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.gui.settings_dialog import SettingsDialog
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings, load_settings
from aischoco_gui.wordfilter import DEFAULT_ALLOW
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker


@pytest.fixture
def dirs(home):
    d = user_dirs({"AISCHOCO_HOME": str(home)})
    d.ensure()
    return d


@pytest.fixture(params=["ko", "en"])
def lang(request):
    set_language(request.param)
    yield request.param
    set_language("ko")


def click_box(qtbot, box) -> None:
    """Click a check box on its indicator (its centre may be empty space past the label)."""
    qtbot.mouseClick(box, Qt.MouseButton.LeftButton, pos=QPoint(8, box.height() // 2))


def make(qtbot, dirs, settings=None):
    dlg = SettingsDialog(settings or Settings(), dirs, use_keyring=False)
    qtbot.addWidget(dlg)
    dlg.show()
    dlg.tabs.setCurrentWidget(dlg.word_filter)
    return dlg


def test_test_box_says_whether_and_why(qtbot, dirs, lang):
    (dirs.config / "chat_filters.json").write_text(json.dumps({"banned_words": ["존나"]}), encoding="utf-8")
    dlg = make(qtbot, dirs, Settings(llm_banned_words="시발, leet:shit"))
    tab = dlg.word_filter
    assert "1" in tab.others.text()  # the chat filter window's word is listed as applied too
    cases = [("이건 시.발이다", True, "시발"), ("ㅅㅣㅂㅏㄹ", True, "시발"), ("5h1t happens", True, "shit"),
             ("존.나 웃겨", True, "존나"), ("여기가 시발점이야", False, "시발"), ("안녕하세요", False, "")]
    for sentence, held, word in cases:
        tab.sentence.setText(sentence)
        qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
        text = tab.result.text()
        assert tab.held is held, (sentence, text)
        if word:
            assert f"'{word}'" in text, text
    tab.sentence.setText("이건 시.발이다")
    qtbot.mouseClick(tab.test_button, Qt.MouseButton.LeftButton)
    rules = {"ko": ("끊어 쓰기", "조사"), "en": ("split", "particle")}[lang]
    assert all(r in tab.result.text() for r in rules) and "**이다" in tab.result.text()
    # the allow-list decides: take 시발점 out and the same sentence is held, live
    tab.sentence.setText("여기가 시발점이야")
    tab.allow.setPlainText("\n".join(a for a in DEFAULT_ALLOW if a != "시발점"))
    assert tab.held
    qtbot.mouseClick(tab.reset_allow, Qt.MouseButton.LeftButton)
    assert not tab.held and tab.allow.toPlainText().splitlines() == list(DEFAULT_ALLOW)
    # leet for every word
    tab.sentence.setText("b4d")
    tab.banned.setPlainText("시발\nbad")
    assert not tab.held
    click_box(qtbot, tab.leet)
    assert tab.leet.isChecked() and tab.held


def test_untouched_lists_are_not_rewritten(qtbot, dirs):
    dlg = make(qtbot, dirs, Settings(llm_banned_words="시발,병신"))
    values = dlg.values()
    assert values["llm_banned_words"] == "시발,병신"
    assert values["word_filter_allow"] == Settings().word_filter_allow and values["word_filter_leet"] is False


async def test_save_applies_live_to_the_one_filter(qtbot, dirs):
    bus = EventBus()
    services = build_services(Settings(overlay_port=0), dirs, bus,
                              overrides={"speaker": RecordingSpeaker(bus), "avatar": RecordingAvatar(bus)})
    try:
        wf = services.word_filter
        assert services.chat_filter.words is wf and wf.find("이건 시.발이다") is None
        dlg = make(qtbot, dirs, services.settings)
        tab = dlg.word_filter
        tab.banned.setPlainText("시발\n병신")
        tab.allow.setPlainText("시발점")
        click_box(qtbot, tab.leet)
        assert dlg.try_save()
        assert set(dlg.saved) == {"llm_banned_words", "word_filter_allow", "word_filter_leet"}
        new = load_settings(dirs)
        assert new.llm_banned_words == "시발, 병신" and new.word_filter_allow == "시발점" and new.word_filter_leet
        await apply_settings(services, new, set(dlg.saved))
        assert services.word_filter is wf  # changed in place, never rebuilt
        assert wf.find("이건 시.발이다") is not None and wf.find("여기가 시발점") is None
        assert services.generator.output_filter.check("너 병·신이네") is not None
        assert wf.leet
    finally:
        await stop_services(services)


@pytest.mark.skipif(not os.environ.get("AISCHOCO_SCREENSHOTS"), reason="set AISCHOCO_SCREENSHOTS=DIR to save them")
def test_screenshot_1366x768(qtbot, dirs, lang):
    dlg = make(qtbot, dirs, Settings(llm_banned_words="시발, 병신, 개새끼, leet:shit"))  # its own size: 720×600
    dlg.word_filter.sentence.setText("이건 시.발이다 ㅋㅋ")
    qtbot.mouseClick(dlg.word_filter.test_button, Qt.MouseButton.LeftButton)
    assert dlg.width() <= 1366 and dlg.height() <= 768
    dlg.grab().save(os.path.join(os.environ["AISCHOCO_SCREENSHOTS"], f"word_filter_tab_{lang}.png"))
