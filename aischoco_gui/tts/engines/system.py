"""Offline OS voices: espeak-ng (subprocess, streamed as it synthesises) or SAPI5 via pyttsx3.

These are *not* the cloned character voice; the label says so wherever it is shown.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
from collections.abc import Iterator
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

    def _cmd(self, emotion: str) -> list[str]:
        pitch, wpm = _ESPEAK_PROSODY.get(emotion, _ESPEAK_PROSODY["neutral"])
        return [self.exe, "-v", self.voice, "-b", "1", "-p", str(pitch), "-s", str(wpm), "--stdout"]

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
        probe = b"".join(self.synthesize_bytes("가", "neutral", threading.Event()))
        if not probe:
            raise EngineUnavailable("espeak-ng produced no audio")
        progress(1.0, "ready")

    def synthesize_bytes(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[bytes]:
        """Raw 16-bit PCM as espeak-ng produces it (after parsing its WAV header)."""
        flags = subprocess.CREATE_NO_WINDOW if sys.platform == "win32" else 0
        proc = subprocess.Popen(self._cmd(emotion), stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, creationflags=flags)
        try:
            assert proc.stdin is not None and proc.stdout is not None
            proc.stdin.write(text.encode("utf-8"))
            proc.stdin.close()
            header = proc.stdout.read(44)
            if len(header) < 44 or header[:4] != b"RIFF" or header[8:12] != b"WAVE":
                err = proc.stderr.read().decode("utf-8", "replace") if proc.stderr else ""
                raise EngineError(f"espeak-ng failed: {err.strip() or 'no WAV output'}")
            self.sample_rate = struct.unpack("<I", header[24:28])[0]
            carry = b""
            while not cancel.is_set():
                buf = proc.stdout.read1(self.chunk * 2) if hasattr(proc.stdout, "read1") else proc.stdout.read(4096)
                if not buf:
                    break
                buf = carry + buf
                cut = len(buf) - len(buf) % 2
                carry = buf[cut:]
                if cut:
                    yield buf[:cut]
        finally:
            if proc.poll() is None:
                proc.kill()
            with contextlib.suppress(Exception):
                proc.wait(timeout=2)
            for s in (proc.stdout, proc.stderr):
                with contextlib.suppress(Exception):
                    s.close()

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        for b in self.synthesize_bytes(text, emotion, cancel):
            yield np.frombuffer(b, dtype="<i2").astype(np.float32) / 32768.0

    def close(self) -> None:
        pass


class Pyttsx3Engine:
    """SAPI5 on Windows through pyttsx3 (whole sentence to a temp WAV, then chunked)."""

    name = "system"
    sample_format = "float32"
    cloned_voice = False
    max_concurrency = 1  # pyttsx3 is not thread-safe

    def __init__(self) -> None:
        self.label = "Windows SAPI5 voice (system voice, not the cloned voice)"
        self.sample_rate = 22050
        self._tts = None
        self._lock = threading.Lock()

    def load(self, progress: Progress) -> None:
        progress(0.1, "starting SAPI5")
        try:
            import pyttsx3  # noqa: PLC0415
        except ImportError:
            raise EngineUnavailable("pyttsx3 is not installed (pip install .[system-voice])") from None
        self._tts = pyttsx3.init()
        for v in self._tts.getProperty("voices") or []:
            langs = " ".join(str(x) for x in (getattr(v, "languages", []) or []))
            if "ko" in langs.lower() or "korean" in str(getattr(v, "name", "")).lower():
                self._tts.setProperty("voice", v.id)
                self.label = f"Windows SAPI5 '{v.name}' (system voice, not the cloned voice)"
                break
        progress(1.0, "ready")

    def synthesize(self, text: str, emotion: str, cancel: threading.Event) -> Iterator[np.ndarray]:
        if self._tts is None:
            raise EngineError("engine not loaded")
        fd, path = tempfile.mkstemp(suffix=".wav")
        os.close(fd)
        try:
            with self._lock:
                self._tts.save_to_file(text, path)
                self._tts.runAndWait()
            x, rate = read_wav_file(path)
            self.sample_rate = rate
        finally:
            with contextlib.suppress(OSError):
                os.unlink(path)
        yield from chunked(x, rate // 10, cancel)

    def close(self) -> None:
        pass


def create_system_engine(voice: str = "ko"):
    exe = find_espeak()
    if exe:
        return EspeakEngine(exe, voice)
    if pyttsx3_available():
        return Pyttsx3Engine()
    raise EngineUnavailable("no offline system voice: install espeak-ng (Linux/Windows) or pyttsx3 (Windows)")
