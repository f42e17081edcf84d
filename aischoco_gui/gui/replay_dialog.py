"""파일 → 쇼 다시 보기…: pick a recording, replay it against the LLM configured now, show the report.

Non-modal all the way (``QFileDialog.open()``, ``QDialog.show()``): the show keeps running while a
replay runs. The replay itself runs on its own thread (:class:`aischoco_gui.record.job.ReplayJob`), polled
by a timer; closing the dialog stops it and waits for the thread. The report is the same HTML the CLI
writes (saved next to the history as ``history/replays/*.html`` and ``*.json``), shown in a QTextBrowser
with the latency plot drawn from its SVG; "open in browser" opens the saved file.
"""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QByteArray, QSize, Qt, QTimer, QUrl
from PySide6.QtGui import QDesktopServices, QImage, QPainter, QTextDocument
from PySide6.QtSvg import QSvgRenderer
from PySide6.QtWidgets import (
    QDialog,
    QDoubleSpinBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QProgressBar,
    QPushButton,
    QSpinBox,
    QTextBrowser,
    QVBoxLayout,
    QWidget,
)

from aischoco_gui.i18n import register, tr
from aischoco_gui.record.job import ReplayJob
from aischoco_gui.record.recorder import SHOWS_DIR
from aischoco_gui.record.replay import ReplayOptions
from aischoco_gui.record.report import latency_svg, render_html

log = logging.getLogger(__name__)

register({
    "replay.pick.title": ("다시 볼 방송 기록 고르기", "Pick a show recording to replay"),
    "replay.pick.filter": ("방송 기록 (*.jsonl)", "Show recordings (*.jsonl)"),
    "replay.dialog.title": ("쇼 다시 보기 — {name}", "Replay a show — {name}"),
    "replay.dialog.intro": ("녹화된 채팅을 지금의 페르소나·필터·모델로 다시 돌려 보고 예전 답과 나란히 보여 줘요. "
                            "방송에는 아무것도 나가지 않아요 (소리·아바타·채팅 없음). 모델: {model}",
                            "Runs the recorded chat through today's persona, filters and model and shows the old and "
                            "new answers side by side. Nothing goes on air (no voice, avatar or chat). Model: {model}"),
    "replay.dialog.speed": ("속도", "Speed"),
    "replay.dialog.speed.tip": ("녹화된 간격을 이만큼 빠르게 (0 = 시계 없이 한 턴씩)",
                                "The recorded spacing, this many times faster (0 = turn by turn, no clock)"),
    "replay.dialog.concurrency": ("동시 요청", "Requests at once"),
    "replay.dialog.start": ("다시 보기 시작", "Start replay"),
    "replay.dialog.stop": ("중지", "Stop"),
    "replay.dialog.open": ("브라우저에서 열기", "Open in browser"),
    "replay.dialog.close": ("닫기", "Close"),
    "replay.dialog.ready": ("시작을 누르세요.", "Press start."),
    "replay.dialog.done": ("끝났어요: {path}", "Done: {path}"),
    "replay.dialog.failed": ("다시 보기를 하지 못했어요: {error}", "The replay failed: {error}"),
})

PLOT_URL = "replay-latency.png"


def svg_image(svg: str) -> QImage:
    """The report's SVG plot as an image (QTextBrowser draws no inline SVG)."""
    r = QSvgRenderer(QByteArray(svg.encode("utf-8")))
    size = r.defaultSize() if r.isValid() else QSize(900, 220)
    img = QImage(size, QImage.Format.Format_ARGB32)
    img.fill(Qt.GlobalColor.white)
    p = QPainter(img)
    r.render(p)
    p.end()
    return img


class ReplayDialog(QDialog):
    """One recording: options, start/stop, progress, the report."""

    def __init__(self, parent: QWidget | None, path: Path, settings, config_dir: Path, out_dir: Path) -> None:
        super().__init__(parent)
        self.setObjectName("replay_dialog")
        self.path = Path(path)
        self.settings = settings  # a plain Settings value (read once), never a service
        self.config_dir = config_dir
        self.out_dir = out_dir
        self.job: ReplayJob | None = None
        self.setWindowTitle(tr("replay.dialog.title", name=self.path.name))
        lay = QVBoxLayout(self)
        intro = QLabel(tr("replay.dialog.intro", model=f"{settings.groq_model} @ {settings.llm_base_url}"), self)
        intro.setWordWrap(True)
        lay.addWidget(intro)
        row = QHBoxLayout()
        row.addWidget(QLabel(tr("replay.dialog.speed"), self))
        self.speed = QDoubleSpinBox(self)
        self.speed.setObjectName("replay_speed")
        self.speed.setRange(0.0, 100000.0)
        self.speed.setDecimals(0)
        self.speed.setValue(100.0)
        self.speed.setSuffix("×")
        self.speed.setToolTip(tr("replay.dialog.speed.tip"))
        row.addWidget(self.speed)
        row.addWidget(QLabel(tr("replay.dialog.concurrency"), self))
        self.concurrency = QSpinBox(self)
        self.concurrency.setObjectName("replay_concurrency")
        self.concurrency.setRange(1, 16)
        self.concurrency.setValue(2)
        row.addWidget(self.concurrency)
        row.addStretch(1)
        self.start_btn = QPushButton(tr("replay.dialog.start"), self)
        self.start_btn.setObjectName("replay_start")
        self.start_btn.clicked.connect(self.start)
        self.stop_btn = QPushButton(tr("replay.dialog.stop"), self)
        self.stop_btn.setObjectName("replay_stop")
        self.stop_btn.setEnabled(False)
        self.stop_btn.clicked.connect(self.stop)
        row.addWidget(self.start_btn)
        row.addWidget(self.stop_btn)
        lay.addLayout(row)
        self.bar = QProgressBar(self)
        self.bar.setRange(0, 1)
        self.bar.setValue(0)
        lay.addWidget(self.bar)
        self.status = QLabel(tr("replay.dialog.ready"), self)
        self.status.setObjectName("replay_status")
        self.status.setWordWrap(True)
        self.status.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        lay.addWidget(self.status)
        self.browser = QTextBrowser(self)
        self.browser.setObjectName("replay_report")
        self.browser.setOpenLinks(False)
        lay.addWidget(self.browser, 1)
        bottom = QHBoxLayout()
        bottom.addStretch(1)
        self.open_btn = QPushButton(tr("replay.dialog.open"), self)
        self.open_btn.setObjectName("replay_open")
        self.open_btn.setEnabled(False)
        self.open_btn.clicked.connect(self.open_in_browser)
        self.close_btn = QPushButton(tr("replay.dialog.close"), self)
        self.close_btn.setObjectName("replay_close")
        self.close_btn.clicked.connect(self.close)
        bottom.addWidget(self.open_btn)
        bottom.addWidget(self.close_btn)
        lay.addLayout(bottom)
        self.timer = QTimer(self)
        self.timer.setInterval(100)
        self.timer.timeout.connect(self._poll)
        self.resize(1100, 700)

    # -- actions ----------------------------------------------------------------------------------
    def start(self) -> None:
        if self.job is not None and self.job.running:
            return
        opts = ReplayOptions(speed=float(self.speed.value()), concurrency=int(self.concurrency.value()))
        self.job = ReplayJob(self.path, self.settings, self.config_dir, opts, self.out_dir).start()
        self.start_btn.setEnabled(False)
        self.stop_btn.setEnabled(True)
        self.open_btn.setEnabled(False)
        self.bar.setRange(0, 0)  # busy until the first progress
        self.timer.start()

    def stop(self) -> None:
        if self.job is not None:
            self.job.cancel()
        self.stop_btn.setEnabled(False)

    def open_in_browser(self) -> None:
        if self.job is not None and self.job.html_path is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self.job.html_path)))

    # -- polling ---------------------------------------------------------------------------------
    def _poll(self) -> None:
        job = self.job
        if job is None:
            return
        p = job.progress
        if p is not None:
            self.bar.setRange(0, max(1, p.total))
            self.bar.setValue(p.fed)
            self.status.setText(tr("replay.progress", fed=p.fed, total=p.total, answered=p.answered))
        if not job.finished:
            return
        self.timer.stop()
        job.join(5)
        self.start_btn.setEnabled(True)
        self.stop_btn.setEnabled(False)
        if job.result is None:
            self.bar.setRange(0, 1)
            self.bar.setValue(0)
            self.status.setText(tr("replay.dialog.failed", error=job.error or "?"))
            return
        self.show_result(job.result)
        self.open_btn.setEnabled(job.html_path is not None)
        done = tr("replay.dialog.done", path=job.html_path or "")
        self.status.setText(f"{tr('replay.interrupted')} — {done}" if job.result.get("interrupted") else done)

    def show_result(self, result: dict) -> None:
        doc = self.browser.document()
        doc.addResource(QTextDocument.ResourceType.ImageResource, QUrl(PLOT_URL),
                        svg_image(latency_svg(result["turns"])))
        self.browser.setHtml(render_html(result, plot_src=PLOT_URL))
        self.bar.setRange(0, 1)
        self.bar.setValue(1)

    # -- closing (the close button, the title bar and Esc) ------------------------------------------
    def shutdown(self, wait: bool = False) -> None:
        """Stop a running replay. Closing the dialog does not wait (the timer joins the thread once it has
        stopped its pipeline, within a second or two); ``wait`` (the window quitting) joins it now."""
        if self.job is None or self.job.finished:
            self.timer.stop()
            if self.job is not None:
                self.job.join(5)
            return
        self.job.cancel()
        self.stop_btn.setEnabled(False)
        if wait:
            self.timer.stop()
            self.job.join(15)  # a thread that does not stop in time is reported (threads.stragglers)

    def closeEvent(self, event) -> None:  # noqa: N802 (Qt name)
        self.shutdown()
        super().closeEvent(event)

    def done(self, r: int) -> None:
        self.shutdown()
        super().done(r)


def choose_recording(window: QWidget, history_dir: Path, settings, config_dir: Path) -> QFileDialog:
    """The file picker (non-modal); picking a file opens a :class:`ReplayDialog` kept on ``window.replay_dialog``."""
    folder = history_dir / SHOWS_DIR
    dlg = QFileDialog(window, tr("replay.pick.title"), str(folder if folder.is_dir() else history_dir),
                      tr("replay.pick.filter"))
    dlg.setObjectName("replay_file_dialog")
    dlg.setFileMode(QFileDialog.FileMode.ExistingFile)
    dlg.setAcceptMode(QFileDialog.AcceptMode.AcceptOpen)

    def picked(path: str) -> None:
        old = getattr(window, "replay_dialog", None)
        if old is not None:
            old.shutdown(wait=True)
            old.close()
            old.deleteLater()
        d = ReplayDialog(window, Path(path), settings, config_dir, history_dir / "replays")
        window.replay_dialog = d
        d.show()

    dlg.fileSelected.connect(picked)
    dlg.open()
    return dlg
