# ruff: noqa: E501  (a table of UI text: Korean lines are read whole, not wrapped)
"""The microphone's status text (Korean first, English second); the technical reason is the detail."""

from __future__ import annotations

from aischoco_gui.i18n import register, tr

register({
    "stt.status.off": ("마이크 꺼짐 (마이크 모드: 끔)", "microphone off (mic mode: off)"),
    "stt.status.bad_device": ("마이크 장치 설정(STT_INPUT_DEVICE)을 읽을 수 없어요. 마이크 패널에서 장치를 고르세요",
                              "The microphone setting (STT_INPUT_DEVICE) is not valid. Pick a device in the Microphone panel"),
    "stt.status.no_device": ("마이크를 고르지 않았어요. 마이크 패널에서 장치를 고르세요",
                             "No microphone chosen. Pick one in the Microphone panel"),
    "stt.status.no_engine": ("음성 인식 엔진이 없어요. 설정 → 음성에서 음성 인식을 정하세요",
                             "No speech-to-text engine. Set speech-to-text up in Settings → Voice"),
    "stt.status.unavailable": ("음성 인식을 쓸 수 없어요. {why}", "Speech-to-text is unavailable. {why}"),
    "stt.status.no_vad": ("말소리 감지기를 불러오지 못했어요 (자세한 내용은 로그). 앱을 다시 설치해 보세요",
                          "The voice activity detector could not load (details in the log). Try reinstalling the app"),
    "stt.status.opening": ("마이크 여는 중: {device}", "opening the microphone: {device}"),
    "stt.status.stopped": ("멈춤", "stopped"),
    "stt.status.worker_failed": ("마이크 처리에 오류가 났어요 (자세한 내용은 로그). 마이크 패널에서 다시 켜 보세요",
                                 "The microphone worker failed (details in the log). Switch it on again in the Microphone panel"),
    "stt.status.device_unavailable": ("마이크({device})를 쓸 수 없어요. {why}", "The microphone ({device}) is unavailable. {why}"),
    "stt.status.lost": ("마이크가 사라졌어요: {label}. 다시 연결되기를 기다리는 중", "microphone lost: {label}; waiting for it"),
    "stt.status.listening": ("듣는 중 ({mode}): {device} @ {rate} Hz", "listening ({mode}): {device} @ {rate} Hz"),
    "stt.status.failed": ("음성 인식이 한 번 실패했어요. 계속 듣고 있어요", "A transcription failed; still listening"),
    "stt.notice.failed": ("음성 인식이 실패했어요 (계속 듣고 있어요). {why}", "Speech-to-text failed (still listening). {why}"),
    "stt.status.retrying": ("음성 인식 요청을 {delay}초 뒤 다시 보내요. {why}",
                            "Speech-to-text: retrying in {delay} s. {why}"),
    "stt.status.downloading": ("음성 인식 모델 내려받는 중: {label} {pct}%", "downloading the speech model {label}: {pct}%"),
})


def mode_text(mode: str) -> str:
    """The mic mode's name in the UI language (registered with the package: ``stt/__init__.py``)."""
    return tr(f"stt.mode.{mode}") if mode in ("cohost", "ptt", "off") else mode
