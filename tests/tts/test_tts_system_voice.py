"""Offline system voices, Windows behaviour reproduced on Linux (issue 12): espeak-ng writes its WAV
with ``-w FILE`` (its ``--stdout`` is mangled by text-mode pipes on Windows), and SAPI5/pyttsx3 is
used from one dedicated thread that called CoInitialize. Real Windows/SAPI was not run here."""

from __future__ import annotations

import json
import sys
import threading

import numpy as np

from aischoco_gui.tts.engines.system import EspeakEngine, Pyttsx3Engine
from tests.doubles.tts_fake_espeak import write_fake_espeak
from tests.doubles.tts_fake_pyttsx3 import FakeCom, fake_pyttsx3


def test_espeak_output_goes_through_a_wav_file_not_stdout(tmp_path, monkeypatch):
    log = tmp_path / "calls.jsonl"
    monkeypatch.setenv("FAKE_ESPEAK_LOG", str(log))
    eng = EspeakEngine(write_fake_espeak(tmp_path), "ko")
    eng.load(lambda p, w: None)
    x = np.concatenate(list(eng.synthesize("안녕하세요", "happy", threading.Event())))
    assert eng.sample_rate == 22050 and len(x) == int(22050 * 0.06 * 5)
    assert np.max(np.abs(x)) > 0.25  # a clean sine, not bytes shifted by CR insertion
    calls = [json.loads(line) for line in log.read_text().splitlines()]
    synth = [c for c in calls if not any(a.startswith("--voices") for a in c)]
    assert synth and all("-w" in c and "--stdout" not in c and "-f" in c for c in synth)


def test_espeak_cancel_before_start_yields_nothing(tmp_path):
    eng = EspeakEngine(write_fake_espeak(tmp_path), "ko")
    cancel = threading.Event()
    cancel.set()
    assert list(eng.synthesize("안녕", "neutral", cancel)) == []


def test_sapi_is_used_from_one_dedicated_thread_that_initialised_com(monkeypatch):
    com = FakeCom()
    mod = fake_pyttsx3(com)
    monkeypatch.setitem(sys.modules, "pyttsx3", mod)
    eng = Pyttsx3Engine(com_init=com.co_initialize)
    eng.load(lambda p, w: None)
    assert "Heami" in eng.label
    results: list[int] = []

    def speak(text: str) -> None:  # the worker serves requests from several pool threads
        results.append(sum(len(c) for c in eng.synthesize(text, "neutral", threading.Event())))

    threads = [threading.Thread(target=speak, args=(t,)) for t in ("하나", "둘이요", "셋입니다")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    eng.close()
    assert sorted(results) == sorted(int(22050 * 0.05 * len(t)) for t in ("하나", "둘이요", "셋입니다"))
    sapi_threads = {tid for _, tid in mod.log}
    assert sapi_threads == {eng.thread_ident} and eng.thread_ident != threading.get_ident()
    assert com.calls[0] == ("CoInitialize", eng.thread_ident)
    assert com.calls[-1] == ("CoUninitialize", eng.thread_ident)
