"""The co-host microphone panel (issue 16): device picker, mode, level meter, push-to-talk and director
whisper (buttons, held keys and a text box), the last transcript.

Qt only here; the microphone itself is ``services.mic`` (``protocols.MicInput``, looked up per use so a
rebuilt one is used) and the director text goes to ``services.mic_turns``. Device or mode changes are an
intent (``settings_changed``) that the controller applies live (``compose.rebuild(…, "mic", …)``).

Keys: Qt has no key-release for ``QShortcut``, so :class:`HeldKeys` is an application event filter that
reacts to press/release of the push-to-talk and director keys while a widget of this window has focus
(auto-repeat ignored). On Windows, while the microphone is open, ``global_keys.GlobalKeyPoller`` reads
the same keys system-wide while the window is not focused and feeds the same held state (the hand-over
rules are in that module); elsewhere the keys are window keys, released when the window loses focus.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QEvent, QObject, QTimer, Signal
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QComboBox,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.events import ServiceState, ServiceStatus
from aischoco_gui.gui import global_keys
from aischoco_gui.hotkeys import qt_name, virtual_key
from aischoco_gui.i18n import register, tr
from aischoco_gui.settings_text import choice_key
from aischoco_gui.user_text import explain

register({
    "panel.mic": ("마이크", "Microphone"),
    "mic.device": ("마이크 장치", "Microphone"),
    "mic.device_off": ("끔", "Off"),
    "mic.device_default": ("기본 장치", "System default"),
    "mic.refresh": ("⟳", "⟳"),
    "mic.refresh_tip": ("입력 장치 목록 새로 고침", "Refresh the list of input devices"),
    "mic.mode": ("모드", "Mode"),
    "mic.level": ("입력 레벨", "Input level"),
    "mic.level_off": ("마이크 닫힘", "Microphone closed"),
    "mic.ptt": ("🎙 눌러서 말하기 ({hotkey})", "🎙 Push to talk ({hotkey})"),
    "mic.ptt_tip": ("누르고 있는 동안만 들어요 (눌러서 말하기 모드). {hotkey} 키도 돼요 (Windows에서는 다른 창에서도, "
                    "그 밖에서는 이 창이 활성일 때).",
                    "Listens only while held (push-to-talk mode). {hotkey} works too (on Windows also in other "
                    "programs, elsewhere while this window is active)."),
    "mic.director": ("🎬 연출 지시 ({hotkey})", "🎬 Director whisper ({hotkey})"),
    "mic.director_tip": ("누른 채 말하면 다음 대답을 위한 비공개 지시가 돼요. 방송에 나가지 않아요.",
                         "Hold and speak: a private instruction for the next reply, never broadcast."),
    "mic.director_text": ("다음 대답을 위한 비공개 지시…", "Private instruction for the next reply…"),
    "mic.director_send": ("지시", "Whisper"),
    "mic.last": ("마지막으로 들은 말: {text}", "Last heard: {text}"),
    "mic.last_director": ("🎬 마지막 연출 지시: {text}", "🎬 Last director note: {text}"),
    "mic.none": ("아직 없음", "nothing yet"),
    "mic.director_sent": ("연출 지시를 다음 대답에 넣을게요: {text}", "Director note for the next reply: {text}"),
    "mic.unavailable": ("마이크 기능을 쓸 수 없어요.", "The microphone is not available."),
})

OPEN_STATES = (ServiceState.READY, ServiceState.DEGRADED)
METER_FLOOR_DB = -60
METER_MS = 100  # 10 Hz: enough for a meter, nothing while closed or hidden


def key_of(text: str) -> int:
    """The Qt key of a setting like ``F8`` (0 when it does not parse)."""
    seq = QKeySequence(text or "")
    return seq[0].key().value if seq.count() else 0


class DeviceCombo(QComboBox):
    """Lists input devices only when opened (PortAudio is not touched at start-up)."""

    about_to_open = Signal()

    def showPopup(self) -> None:  # noqa: N802 (Qt name)
        self.about_to_open.emit()
        super().showPopup()


class HeldKeys(QObject):
    """Press/release of the push-to-talk and director keys anywhere in ``window`` (an app event filter)."""

    def __init__(self, window_of: Any, on_ptt: Any, on_director: Any, ptt_key: int, director_key: int,
                 parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.window_of = window_of
        self.on_ptt, self.on_director = on_ptt, on_director
        self.ptt_key, self.director_key = ptt_key, director_key
        self.held = {"ptt": False, "director": False}
        self.focused = False  # the window is active (tracked from its activation events)
        self.poller: global_keys.GlobalKeyPoller | None = None  # Windows: takes over while not focused

    def eventFilter(self, obj: QObject, ev: QEvent) -> bool:  # noqa: N802 (Qt name)
        t = ev.type()
        if t in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease) and not ev.isAutoRepeat():
            which = "ptt" if ev.key() == self.ptt_key else "director" if ev.key() == self.director_key else None
            if which is not None and isinstance(obj, QWidget) and obj.window() is self.window_of():
                self.set_held(which, t == QEvent.Type.KeyPress)
                return True
        elif t == QEvent.Type.WindowActivate and obj is self.window_of():
            self.focused = True
        elif t == QEvent.Type.WindowDeactivate and obj is self.window_of():
            self.focused = False
            if self.poller is not None and self.poller.active:
                self.poller.poll(focused=False)  # the real key state now: still held stays held
            else:
                for which in ("ptt", "director"):  # a key released in another window never reaches us
                    self.set_held(which, False)
        return False

    def is_held(self, which: str) -> bool:
        return self.held[which]

    def set_held(self, which: str, held: bool) -> None:
        if self.held[which] == held:
            return
        self.held[which] = held
        (self.on_ptt if which == "ptt" else self.on_director)(held)


class MicPanel(QWidget):
    settings_changed = Signal(dict)  # field → value (mic_mode, stt_input_device): applied live by the controller

    def __init__(self, services: Any, bridge: Any, parent: QWidget | None = None, sd_module: Any = None) -> None:
        super().__init__(parent)
        self.setObjectName("mic_panel")
        self.services = services
        self.bridge = bridge
        self._sd = sd_module
        self._open = False
        s = services.settings
        ptt_key, director_key = s.mic_ptt_key, s.mic_director_key

        self.device = DeviceCombo(self)
        self.device.setObjectName("mic_device")
        self.device.setToolTip(tr("setting.stt_input_device.tip"))
        self.device.about_to_open.connect(self.refresh_devices)
        self._fill_devices([])
        self.device.activated.connect(self._device_chosen)
        self.refresh = QPushButton(tr("mic.refresh"), self)
        self.refresh.setToolTip(tr("mic.refresh_tip"))
        self.refresh.setMaximumWidth(32)
        self.refresh.clicked.connect(self.refresh_devices)
        self.mode = QComboBox(self)
        self.mode.setObjectName("mic_mode")
        for m in ("off", "cohost", "ptt"):
            self.mode.addItem(tr(choice_key("mic_mode", m) or m), m)
        self.mode.setCurrentIndex(max(0, self.mode.findData(s.mic_mode)))
        self.mode.activated.connect(self._mode_chosen)
        self.level = QProgressBar(self)
        self.level.setObjectName("mic_level")
        self.level.setRange(METER_FLOOR_DB, 0)
        self.level.setTextVisible(True)
        self.level.setMaximumHeight(16)
        self.ptt = QPushButton(tr("mic.ptt", hotkey=ptt_key), self)
        self.ptt.setObjectName("mic_ptt")
        self.ptt.setToolTip(tr("mic.ptt_tip", hotkey=ptt_key))
        self.ptt.pressed.connect(lambda: self.set_ptt(True))
        self.ptt.released.connect(lambda: self.set_ptt(False))
        self.director = QPushButton(tr("mic.director", hotkey=director_key), self)
        self.director.setObjectName("mic_director")
        self.director.setToolTip(tr("mic.director_tip"))
        self.director.pressed.connect(lambda: self.set_director(True))
        self.director.released.connect(lambda: self.set_director(False))
        self.director_text = QLineEdit(self)
        self.director_text.setObjectName("mic_director_text")
        self.director_text.setPlaceholderText(tr("mic.director_text"))
        self.director_text.returnPressed.connect(self.send_director_text)
        self.director_send = QPushButton(tr("mic.director_send"), self)
        self.director_send.clicked.connect(self.send_director_text)
        self.status = QLabel("", self)
        self.status.setWordWrap(True)
        self.last = QLabel(tr("mic.last", text=tr("mic.none")), self)
        self.last.setObjectName("mic_last")
        self.last.setWordWrap(True)
        self.last_director = QLabel("", self)
        self.last_director.setObjectName("mic_last_director")
        self.last_director.setWordWrap(True)
        self.last_director.hide()

        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        row = QHBoxLayout()
        row.addWidget(self.device, 1)
        row.addWidget(self.refresh)
        grid.addWidget(QLabel(tr("mic.device"), self), 0, 0)
        grid.addLayout(row, 0, 1)
        grid.addWidget(QLabel(tr("mic.mode"), self), 1, 0)
        grid.addWidget(self.mode, 1, 1)
        grid.addWidget(QLabel(tr("mic.level"), self), 2, 0)
        grid.addWidget(self.level, 2, 1)
        keys = QHBoxLayout()
        keys.addWidget(self.ptt)
        keys.addWidget(self.director)
        whisper = QHBoxLayout()
        whisper.addWidget(self.director_text, 1)
        whisper.addWidget(self.director_send)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(4, 4, 4, 4)
        lay.addLayout(grid)
        lay.addLayout(keys)
        lay.addLayout(whisper)
        lay.addWidget(self.status)
        lay.addWidget(self.last)
        lay.addWidget(self.last_director)
        lay.addStretch(1)

        self.timer = QTimer(self)
        self.timer.setInterval(METER_MS)
        self.timer.timeout.connect(self._poll_level)
        self.keys = HeldKeys(self.window, self.set_ptt, self.set_director, key_of(qt_name(ptt_key)),
                             key_of(qt_name(director_key)), self)
        self.global_keys = global_keys.GlobalKeyPoller(global_keys.load_user32(), self.keys.set_held,
                                                       self.keys.is_held)
        self.keys.poller = self.global_keys
        self.global_timer = QTimer(self)  # runs only on Windows while the microphone is open
        self.global_timer.setInterval(global_keys.POLL_MS)
        self.global_timer.timeout.connect(lambda: self.global_keys.poll(self.keys.focused))
        app = QApplication.instance()
        if app is not None:
            app.installEventFilter(self.keys)
        bridge.status_of("stt").connect(self._on_status)
        bridge.replaced_of("mic").connect(self._mic_replaced)  # services.mic is read per use
        bridge.mic_transcript.connect(self._on_transcript)
        st = services.bus.status.get("stt")
        self._on_status(st or ServiceStatus("stt", ServiceState.OFF))
        self._show_level()

    # -- controls -----------------------------------------------------------------------------
    def set_ptt(self, held: bool) -> None:
        mic = self.services.mic
        if mic is not None:
            mic.set_ptt(held)
        self.ptt.setDown(held)

    def set_director(self, held: bool) -> None:
        mic = self.services.mic
        if mic is not None:
            mic.set_director(held)
        self.director.setDown(held)

    def send_director_text(self) -> None:
        text = self.director_text.text().strip()
        turns = self.services.mic_turns
        if not text or turns is None:
            return
        turns.director_text(text)
        self.director_text.clear()
        self.services.bus.notice(tr("mic.director_sent", text=text[:60]))

    # -- device picker --------------------------------------------------------------------------
    def refresh_devices(self) -> None:
        from aischoco_gui.stt.capture import list_input_devices

        try:
            names = list_input_devices(self._sd)
        except Exception as e:  # PortAudio missing or broken: the picker still offers off/default
            self.status.setText(explain(e))
            self.status.setToolTip(f"{type(e).__name__}: {e}")
            names = []
        self._fill_devices(names)

    def _fill_devices(self, names: list[str]) -> None:
        current = self.services.settings.stt_input_device
        self.device.blockSignals(True)
        self.device.clear()
        self.device.addItem(tr("mic.device_off"), "off")
        self.device.addItem(tr("mic.device_default"), "default")
        for n in names:
            self.device.addItem(n, n)
        if self.device.findData(current) < 0:
            self.device.addItem(current, current)
        self.device.setCurrentIndex(self.device.findData(current))
        self.device.blockSignals(False)

    def device_names(self) -> list[str]:
        return [str(self.device.itemData(i)) for i in range(self.device.count())]

    def _device_chosen(self, index: int) -> None:
        value = str(self.device.itemData(index))
        if value != self.services.settings.stt_input_device:
            self.settings_changed.emit({"stt_input_device": value})

    def _mode_chosen(self, index: int) -> None:
        value = str(self.mode.itemData(index))
        if value != self.services.settings.mic_mode:
            self.settings_changed.emit({"mic_mode": value})

    # -- state ---------------------------------------------------------------------------------
    def _mic_replaced(self) -> None:
        """A new microphone (this panel, the settings dialog or a benchmark rebuilt it): show its settings;
        a key still held now applies to the new one."""
        self._sync_choices()
        mic = self.services.mic
        if mic is not None:
            if self.keys.is_held("ptt"):
                mic.set_ptt(True)
            if self.keys.is_held("director"):
                mic.set_director(True)
        self._show_level()

    def _on_status(self, st: ServiceStatus) -> None:
        self._open = st.state in OPEN_STATES
        self._sync_choices()
        text = tr(f"state.{st.state.value}", attempt=st.attempt)
        self.status.setText(text)
        self.status.setToolTip("\n".join(x for x in (st.detail, st.last_error) if x))
        self._update_timer()
        self._update_global_keys()

    def _sync_choices(self) -> None:
        """Show what is in effect (a change may come from the settings dialog)."""
        s = self.services.settings
        i = self.mode.findData(s.mic_mode)
        if i >= 0 and i != self.mode.currentIndex():
            self.mode.setCurrentIndex(i)
        if self.device.currentData() != s.stt_input_device:
            self._fill_devices([str(self.device.itemData(i)) for i in range(2, self.device.count())])

    def _on_transcript(self, text: str, director: bool) -> None:
        if director:
            self.last_director.setText(tr("mic.last_director", text=text))
            self.last_director.show()
        else:
            self.last.setText(tr("mic.last", text=text))

    def _update_timer(self) -> None:
        if self._open and self.isVisible():
            if not self.timer.isActive():
                self.timer.start()
        else:
            self.timer.stop()
            self._show_level()

    def _update_global_keys(self) -> None:
        """Windows: poll the held keys system-wide while the microphone is open (the PTT key only in ``ptt``)."""
        s = self.services.settings
        watched: dict[str, int] = {}
        if self._open and self.global_keys.available:
            for which, name in (("ptt", s.mic_ptt_key if s.mic_mode == "ptt" else ""),
                                ("director", s.mic_director_key)):
                try:
                    watched[which] = virtual_key(name)
                except ValueError:  # reported by the settings check; the key just does nothing
                    pass
        if any(watched.values()):
            self.global_keys.start(watched)
            if not self.global_timer.isActive():
                self.global_timer.start()
            self.global_keys.poll(self.keys.focused)
        else:
            self.global_timer.stop()
            self.global_keys.stop(self.keys.focused)

    def _poll_level(self) -> None:
        self._show_level()

    def _show_level(self) -> None:
        mic = self.services.mic
        if not self._open or mic is None:
            self.level.setValue(METER_FLOOR_DB)
            self.level.setFormat(tr("mic.level_off"))
            return
        db = max(float(METER_FLOOR_DB), min(0.0, float(mic.level_dbfs)))
        self.level.setValue(int(round(db)))
        self.level.setFormat(f"{db:.0f} dB")

    def showEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        super().showEvent(ev)
        self._update_timer()

    def hideEvent(self, ev) -> None:  # noqa: N802 (Qt name)
        super().hideEvent(ev)
        self._update_timer()


def create_panel(services: Any, bridge: Any) -> QWidget:
    if not hasattr(services, "mic_turns"):
        from aischoco_gui.gui.panels.placeholder import PlaceholderPanel

        return PlaceholderPanel(bridge, "mic", tr("mic.unavailable"), status_name="stt", show_status=False)
    return MicPanel(services, bridge)
