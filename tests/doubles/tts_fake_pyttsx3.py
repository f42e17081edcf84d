"""A stand-in ``pyttsx3`` module with SAPI5's threading rule: the engine must be created and used
on one thread that initialised COM. Calls from any other thread, or before COM was initialised on
that thread, raise (real SAPI fails with CO_E_NOTINITIALIZED / RPC_E_WRONG_THREAD). Records the
thread of every call. Inject with ``monkeypatch.setitem(sys.modules, "pyttsx3", module)``."""

from __future__ import annotations

import threading
from types import SimpleNamespace

import numpy as np

from aischoco_gui.audio.pcm import wav_bytes


class FakeCom:
    def __init__(self) -> None:
        self.initialised: set[int] = set()
        self.calls: list[tuple[str, int]] = []

    def co_initialize(self):
        tid = threading.get_ident()
        self.initialised.add(tid)
        self.calls.append(("CoInitialize", tid))

        def uninit() -> None:
            self.calls.append(("CoUninitialize", threading.get_ident()))
            self.initialised.discard(tid)

        return uninit


class _Engine:
    def __init__(self, com: FakeCom, log: list) -> None:
        self.com = com
        self.log = log
        self.owner = threading.get_ident()
        self._pending: list[tuple[str, str]] = []

    def _check(self, what: str) -> None:
        tid = threading.get_ident()
        self.log.append((what, tid))
        if tid not in self.com.initialised:
            raise OSError("CoInitialize has not been called (CO_E_NOTINITIALIZED)")
        if tid != self.owner:
            raise OSError("The application called an interface that was marshalled for a different thread")

    def getProperty(self, name):
        self._check("getProperty")
        if name != "voices":
            return None
        return [SimpleNamespace(id="ko-voice", name="Microsoft Heami", languages=["ko_KR"])]

    def setProperty(self, name, value):
        self._check("setProperty")

    def save_to_file(self, text, path):
        self._check("save_to_file")
        self._pending.append((text, path))

    def runAndWait(self):
        self._check("runAndWait")
        for text, path in self._pending:
            n = int(22050 * 0.05 * max(1, len(text)))
            with open(path, "wb") as f:
                f.write(wav_bytes(np.full(n, 0.2, np.float32), 22050))
        self._pending.clear()


def fake_pyttsx3(com: FakeCom) -> SimpleNamespace:
    log: list[tuple[str, int]] = []

    def init(*a, **kw):
        tid = threading.get_ident()
        log.append(("init", tid))
        if tid not in com.initialised:
            raise OSError("CoInitialize has not been called (CO_E_NOTINITIALIZED)")
        return _Engine(com, log)

    return SimpleNamespace(init=init, log=log)
