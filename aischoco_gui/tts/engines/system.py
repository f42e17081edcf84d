"""Offline OS voices: espeak-ng (subprocess writing a WAV file) or SAPI5 via pyttsx3 (one COM thread).

These are *not* the cloned character voice; the label says so wherever it is shown.
"""

from __future__ import annotations

import contextlib
import os
import queue
import shutil
import subprocess
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future
from concurrent.futures import TimeoutError as FutureTimeout
from pathlib import Path

import numpy as np

from aischoco_gui.audio.pcm import read_wav_file
from aischoco_gui.tts.engine import EngineError, EngineUnavailable, Progress, chunked

# emotion → (pitch 0..99, words per minute); espeak-ng's defaults are 50 / 175
_ESPEAK_PROSODY = {
    "happy": (62, 185), "excited": (72, 200), "surprised": (70, 180),
    "sad": (38, 145), "angry": (45, 195), "neutral": (50, 170),
}


def find_espeak() -> str | None:
    for name in ("espeak-ng", "espeak"):
        p = shutil.which(name)
        if p:
            return p
    if sys.platform == "win32":
        for base in (os.environ.get("ProgramFiles", r"C:\Program Files"),
                     os.environ.get("ProgramFiles(x86)", r"C:\Program Files (x86)")):
            p = Path(base) / "eSpeak NG" / "espeak-ng.exe"
            if p.exists():
                return str(p)
    return None


def pyttsx3_available() -> bool:
    if sys.platform != "win32":
        return False
    import importlib.util  # noqa: PLC0415

    return importlib.util.find_spec("pyttsx3") is not None


def system_voice_available() -> bool:
    return find_espeak() is not None or pyttsx3_available()


class EspeakEngine:
    """espeak-ng in a subprocess: text from a UTF-8 file (``-f``), audio to a WAV file (``-w``).

    Not ``--stdout``: piping binary WAV through stdout is unreliable on Windows (issue 12), and
    text on stdin depends on the console code page. A sentence takes espeak-ng tens of
    milliseconds, so waiting for the file costs nothing audible; it is then handed out in 100 ms
    chunks like any engine.
    """

    name = "system"
    sample_format = "float32"
    cloned_voice = False
    max_concurrency = 4

    def __init__(self, exe: str, voice: str = "ko") -> None:
        self.exe = exe
        self.voice = voice
        self.label = f"espeak-ng '{voice}' (system voice, not the cloned voice)"
        self.sample_rate = 22050  # confirmed by load()
        self.chunk = 2205  # 100 ms

    def _cmd(self, emotion: str, text_file: str, wav_file: str) -> list[str]:
        pitch, wpm = _ESPEAK_PROSODY.get(emotion, _ESPEAK_PROSODY["neutral"])
        return [self.exe, "-v", self.voice, "-b", "1", "-p", str(pitch), "-s", str(wpm),
                "-f", text_file, "-w", wav_file]

    def load(self, progress: Progress) -> None:
        progress(0.1, "checking espeak-ng")
        try:
            r = subprocess.run([self.exe, "--voices=" + self.voice.split("+")[0]], capture_output=True,
                               text=True, timeout=10, encoding="utf-8", errors="replace")
        except (OSError, subprocess.TimeoutExpired) as e:
            raise EngineUnavailable(f"espeak-ng could not run: {e}") from None
        lines = [ln for ln in r.stdout.splitlines()[1:] if ln.strip()]
        if not any(ln.split()[1] == self.voice.split("+")[0] for ln in lines if len(ln.split()) > 1):
            raise EngineUnavailable(f"espeak-ng has no voice {self.voice!r} (install espeak-ng-data)")
        try:
            probe = self.render("가", "neutral", threading.Event())
        except EngineError as e:
            raise EngineUnavailable(str(e)) from None
        if probe is None or not len(probe):
            raise EngineUnavailable("espeak-ng produced no audio")
        progress(1.0, "ready")

    def render(self, text: str, emotion: str, cancel: threading.Event) -> np.ndarray | None:
        """The whole sentence as float32 at ``sample_rate`` (None when cancelled)."""
        flags = subprocess.CREATE_NO_WINDOW if sys.platform == "win32" else 0
        with tempfile.TemporaryDirectory(prefix="aischoco-espeak-") as tmp:
            txt, wav = os.path.join(tmp, "in.txt"), os.path.join(tmp, "out.wav")
            Path(txt).write_text(text, encoding="utf-8")
            try:
                proc = subprocess.Popen(self._cmd(emotion, txt, wav), stdin=subprocess.DEVNULL,
                                        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, creationflags=flags)
            except OSError as e:
                raise EngineError(f"espeak-ng could not run: {e}") from None
            try:
                while True:
                    try:
                        proc.wait(timeout=0.02)
                        break
                    except subprocess.TimeoutExpired:
                        if cancel.is_set():
                            return None
                err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
            finally:
                if proc.poll() is None:
                    proc.kill()
                    with contextlib.suppress(Exception):
                        proc.wait(timeout=2)
                if proc.stderr is not None:
                    with contextlib.suppress(Exception):
                        proc.stderr.close()
            if proc.returncode != 0 or not os.path.exists(wav):
                raise EngineError(f"espeak-ng failed (exit {proc.returncode}): {err or 'no WAV written'}")
            try:
                x, rate = read_wav_file(wav)
            except ValueError as e:
                raise EngineError(f"espeak-ng wrote an unreadable WAV: {e}") from None
        self.sample_rate = rate
        return x

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        x = self.render(text, emotion, cancel)
        if x is None:
            return
        yield from chunked(x, max(1, self.sample_rate // 10), cancel)

    def close(self) -> None:
        pass


def co_initialize() -> Callable[[], None]:
    """Initialise COM for the calling thread (Windows); returns the matching uninitialise."""
    if sys.platform != "win32":
        return lambda: None
    import ctypes  # noqa: PLC0415

    ole32 = ctypes.windll.ole32  # type: ignore[attr-defined]
    ole32.CoInitialize(None)
    return ole32.CoUninitialize


class Pyttsx3Engine:
    """SAPI5 on Windows through pyttsx3, driven from ONE dedicated thread that called CoInitialize.

    SAPI is a COM object: it must be created and used on the thread that initialised COM, and
    pyttsx3 is not thread-safe. The worker's request threads therefore only queue jobs; the SAPI
    thread renders each sentence to a temp WAV and hands back the samples (issue 12).
    """

    name = "system"
    sample_format = "float32"
    cloned_voice = False
    max_concurrency = 1

    def __init__(self, com_init: Callable[[], Callable[[], None]] = co_initialize) -> None:
        self.label = "Windows SAPI5 voice (system voice, not the cloned voice)"
        self.sample_rate = 22050
        self._com_init = com_init
        self._jobs: queue.Queue[tuple[str, Future] | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self.thread_ident: int | None = None

    def load(self, progress: Progress) -> None:
        progress(0.1, "starting SAPI5")
        ready: Future = Future()
        self._thread = threading.Thread(target=self._sapi_thread, args=(ready,), name="tts-sapi", daemon=True)
        self._thread.start()
        try:
            self.label = ready.result(timeout=30)
        except EngineUnavailable:
            raise
        except Exception as e:
            raise EngineUnavailable(f"SAPI5 could not start: {type(e).__name__}: {e}") from None
        progress(1.0, "ready")

    def _sapi_thread(self, ready: Future) -> None:
        self.thread_ident = threading.get_ident()
        try:
            uninit = self._com_init()
        except Exception as e:
            ready.set_exception(e)
            return
        try:
            try:
                import pyttsx3  # noqa: PLC0415
            except ImportError:
                ready.set_exception(EngineUnavailable("pyttsx3 is not installed (pip install .[system-voice])"))
                return
            try:
                tts = pyttsx3.init()
                label = self.label
                for v in tts.getProperty("voices") or []:
                    langs = " ".join(str(x) for x in (getattr(v, "languages", []) or []))
                    if "ko" in langs.lower() or "korean" in str(getattr(v, "name", "")).lower():
                        tts.setProperty("voice", v.id)
                        label = f"Windows SAPI5 '{v.name}' (system voice, not the cloned voice)"
                        break
            except Exception as e:
                ready.set_exception(e)
                return
            ready.set_result(label)
            while (job := self._jobs.get()) is not None:
                text, fut = job
                if not fut.set_running_or_notify_cancel():
                    continue
                fd, path = tempfile.mkstemp(suffix=".wav")
                os.close(fd)
                try:
                    tts.save_to_file(text, path)
                    tts.runAndWait()
                    fut.set_result(read_wav_file(path))
                except Exception as e:
                    fut.set_exception(EngineError(f"SAPI5 failed: {type(e).__name__}: {e}"))
                finally:
                    with contextlib.suppress(OSError):
                        os.unlink(path)
        finally:
            uninit()

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        if self._thread is None or not self._thread.is_alive():
            raise EngineError("engine not loaded")
        fut: Future = Future()
        self._jobs.put((text, fut))
        while True:
            try:
                x, rate = fut.result(timeout=0.05)
                break
            except FutureTimeout:
                if cancel.is_set():
                    fut.cancel()
                    return
        self.sample_rate = rate
        yield from chunked(x, rate // 10, cancel)

    def close(self) -> None:
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=5)
            self._thread = None


def create_system_engine(voice: str = "ko"):
    exe = find_espeak()
    if exe:
        return EspeakEngine(exe, voice)
    if pyttsx3_available():
        return Pyttsx3Engine()
    raise EngineUnavailable("no offline system voice: install espeak-ng (Linux/Windows) or pyttsx3 (Windows)")
