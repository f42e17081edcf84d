"""Plain constructor helpers for the speaker: engine chain, worker/remote backends and the output sink.

``TTS_ENGINE``: ``qwen`` | ``faster-qwen`` | ``system`` | ``remote`` | ``fake`` | ``auto`` (default:
``remote`` when ``TTS_REMOTE_URL`` is set, else ``qwen`` if torch + qwen-tts are installed, else
the system voice, else text only). ``TTS_FALLBACK`` lists engines tried after it (default
``system``). Local engines always run in the worker process. The helpers take the adapter's plain
:class:`TtsConfig` (``service_config.tts_config`` builds it from ``Settings``), not the app's settings.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from aischoco_gui.audio.output import AudioOutput
from aischoco_gui.events import EventBus, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.tts.backend import FallbackChain, SynthBackend
from aischoco_gui.tts.client import HttpTtsClient
from aischoco_gui.tts.engines.qwen import qwen_installed
from aischoco_gui.tts.engines.system import system_voice_available
from aischoco_gui.tts.silent import SilentSpeaker
from aischoco_gui.tts.speaker import TtsSpeaker
from aischoco_gui.tts.worker import WorkerBackend

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class TtsConfig:
    engine: str = "auto"  # the effective TTS_ENGINE (remote when TTS_REMOTE_URL is set, unless told otherwise)
    fallback: str = "system"  # TTS_FALLBACK: engines tried after it
    remote_url: str = ""
    remote_model: str = ""
    remote_api_key: str = ""
    system_voice: str = "ko"
    qwen_model: str = "Qwen/Qwen3-TTS-12Hz-1.7B-Base"
    qwen_device: str = "cuda:0"
    output_device: str = ""  # TTS_OUTPUT_DEVICE: device name/index, wav:PATH, null
    sentence_max_chars: int = 200


def resolve_auto() -> str | None:
    """Best local engine without importing torch in this process."""
    if qwen_installed():
        return "qwen"
    if system_voice_available():
        return "system"
    return None


def engine_chain(cfg: TtsConfig) -> list[str]:
    first = cfg.engine
    names = [first] + [n.strip() for n in (cfg.fallback or "").split(",") if n.strip()]
    out: list[str] = []
    for n in names:
        if n == "auto":
            n = resolve_auto() or ""
        if n and n not in out:
            out.append(n)
    return out


def build_backend(name: str, s: TtsConfig, bus: EventBus, voice_samples: Path, primary: bool) -> SynthBackend | None:
    status = "tts" if primary else None
    if name == "remote":
        if not s.remote_url:
            log.warning("TTS_ENGINE=remote but TTS_REMOTE_URL is empty")
            return None
        return HttpTtsClient(s.remote_url, bus=bus, report_status=primary, model=s.remote_model,
                             api_key=s.remote_api_key)
    if name == "system":
        if not system_voice_available():
            return None
        return WorkerBackend("system", bus, extra_args=["--voice", s.system_voice or "ko"], status_name=status)
    if name in ("qwen", "faster-qwen"):
        ref = voice_samples / "ref.wav"
        args = ["--model", s.qwen_model, "--device", s.qwen_device, "--ref-audio", str(ref)]
        return WorkerBackend(name, bus, extra_args=args, status_name=status, start_timeout=60.0)
    if name == "fake":
        return WorkerBackend("fake", bus, status_name=status)
    log.warning("unknown TTS engine %r ignored", name)
    return None


def make_speaker(s: TtsConfig, bus: EventBus, voice_samples: Path) -> TtsSpeaker | SilentSpeaker:
    names = engine_chain(s)
    backends = [b for i, n in enumerate(names)
                if (b := build_backend(n, s, bus, voice_samples, primary=not i)) is not None]
    if not backends:
        why = "no TTS engine: install espeak-ng for the offline voice, the [qwen] extra for the cloned voice, " \
              "or set TTS_REMOTE_URL"
        bus.set_status("tts", ServiceState.NOT_CONFIGURED, tr("tts.status.text_only"), error=why)
        return SilentSpeaker(bus, reason=why)
    backend: SynthBackend = backends[0] if len(backends) == 1 else FallbackChain(backends, bus)
    output = AudioOutput(s.output_device, bus)
    return TtsSpeaker(bus, backend, output, max_chars=s.sentence_max_chars)
