"""Speech-to-text: the streamer's microphone (capture, VAD, engines, the listener service)."""

from aischoco_gui.i18n import register

register({
    "service.stt": ("마이크", "Microphone"),
    "stt.mode.off": ("꺼짐", "off"),
    "stt.mode.cohost": ("공동 진행 (모든 발화)", "co-host (every utterance)"),
    "stt.mode.ptt": ("눌러서 말하기", "push-to-talk"),
    "stt.barge_in.off": ("끼어들기 없음", "no barge-in"),
    "stt.barge_in.duck": ("말하면 AI 소리 줄이기", "duck the AI while I speak"),
    "stt.barge_in.stop": ("말하면 AI 멈추기", "stop the AI when I speak"),
    "stt.director_prefix": ("스트리머가 몰래 부탁합니다: ", "the streamer asks you privately: "),
    "stt.cohost_mark": ("🎙", "🎙"),
    "stt.local_downloading": ("음성 인식 모델 받는 중… {pct}%", "downloading the speech model… {pct}%"),
    "stt.headset_advice": ("AI 목소리가 마이크로 다시 들어가지 않도록 헤드셋을 권장합니다.",
                           "Use a headset so the AI's voice does not reach your microphone."),
    "settings.mic_mode": ("마이크 모드 (off / cohost / ptt)", "Microphone mode (off / cohost / ptt)"),
    "settings.stt_input_device": ("마이크 장치 (이름, 번호, wav:파일, off)", "Microphone (name, index, wav:FILE, off)"),
    "settings.stt_engine": ("음성 인식 엔진", "Speech-to-text engine"),
    "settings.stt_base_url": ("음성 인식 서버 URL (비우면 LLM URL)", "Speech-to-text URL (empty = LLM URL)"),
    "settings.stt_api_key": ("음성 인식 API 키 (비우면 LLM 키)", "Speech-to-text API key (empty = LLM key)"),
    "settings.stt_model": ("음성 인식 모델", "Speech-to-text model"),
    "settings.stt_language": ("음성 인식 언어", "Speech-to-text language"),
    "settings.stt_vad_hangover_ms": ("발화 끝 판단 침묵 (ms)", "Silence that ends an utterance (ms)"),
    "settings.barge_in": ("끼어들기 (off / duck / stop)", "Barge-in (off / duck / stop)"),
    "settings.stt_local_model": ("로컬 Whisper 모델", "Local Whisper model"),
})
