"""Settings dialog: the common options in tabs (방송/채팅, AI, 음성, 아바타, 오버레이, 고급), each with
a human label and tooltip, validated as you type. Fields come from ``Settings`` (``dialog=True``);
labels, tooltips and tabs from :mod:`aischoco_gui.settings_text`.

Secrets go to the OS credential store. When there is none (or it silently drops the value), the
user chooses: keep the key for this session only, store it in ``secrets.env`` (plain text, 0600),
or cancel — nothing is lost silently. Opened with ``open()``, never ``exec()`` (a nested modal
loop inside the qasync loop would stall every service).
"""

from __future__ import annotations

import dataclasses
import logging
from pathlib import Path

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSpinBox,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.gui.theme import STATE_WARN, quiet
from aischoco_gui.gui.word_filter_tab import FIELDS as WORD_FILTER_FIELDS
from aischoco_gui.gui.word_filter_tab import WordFilterTab
from aischoco_gui.i18n import register, tr
from aischoco_gui.settings import (
    SESSION_SOURCE,
    Settings,
    field_label,
    keep_secret_for_session,
    keyring_available,
    save_dialog_settings,
    secret_location,
    secrets_file,
    setting_fields,
    store_secret_in_file,
    validate,
)
from aischoco_gui.settings_text import GROUPS, choice_key, group_of, localize_problem, restart_reason_key

log = logging.getLogger(__name__)

register({
    "settings.title": ("설정", "Settings"),
    "settings.restart": ("재시작 필요", "restart needed"),
    "settings.restart.tip": ("이 항목은 앱을 다시 시작해야 적용돼요.",
                             "This setting applies after restarting the app."),
    "settings.from": ("현재 값 출처: {source}", "current value from: {source}"),
    "settings.env": ("환경 변수 이름: {env}", "environment name: {env}"),
    "settings.secret.keyring": ("저장 위치: OS 자격 증명 저장소", "stored in: the OS credential store"),
    "settings.secret.file": ("저장 위치: 파일 {path} (암호화되지 않음)", "stored in: the file {path} (not encrypted)"),
    "settings.secret.session": ("이번 실행 동안만 기억 (어디에도 저장 안 됨)",
                                "kept for this session only (not stored)"),
    "settings.secret.other": ("현재 값 출처: {source}", "current value from: {source}"),
    "settings.secret.no_store": ("OS 자격 증명 저장소가 없어요. 저장할 때 보관 방법을 고를 수 있어요.",
                                 "No OS credential store here: you choose how to keep the key when saving."),
    "settings.secret.ask.title": ("키를 안전하게 저장할 수 없어요", "The key cannot be stored safely"),
    "settings.secret.ask.text": (
        "이 컴퓨터에는 OS 자격 증명 저장소(키링)가 없어서 {names}을(를) 안전하게 저장할 수 없어요. "
        "어떻게 할까요?",
        "There is no OS credential store (keyring) on this computer, so {names} cannot be stored safely. "
        "What should happen?"),
    "settings.secret.ask.info": (
        "파일에 저장하면 {path}에 암호화되지 않은 평문으로 남아요 (이 사용자만 읽을 수 있게 권한 0600). "
        "이 PC를 다른 사람과 같이 쓰면 권하지 않아요.",
        "Storing in a file keeps it as plain, unencrypted text in {path} (readable only by you, mode 0600). "
        "Not recommended on a shared PC."),
    "settings.secret.session_btn": ("이번 실행 동안만 사용", "Use for this session only"),
    "settings.secret.file_btn": ("파일에 저장 (평문)", "Store in a file (plain text)"),
    "settings.secret.cancel_btn": ("취소 (저장 안 함)", "Cancel (do not store)"),
    "settings.secret.not_stored": ("{names}은(는) 저장하지 않았어요. 다른 설정은 저장됐어요.",
                                   "{names} was not stored. The other settings were saved."),
    "settings.secret.stored_session": ("{names}: 이번 실행 동안만 기억해요. 앱을 끄면 사라져요.",
                                       "{names}: kept for this session only; gone when the app closes."),
    "settings.secret.stored_file": ("{names}: {path}에 평문으로 저장했어요.",
                                    "{names}: stored as plain text in {path}."),
    "settings.errors": ("빨간 칸을 고쳐 주세요.", "Please fix the fields marked in red."),
})

# Suggestions for free-text fields (editable combos): (value, shown with a readable name).
SUGGESTIONS = {
    "tts_engine": ["", "qwen", "remote", "system", "fake"],
}
ERROR_STYLE = "border: 1px solid #d0342c;"


def _device_choices() -> list[str]:
    try:
        from aischoco_gui.audio.devices import list_output_devices  # optional until the speech feature lands

        return [""] + list(list_output_devices()) + ["null"]
    except Exception:
        return ["", "null"]


def _input_choices() -> list[str]:
    """The microphone picker: off, the system default, then the input devices PortAudio lists."""
    try:
        from aischoco_gui.stt.capture import list_input_devices  # noqa: PLC0415 (PortAudio only when shown)

        return ["off", "default", *list_input_devices()]
    except Exception:
        return ["off", "default"]


DEVICE_CHOICES = {"tts_output_device": _device_choices, "stt_input_device": _input_choices}


def choice_text(name: str, value: str) -> str:
    """What a combo shows for ``value`` (never blank)."""
    key = choice_key(name, value)
    return tr(key) if key else value


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, dirs, parent: QWidget | None = None, use_keyring: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("settings.title"))
        self.settings = settings
        self.dirs = dirs
        self.use_keyring = use_keyring
        self.saved: dict[str, object] = {}
        self.warnings: dict[str, str] = {}
        self.secret_choice: str | None = None  # "session" | "file" | "cancel" after the question
        self.secret_box: QMessageBox | None = None
        self.editors: dict[str, QWidget] = {}
        self.labels: dict[str, QLabel] = {}
        self.errors: dict[str, QLabel] = {}
        self.restart_tags: dict[str, QLabel] = {}
        self.secret_hints: dict[str, QLabel] = {}
        self.tabs = QTabWidget(self)
        self.tab_pages: dict[str, QWidget] = {}
        forms: dict[str, QFormLayout] = {}
        for g in GROUPS:
            inner = QWidget()
            form = QFormLayout(inner)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
            scroll = QScrollArea()
            scroll.setWidgetResizable(True)
            scroll.setFrameShape(QScrollArea.Shape.NoFrame)
            scroll.setWidget(inner)
            forms[g] = form
            self.tab_pages[g] = scroll
        keyring_ok = use_keyring and keyring_available()
        for f in setting_fields():
            if not f.metadata.get("dialog") or f.name in WORD_FILTER_FIELDS:
                continue
            self._add_row(forms[group_of(f.name)], f, keyring_ok)
        for g in GROUPS:
            if forms[g].rowCount():
                self.tabs.addTab(self.tab_pages[g], tr(f"group.{g}"))
        # the banned list, the allow-list and the "test a sentence" box in one tab (issue 22)
        self.word_filter = WordFilterTab(settings, getattr(dirs, "config", None), self)
        self.tabs.insertTab(self.tabs.indexOf(self.tab_pages["ai"]) + 1, self.word_filter, tr("group.filter"))
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                        parent=self)
        self.buttons.accepted.connect(self.try_save)
        self.buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(self.tabs, 1)
        lay.addWidget(self.message)
        lay.addWidget(self.buttons)
        self.resize(720, 600)
        self.revalidate()

    # -- building ---------------------------------------------------------------------------
    def _add_row(self, form: QFormLayout, f, keyring_ok: bool) -> None:
        w = self._editor_for(f)
        self.editors[f.name] = w
        err = QLabel("", self)
        err.setStyleSheet("color:#d0342c")
        err.setWordWrap(True)
        err.setVisible(False)
        self.errors[f.name] = err
        box = QWidget(self)
        v = QVBoxLayout(box)
        v.setContentsMargins(0, 0, 0, 0)
        v.setSpacing(2)
        row = QHBoxLayout()
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(w, 1)
        if f.metadata.get("restart", True):
            tag = QLabel(tr("settings.restart"), self)
            tag.setStyleSheet(f"color:{STATE_WARN}; font-size: 11px")
            tag.setToolTip(tr(restart_reason_key(f.name)))
            self.restart_tags[f.name] = tag
            row.addWidget(tag)
        v.addLayout(row)
        if f.metadata.get("secret"):
            hint = QLabel(self._secret_hint(f.name, keyring_ok), self)
            hint.setWordWrap(True)
            quiet(hint)
            self.secret_hints[f.name] = hint
            v.addWidget(hint)
        v.addWidget(err)
        label = QLabel(field_label(f.name), self)
        label.setBuddy(w)
        self.labels[f.name] = label
        form.addRow(label, box)
        tip = tr(f"setting.{f.name}.tip") + "\n" + tr("settings.env", env=f.metadata["env"])
        src = self.settings.sources.get(f.name)
        if src and not f.metadata.get("secret"):
            tip += "\n" + tr("settings.from", source=src)
        w.setToolTip(tip)
        label.setToolTip(tip)

    def _secret_hint(self, name: str, keyring_ok: bool) -> str:
        # where it is kept now (it may have been saved since these settings were loaded), else its source
        # (no keyring call here: a locked store could prompt or block the UI thread)
        src = secret_location(self.dirs, name, use_keyring=False) or self.settings.sources.get(name)
        if src == "credential store":
            return tr("settings.secret.keyring")
        if src == SESSION_SOURCE:
            return tr("settings.secret.session")
        if src and Path(src) == secrets_file(self.dirs):
            return tr("settings.secret.file", path=src)
        if src:
            return tr("settings.secret.other", source=src)
        return tr("settings.secret.keyring") if keyring_ok else tr("settings.secret.no_store")

    def _editor_for(self, f) -> QWidget:
        v = getattr(self.settings, f.name)
        choices = f.metadata.get("choices")
        if f.name in DEVICE_CHOICES or f.name in SUGGESTIONS or choices:
            cb = QComboBox(self)
            items = list(choices) if choices else (SUGGESTIONS.get(f.name) or DEVICE_CHOICES[f.name]())
            if str(v) not in items:
                items.append(str(v))
            for item in items:
                cb.addItem(choice_text(f.name, item), item)
            cb.setEditable(not choices)
            cb.setCurrentIndex(items.index(str(v)))
            cb.currentIndexChanged.connect(self.revalidate)
            cb.editTextChanged.connect(self.revalidate)
            return cb
        if isinstance(f.default, bool):
            c = QCheckBox(self)
            c.setChecked(bool(v))
            c.toggled.connect(self.revalidate)
            return c
        if isinstance(f.default, int):
            s = QSpinBox(self)
            s.setRange(0, 10_000_000)
            s.setValue(int(v))
            s.valueChanged.connect(self.revalidate)
            return s
        if isinstance(f.default, float):
            d = QDoubleSpinBox(self)
            d.setRange(min(0.0, f.default), 1e6)  # LLM_TEMPERATURE: -1 = the provider's default
            d.setValue(float(v))
            d.valueChanged.connect(self.revalidate)
            return d
        e = QLineEdit(str(v), self)
        e.setMinimumWidth(280)
        if f.metadata.get("secret"):
            e.setEchoMode(QLineEdit.EchoMode.Password)
        e.textChanged.connect(self.revalidate)
        return e

    def field_editor(self, name: str) -> QWidget | None:
        """The widget that edits setting ``name`` (on a settings tab or the word filter's tab), or None."""
        return self.word_filter.editor(name) if name in WORD_FILTER_FIELDS else self.editors.get(name)

    def focus_field(self, name: str) -> bool:
        """Show the tab that holds field ``name``, scroll to it and put the cursor in it (the banners'
        and the setup check's "설정 열기" links). False when there is no such field."""
        editor = self.field_editor(name)
        if editor is None:
            return False
        page = self.word_filter if name in WORD_FILTER_FIELDS else self.tab_pages[group_of(name)]
        self.tabs.setCurrentWidget(page)
        if isinstance(page, QScrollArea):
            page.ensureWidgetVisible(editor)
        editor.setFocus(Qt.FocusReason.OtherFocusReason)
        return True

    # -- values -----------------------------------------------------------------------------
    @staticmethod
    def _combo_value(cb: QComboBox) -> str:
        i = cb.currentIndex()
        if i >= 0 and cb.itemText(i) == cb.currentText():
            return str(cb.itemData(i))
        return cb.currentText().strip()

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, w in self.editors.items():
            if isinstance(w, QComboBox):
                out[name] = self._combo_value(w)
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
            elif isinstance(w, QLineEdit):
                out[name] = w.text().strip()
        out.update(self.word_filter.values())
        return out

    def candidate(self) -> Settings:
        return dataclasses.replace(self.settings, **self.values())

    def revalidate(self, *_: object) -> dict[str, str]:
        """Inline validation as you type: red border and a message under each bad field."""
        problems = validate(self.candidate())
        for name, lab in self.errors.items():
            bad = name in problems
            lab.setVisible(bad)
            lab.setText(localize_problem(problems[name]) if bad else "")
            self.editors[name].setStyleSheet(ERROR_STYLE if bad else "")
        save = self.buttons.button(QDialogButtonBox.StandardButton.Save) if hasattr(self, "buttons") else None
        if save is not None:
            save.setEnabled(not problems)
        if hasattr(self, "message"):
            self.message.setText(tr("settings.errors") if problems else "")
        return problems

    # -- saving -----------------------------------------------------------------------------
    def try_save(self) -> bool:
        if self.revalidate():
            return False
        changed = {k: v for k, v in self.values().items() if v != getattr(self.settings, k)}
        warnings = save_dialog_settings(self.dirs, changed, use_keyring=self.use_keyring)
        self.saved = changed
        self.warnings = warnings
        if warnings:
            self._ask_secret_storage({n: str(changed[n]) for n in warnings})
            return False  # the answer decides (non-modal: see module docstring)
        self.accept()
        return True

    def _ask_secret_storage(self, secrets: dict[str, str]) -> None:
        names = ", ".join(field_label(n) for n in secrets)
        box = QMessageBox(QMessageBox.Icon.Warning, tr("settings.secret.ask.title"),
                          tr("settings.secret.ask.text", names=names), QMessageBox.StandardButton.NoButton, self)
        box.setInformativeText(tr("settings.secret.ask.info", path=secrets_file(self.dirs)))
        self.session_button = box.addButton(tr("settings.secret.session_btn"), QMessageBox.ButtonRole.AcceptRole)
        self.file_button = box.addButton(tr("settings.secret.file_btn"), QMessageBox.ButtonRole.DestructiveRole)
        self.cancel_button = box.addButton(tr("settings.secret.cancel_btn"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(self.session_button)

        def chosen(button: QPushButton) -> None:
            if button is self.session_button:
                self.secret_choice = "session"
                for n, v in secrets.items():
                    keep_secret_for_session(n, v)
                self.message.setText(tr("settings.secret.stored_session", names=names))
            elif button is self.file_button:
                self.secret_choice = "file"
                for n, v in secrets.items():
                    path = store_secret_in_file(self.dirs, n, v)
                self.message.setText(tr("settings.secret.stored_file", names=names, path=path))
            else:
                self.secret_choice = "cancel"
                for n in secrets:
                    self.saved.pop(n, None)
                self.message.setText(tr("settings.secret.not_stored", names=names))
                log.info("secret(s) %s not stored: the user cancelled", ", ".join(secrets))
                return  # the dialog stays open: the key is not kept anywhere
            for n in secrets:
                self.warnings.pop(n, None)
            self.accept()

        box.buttonClicked.connect(chosen)
        self.secret_box = box
        box.setWindowModality(Qt.WindowModality.WindowModal)
        box.open()
