"""Korean mode shows Korean: walk every visible widget of the main window and the settings dialog
and fail on English words that are not names (VTS, OBS, CHZZK, …); Qt's own buttons are Korean;
``&`` in tab and dock titles never shows as ``&`` or ``_``."""

from __future__ import annotations

import dataclasses
import json
import re

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QAbstractButton,
    QComboBox,
    QDialogButtonBox,
    QDockWidget,
    QGroupBox,
    QLabel,
    QLineEdit,
    QListView,
    QTabBar,
    QTableView,
    QTreeView,
    QWidget,
)

from aischoco_gui.compose import build_services, start_services, stop_services
from aischoco_gui.events import EventBus
from aischoco_gui.gui.qt_i18n import install_qt_translations
from aischoco_gui.i18n import set_language
from aischoco_gui.paths import user_dirs
from aischoco_gui.settings import Settings
from tests.doubles.openai_server import OpenAIDouble, Script
from tests.doubles.recording import RecordingAvatar, RecordingSpeaker
from tests.wait import wait_until as until

# Names and units that stay as they are in a Korean UI.
ALLOWED = {w.lower() for w in """
VTS OBS CHZZK LLM TTS URL API ms Hz kHz dB OAuth Groq Qwen VTube Studio AI JSON ID GPU CPU Cerebras OpenAI
Ollama llama cpp VB Cable espeak ng WAV aischoco MB KB GB Live2D p50 p90 p99 SSE WebSocket Whisper STT PTT
OS PC Client Secret Redirect URI OK Ctrl Shift Alt Esc Enter Space Del F1 fps BRB
leet
""".split()}  # leet: the word filter's prefix, typed as it is
URLISH = re.compile(r"\S+://\S*|\S+\.(?:json|txt|wav|env|log|qm|png|py|exe)\b|[A-Z][A-Z0-9]*_[A-Z0-9_]+|\{[^}]*\}"
                    r"|\b[\w.-]+/[\w./:-]+")
WORD = re.compile(r"[A-Za-z][A-Za-z']+")


def english_words(text: str) -> list[str]:
    text = re.sub(r"<[^>]+>", " ", text)  # rich text tags
    text = URLISH.sub(" ", text.replace("&&", "&"))
    return [w for w in WORD.findall(text) if w.lower() not in ALLOWED]


def visible_texts(root: QWidget) -> list[tuple[str, str]]:
    """(where, text) for every text a person sees on ``root`` now."""
    out = [(type(root).__name__ + ".title", root.windowTitle())]
    for w in [root, *root.findChildren(QWidget)]:
        if not w.isVisible():
            continue
        where = f"{type(w).__name__}#{w.objectName()}"
        if isinstance(w, QLabel):
            out.append((where, w.text()))
        elif isinstance(w, QAbstractButton):
            out.append((where, w.text()))
        elif isinstance(w, QGroupBox):
            out.append((where, w.title()))
        elif isinstance(w, QTabBar):
            out += [(where, w.tabText(i)) for i in range(w.count())]
        elif isinstance(w, QDockWidget):
            out.append((where, w.windowTitle()))
        elif isinstance(w, QComboBox) and not w.isEditable():
            out += [(where, w.itemText(i)) for i in range(w.count())]
        elif isinstance(w, QLineEdit) and not w.text():
            out.append((where, w.placeholderText()))
        elif isinstance(w, QListView) and w.model() is not None:  # e.g. reply drafts "[기쁨] …"
            m = w.model()
            out += [(where + ".item", str(m.data(m.index(r, 0)) or "")) for r in range(m.rowCount())]
        elif isinstance(w, (QTableView, QTreeView)) and w.model() is not None:
            m = w.model()
            out += [(where + ".header", str(m.headerData(c, Qt.Orientation.Horizontal) or ""))
                    for c in range(m.columnCount())]
    return [(where, t) for where, t in out if t]


def leaks(root: QWidget) -> list[str]:
    return [f"{where}: {text!r} → {english_words(text)}" for where, text in visible_texts(root) if english_words(text)]


@pytest.fixture
def korean(qapp):
    set_language("ko")
    install_qt_translations(qapp, "ko")
    yield
    install_qt_translations(qapp, "en")
    set_language("ko")


def test_word_filter_catches_english_and_allows_names():
    assert english_words("Save changes") == ["Save", "changes"]
    assert english_words("VTS 연결됨 · 12 ms · ws://localhost:8001 · GROQ_API_KEY · config/character.txt") == []


def test_qt_standard_buttons_are_korean(qtbot, korean):
    box = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel)
    qtbot.addWidget(box)
    assert box.button(QDialogButtonBox.StandardButton.Save).text().replace("&", "").startswith("저장")
    assert box.button(QDialogButtonBox.StandardButton.Cancel).text().replace("&", "").startswith("취소")


def test_settings_dialog_has_no_english_in_korean_mode(qtbot, home, korean):
    from aischoco_gui.gui.settings_dialog import SettingsDialog

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    dlg = SettingsDialog(Settings(), dirs)
    qtbot.addWidget(dlg)
    dlg.show()
    found = []
    for i in range(dlg.tabs.count()):
        dlg.tabs.setCurrentIndex(i)
        qtbot.waitUntil(lambda i=i: dlg.tabs.widget(i).isVisible())
        found += leaks(dlg)
    assert not sorted(set(found)), "\n".join(sorted(set(found)))


@pytest.fixture
def llm():
    d = OpenAIDouble.start_in_thread()
    yield d
    d.stop()


def test_main_window_has_no_english_in_korean_mode(qtbot, qloop, home, korean, llm):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.controller import AppController
    from aischoco_gui.gui.main_window import MainWindow

    dirs = user_dirs({"AISCHOCO_HOME": str(home)})
    dirs.ensure()
    settings = dataclasses.replace(Settings(), tts_engine="fake", tts_output_device="null", overlay_port=0,
                                   vts_url="ws://127.0.0.1:9", llm_base_url=llm.base_url, groq_api_key="k")
    bus = EventBus()
    services = build_services(settings, dirs, bus, overrides={"speaker": RecordingSpeaker(bus),
                                                              "avatar": RecordingAvatar(bus)})
    llm.script(Script(content=json.dumps({"emotion": "happy", "response": "반가워요 초코칩!"}, ensure_ascii=False)))
    bridge = Bridge(bus)
    win = MainWindow(services, bridge)
    win.controller = AppController(services, win, bridge)
    qtbot.addWidget(win)
    win.show()

    async def scenario():
        await start_services(services)
        await until(lambda: "chat" in bus.status and "llm" in bus.status)
        services.chat.send("민수", "안녕하세요")  # a draft in the reply list
        await until(lambda: win.reply_panel.list.count() == 1)  # the list is rebuilt after a short coalescing window
        win.reply_panel.list.setCurrentRow(0)  # selected: its meta line and editor show too
        found = list(leaks(win))
        for dock in win.findChildren(QDockWidget):  # each tabbed dock once in front
            dock.raise_()
            await until(dock.isVisible)
            found += leaks(win)
        await stop_services(services)
        return found

    found = qloop.run_until_complete(scenario())
    bridge.close()
    assert not sorted(set(found)), "\n".join(sorted(set(found)))


def test_tab_and_dock_titles_show_no_mnemonic_marks(qtbot, qloop, home, korean):
    from aischoco_gui.gui.bridge import Bridge
    from aischoco_gui.gui.main_window import MainWindow

    for lang in ("ko", "en"):
        set_language(lang)
        dirs = user_dirs({"AISCHOCO_HOME": str(home)})
        dirs.ensure()
        bus = EventBus()
        services = build_services(Settings(), dirs, bus, overrides={"speaker": RecordingSpeaker(bus),
                                                                    "avatar": RecordingAvatar(bus),
                                                                    "overlay": None})
        win = MainWindow(services, Bridge(bus))
        qtbot.addWidget(win)
        win.show()
        titles = [d.windowTitle() for d in win.findChildren(QDockWidget)]
        titles += [b.tabText(i) for b in win.findChildren(QTabBar) for i in range(b.count())]
        assert titles
        for t in titles:
            assert "_" not in t and re.search(r"(?<!&)&(?!&)", t) is None, t
