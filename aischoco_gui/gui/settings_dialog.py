"""Settings dialog: edits the common options with validation. Secrets go to the OS credential
store, never to files or logs. Fields come from ``Settings`` (``dialog=True``)."""

from __future__ import annotations

import dataclasses
import logging

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.i18n import register, tr
from aischoco_gui.settings import Settings, save_dialog_settings, setting_fields, validate

log = logging.getLogger(__name__)

register({
    "settings.title": ("설정", "Settings"),
    "settings.saved_restart": ("저장했어요. 연결 설정은 앱을 다시 시작하면 적용됩니다.",
                               "Saved. Connection settings apply after restarting the app."),
    "settings.keyring_warning": ("{name}: OS 자격 증명 저장소를 쓸 수 없어 저장하지 못했어요. .env에 넣어 주세요.",
                                 "{name}: no OS credential store; put it in .env instead."),
    "settings.secret_hint": ("(OS 자격 증명 저장소에 보관)", "(kept in the OS credential store)"),
    "settings.from": ("현재 값 출처: {source}", "current value from: {source}"),
    "settings.chat_source": ("채팅 소스", "Chat source"),
    "settings.chzzk_client_id": ("치지직 Client ID", "CHZZK client ID"),
    "settings.chzzk_client_secret": ("치지직 Client Secret", "CHZZK client secret"),
    "settings.chzzk_redirect_uri": ("치지직 Redirect URI", "CHZZK redirect URI"),
    "settings.chzzk_channel_id": ("치지직 채널 ID", "CHZZK channel ID"),
    "settings.groq_api_key": ("LLM API 키 (Groq)", "LLM API key (Groq)"),
    "settings.groq_model": ("LLM 모델", "LLM model"),
    "settings.llm_base_url": ("LLM 서버 주소", "LLM base URL"),
    "settings.tts_engine": ("TTS 엔진", "TTS engine"),
    "settings.tts_remote_url": ("원격 TTS 서버", "Remote TTS server"),
    "settings.tts_output_device": ("오디오 출력 장치", "Audio output device"),
    "settings.vts_url": ("VTube Studio 주소", "VTube Studio URL"),
    "settings.overlay_port": ("오버레이 포트", "Overlay port"),
    "settings.approval_mode": ("승인 방식", "Approval mode"),
    "settings.auto_approve_seconds": ("자동 승인 (초, 0=끔)", "Auto-approve after (s, 0=off)"),
    "settings.ui_language": ("화면 언어", "UI language"),
})

# Suggestions for free-text fields (editable combos).
SUGGESTIONS = {
    "tts_engine": ["", "qwen", "remote", "system", "fake"],
}


def _device_choices() -> list[str]:
    try:
        from aischoco_gui.audio.devices import list_output_devices  # optional until the speech feature lands

        return [""] + list(list_output_devices()) + ["null"]
    except Exception:
        return ["", "null"]


class SettingsDialog(QDialog):
    def __init__(self, settings: Settings, dirs, parent: QWidget | None = None, use_keyring: bool = True) -> None:
        super().__init__(parent)
        self.setWindowTitle(tr("settings.title"))
        self.settings = settings
        self.dirs = dirs
        self.use_keyring = use_keyring
        self.editors: dict[str, QWidget] = {}
        self.errors: dict[str, QLabel] = {}
        form = QFormLayout()
        for f in setting_fields():
            if not f.metadata.get("dialog"):
                continue
            w = self._editor_for(f)
            self.editors[f.name] = w
            err = QLabel("", self)
            err.setStyleSheet("color:#d0342c")
            err.setVisible(False)
            self.errors[f.name] = err
            box = QWidget(self)
            v = QVBoxLayout(box)
            v.setContentsMargins(0, 0, 0, 0)
            v.addWidget(w)
            v.addWidget(err)
            label = tr(f"settings.{f.name}") if f"settings.{f.name}" in _known() else f.name
            form.addRow(label, box)
            src = settings.sources.get(f.name)
            tip = f.metadata["env"] + (f" — {tr('settings.from', source=src)}" if src else "")
            if f.metadata.get("secret"):
                tip += " " + tr("settings.secret_hint")
            w.setToolTip(tip)
        inner = QWidget(self)
        inner.setLayout(form)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        scroll.setWidget(inner)
        self.message = QLabel("", self)
        self.message.setWordWrap(True)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel,
                                   parent=self)
        buttons.accepted.connect(self.try_save)
        buttons.rejected.connect(self.reject)
        lay = QVBoxLayout(self)
        lay.addWidget(scroll, 1)
        lay.addWidget(self.message)
        lay.addWidget(buttons)
        self.resize(560, 640)

    def _editor_for(self, f) -> QWidget:
        v = getattr(self.settings, f.name)
        choices = f.metadata.get("choices")
        if f.name == "tts_output_device" or f.name in SUGGESTIONS or choices:
            cb = QComboBox(self)
            items = list(choices) if choices else (SUGGESTIONS.get(f.name) or _device_choices())
            cb.addItems(items)
            cb.setEditable(not choices)
            if str(v) not in items:
                cb.addItem(str(v))
            cb.setCurrentText(str(v))
            return cb
        if isinstance(f.default, bool):
            c = QCheckBox(self)
            c.setChecked(bool(v))
            return c
        if isinstance(f.default, int):
            s = QSpinBox(self)
            s.setRange(0, 10_000_000)
            s.setValue(int(v))
            return s
        if isinstance(f.default, float):
            d = QDoubleSpinBox(self)
            d.setRange(0, 1e6)
            d.setValue(float(v))
            return d
        e = QLineEdit(str(v), self)
        if f.metadata.get("secret"):
            e.setEchoMode(QLineEdit.EchoMode.Password)
        return e

    def values(self) -> dict[str, object]:
        out: dict[str, object] = {}
        for name, w in self.editors.items():
            if isinstance(w, QComboBox):
                out[name] = w.currentText().strip()
            elif isinstance(w, QCheckBox):
                out[name] = w.isChecked()
            elif isinstance(w, (QSpinBox, QDoubleSpinBox)):
                out[name] = w.value()
            elif isinstance(w, QLineEdit):
                out[name] = w.text().strip()
        return out

    def candidate(self) -> Settings:
        return dataclasses.replace(self.settings, **self.values())

    def try_save(self) -> bool:
        problems = validate(self.candidate())
        for name, lab in self.errors.items():
            lab.setVisible(name in problems)
            lab.setText(problems.get(name, ""))
        if problems:
            return False
        changed = {k: v for k, v in self.values().items() if v != getattr(self.settings, k)}
        warnings = save_dialog_settings(self.dirs, changed, use_keyring=self.use_keyring)
        for name in warnings:
            log.warning("secret %s not stored (no credential store)", name)
        self.saved = changed
        self.warnings = warnings
        if warnings:
            self.message.setText("\n".join(tr("settings.keyring_warning", name=n) for n in warnings))
        self.accept()
        return True


def _known() -> set[str]:
    from aischoco_gui.i18n import all_keys

    return set(all_keys())
