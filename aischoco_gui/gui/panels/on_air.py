"""What is on air now, at the top of the reply column: the line being spoken (large), the avatar's current
emotion and the next draft waiting for approval. The rest of the window stays quiet; this strip is what a
streamer glances at mid-show (like the program preview in OBS or the model view in VTube Studio)."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QColor, QFont, QPalette
from PySide6.QtWidgets import QFrame, QHBoxLayout, QLabel, QVBoxLayout, QWidget

from aischoco_gui.gui.elided import ElidedLabel
from aischoco_gui.gui.theme import STATE_ERROR, STATE_OFF
from aischoco_gui.i18n import emotion_label, register, tr

register({
    "onair.live": ("방송 중", "ON AIR"),
    "onair.idle": ("대기", "IDLE"),
    "onair.emotion": ("감정: {emotion}", "Emotion: {emotion}"),
    "onair.next": ("다음 답변: {text}", "Next: {text}"),
    "onair.next_none": ("다음 답변: 없음", "Next: none"),
})


class OnAirStrip(QFrame):
    """Three lines, largest first: speaking (``speaking`` label), emotion + the next draft."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("on_air")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.setAutoFillBackground(True)
        self.setBackgroundRole(QPalette.ColorRole.AlternateBase)
        self.badge = QLabel(self)  # ● ON AIR in red while speaking, a grey ● IDLE otherwise: colour = state
        self.badge.setObjectName("on_air_badge")
        f = self.badge.font()
        f.setBold(True)
        self.badge.setFont(f)
        self.speaking = QLabel(tr("reply.idle"), self)
        self.speaking.setObjectName("reply_speaking")
        self.speaking.setWordWrap(True)
        self.speaking.setTextFormat(Qt.TextFormat.PlainText)
        big = QFont(self.speaking.font())
        big.setPointSizeF(big.pointSizeF() * 1.3 if big.pointSizeF() > 0 else 13)
        self.speaking.setFont(big)
        self.speaking.setMaximumHeight(self.speaking.fontMetrics().lineSpacing() * 3 + 4)  # at most 3 lines
        self.emotion = QLabel(tr("onair.emotion", emotion=emotion_label("neutral")), self)
        self.emotion.setObjectName("on_air_emotion")
        self.next = ElidedLabel(tr("onair.next_none"), self, min_chars=10, max_hint_chars=40)
        self.next.setObjectName("on_air_next")
        self.next.setForegroundRole(QPalette.ColorRole.PlaceholderText)  # quiet: it is not on air yet
        top = QHBoxLayout()
        top.setSpacing(8)
        top.addWidget(self.badge, 0, Qt.AlignmentFlag.AlignTop)
        top.addWidget(self.speaking, 1)
        bottom = QHBoxLayout()
        bottom.setSpacing(12)
        bottom.addWidget(self.emotion)
        bottom.addWidget(self.next, 1)
        lay = QVBoxLayout(self)
        lay.setContentsMargins(8, 6, 8, 6)
        lay.setSpacing(4)
        lay.addLayout(top)
        lay.addLayout(bottom)
        self.set_live(False)

    def set_live(self, live: bool) -> None:
        colour = STATE_ERROR if live else STATE_OFF
        self.badge.setText(f"● {tr('onair.live') if live else tr('onair.idle')}")
        pal = self.badge.palette()
        pal.setColor(QPalette.ColorRole.WindowText, QColor(colour))
        self.badge.setPalette(pal)
        self.badge.setProperty("live", live)

    def set_emotion(self, emotion: str) -> None:
        self.emotion.setText(tr("onair.emotion", emotion=emotion_label(emotion or "neutral")))

    def set_next(self, text: str | None) -> None:
        self.next.setText(tr("onair.next", text=text) if text else tr("onair.next_none"))
