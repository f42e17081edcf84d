"""Speech: TTS engines hosted in a worker process, remote servers, and the speaker."""

from aischoco_gui.i18n import register

register({
    "settings.qwen_tts_model": ("Qwen3-TTS 모델 (1.7B 기본, 0.6B는 작은 GPU용)",
                                "Qwen3-TTS model (1.7B default, 0.6B for small GPUs)"),
    "tts.system_voice_note": ("시스템 음성 (복제된 캐릭터 목소리가 아님)",
                              "system voice (not the cloned character voice)"),
})
