# ruff: noqa: E501  (a table of UI text: Korean lines are read whole, not wrapped)
"""What a failure means for the streamer, in the UI language (Qt-free, bottom layer).

The core's exceptions and status reasons are technical English (they go to the log and to a
tooltip / "자세히" as the detail). What the streamer reads is built here: :func:`explain` turns an
error into one sentence that says what happened and what to do; :func:`reply_note` does the same for
the notes on a reply draft ("JSON repaired", "flagged: banned word: …"). Unknown errors get a generic
sentence that points to the detail, never the raw text.
"""

from __future__ import annotations

import re

from aischoco_gui.i18n import emotion_label, register, tr

register({
    "why.no_key": ("LLM API 키가 없어요. 설정 → AI에서 키를 넣으세요.",
                   "No LLM API key. Enter it in Settings → AI."),
    "why.key_rejected": ("API 키가 거부됐어요. 설정에서 키가 맞는지 확인하세요.",
                         "The API key was rejected. Check the key in Settings."),
    "why.rate_limited": ("요청 한도에 걸렸어요. 잠시 기다리면 다시 시도해요.",
                         "Rate limited. It tries again after a short wait."),
    "why.not_found": ("서버가 주소나 모델을 찾지 못했어요. 설정에서 서버 주소와 모델 이름을 확인하세요.",
                      "The server did not find the address or model. Check the server address and model in Settings."),
    "why.refused": ("서버가 요청을 거절했어요. 설정에서 모델과 서버 주소를 확인하세요.",
                    "The server refused the request. Check the model and server address in Settings."),
    "why.server": ("서버에 문제가 있어요. 잠시 뒤 다시 시도해요.",
                   "The server has a problem. It tries again shortly."),
    "why.connect": ("서버에 연결할 수 없어요. 인터넷 연결과 설정의 서버 주소를 확인하세요 (로컬 서버라면 켜져 있는지).",
                    "Cannot reach the server. Check the internet connection and the server address in Settings "
                    "(a local server: is it running?)."),
    "why.timeout": ("서버가 제때 답하지 않았어요. 잠시 뒤 다시 시도해요 (계속되면 인터넷이나 서버 상태를 확인하세요).",
                    "The server did not answer in time. It tries again (if it keeps happening, check the "
                    "connection or the server)."),
    "why.bad_answer": ("AI의 답을 읽을 수 없었어요. 다시 시도하거나 다른 모델을 골라 보세요.",
                       "The AI's answer could not be read. Try again or pick another model."),
    "why.redirect": ("서버가 다른 주소로 보내려 해서 따르지 않았어요 (키를 지키려고). 설정의 주소를 정확히 적으세요.",
                     "The server redirected elsewhere; not followed (to protect the key). Enter the exact address "
                     "in Settings."),
    "why.no_output_device": ("오디오 출력 장치가 없어요. 스피커나 VB-Cable을 연결하거나 설정 → 음성 → 출력 장치를 "
                             "바꾸세요 (답변은 글로 보여요).",
                             "No audio output device. Connect speakers or VB-Cable, or change Settings → Voice → "
                             "Output device (replies are shown as text)."),
    "why.output_device_missing": ("고른 오디오 출력 장치를 찾을 수 없어요. 장치를 연결하거나 설정 → 음성 → 출력 "
                                  "장치에서 다시 고르세요.",
                                  "The chosen audio output device is not there. Plug it in or pick another in "
                                  "Settings → Voice → Output device."),
    "why.no_input_device": ("마이크를 찾을 수 없어요. 마이크를 연결하거나 마이크 패널에서 장치를 다시 고르세요.",
                            "No microphone found. Plug one in or pick another in the Microphone panel."),
    "why.device_lost": ("오디오 장치가 빠졌거나 다른 프로그램이 쓰고 있어요. 다시 연결되면 저절로 이어서 써요.",
                        "The audio device was unplugged or is busy. It is used again as soon as it is back."),
    "why.portaudio": ("소리 라이브러리(PortAudio)가 없어요. 설치하거나 출력 장치를 wav:파일 또는 null로 바꾸세요.",
                      "The sound library (PortAudio) is missing. Install it or set the output device to wav:FILE "
                      "or null."),
    "why.vts_down": ("VTube Studio가 꺼져 있거나 API가 꺼져 있어요. VTS 설정에서 'API 시작'을 켜고 포트를 확인하세요.",
                     "VTube Studio is not running or its API is off. Turn on 'Start API' in VTS settings and check "
                     "the port."),
    "why.vts_denied": ("VTube Studio에서 허용하지 않았어요. 다음에 뜨는 요청에서 '허용'을 누르세요.",
                       "VTube Studio did not allow the plugin. Click 'Allow' on the next request."),
    "why.port_busy": ("포트를 다른 프로그램이 쓰고 있어요. 빈 포트로 열거나 설정에서 포트를 바꾸세요.",
                      "Another program uses the port. Open on a free port or change the port in Settings."),
    "why.espeak": ("오프라인 음성(espeak-ng)을 쓸 수 없어요. espeak-ng를 설치하거나 설정 → 음성에서 다른 엔진을 고르세요.",
                   "The offline voice (espeak-ng) cannot run. Install espeak-ng or pick another engine in "
                   "Settings → Voice."),
    "why.gpu": ("GPU로 목소리를 만들 수 없어요 (드라이버나 메모리). 더 작은 모델이나 다른 엔진을 설정 → 음성에서 고르세요.",
                "The GPU cannot make the voice (driver or memory). Pick a smaller model or another engine in "
                "Settings → Voice."),
    "why.voice_sample": ("목소리 샘플(ref.wav, ref_text.txt)이 없거나 읽을 수 없어요. assets/voice_samples 폴더를 "
                         "확인하세요.",
                         "The voice sample (ref.wav, ref_text.txt) is missing or unreadable. Check the "
                         "assets/voice_samples folder."),
    "why.tts_worker": ("음성 엔진이 아직 준비되지 않았거나 멈췄어요. 잠시 뒤 다시 시도하고, 계속되면 설정 → 음성을 "
                       "확인하세요.",
                       "The voice engine is not ready or stopped. It tries again; if it keeps happening, check "
                       "Settings → Voice."),
    "why.chzzk_login": ("CHZZK 로그인이 필요해요. 채팅 패널에서 'CHZZK 로그인'을 누르세요.",
                        "CHZZK login needed. Click 'Log in with CHZZK' in the chat panel."),
    "why.chzzk_client": ("CHZZK 클라이언트 ID/시크릿이 거부됐어요. 설정 → 방송/채팅에서 확인하세요.",
                         "CHZZK rejected the client ID/secret. Check them in Settings → Stream/Chat."),
    "why.chzzk_scope": ("CHZZK가 이 기능을 허락하지 않았어요. 개발자 센터에서 권한(scope)을 확인하고 다시 로그인하세요.",
                        "CHZZK did not allow this. Check the app's scopes in the developer center and log in again."),
    "why.file_missing": ("파일을 찾을 수 없어요. 경로가 맞는지 확인하세요.", "The file was not found. Check the path."),
    "why.file": ("파일을 읽거나 쓸 수 없어요. 폴더 권한과 디스크 공간을 확인하세요.",
                 "A file could not be read or written. Check the folder's permissions and the free disk space."),
    "why.bad_file": ("설정 파일의 내용이 올바르지 않아요. 파일을 고치거나 지우면 기본값을 써요.",
                     "A configuration file is not valid. Fix it, or delete it to use the defaults."),
    "why.unknown": ("예상하지 못한 문제가 생겼어요. 자세한 내용은 툴팁이나 로그(파일 → 로그 폴더 열기)에 있어요.",
                    "Something unexpected went wrong. The details are in the tooltip and the log "
                    "(File → Open log folder)."),
})

# (pattern on the technical text, key): the first match wins; order from specific to general.
_WHY: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p, re.I), k) for p, k in (
    (r"no api key|NotConfiguredError", "why.no_key"),
    (r"api key rejected|HTTP 401|invalid[_ ]api[_ ]key", "why.key_rejected"),
    (r"rate limit|HTTP 429|TOO_MANY_REQUESTS|ApiRateLimited", "why.rate_limited"),
    (r"redirect", "why.redirect"),
    (r"VTube Studio is not running|API is off", "why.vts_down"),
    (r"denied in VTube Studio|token.*(denied|refused)|refused the new token", "why.vts_denied"),
    (r"login needed|log in with CHZZK|token expired|INVALID_TOKEN|ApiUnauthorized", "why.chzzk_login"),
    (r"CHZZK_CLIENT_ID|client id/secret|CHZZK rejected", "why.chzzk_client"),
    (r"HTTP 403|FORBIDDEN|scope", "why.chzzk_scope"),
    (r"HTTP 404|model.*not found|does not exist", "why.not_found"),
    (r"HTTP 5\d\d", "why.server"),
    (r"HTTP 4\d\d", "why.refused"),
    (r"already in use|EADDRINUSE|address in use|errno 98|errno 10048", "why.port_busy"),
    (r"no audio output devices|no output device", "why.no_output_device"),
    (r"output device .* not found", "why.output_device_missing"),
    (r"no audio input devices|input device|no microphone", "why.no_input_device"),
    (r"device lost|output stream stopped|unplugged", "why.device_lost"),
    (r"PortAudio|sounddevice is not installed", "why.portaudio"),
    (r"espeak|no offline system voice|SAPI5", "why.espeak"),
    (r"CUDA|GPU|torch", "why.gpu"),
    (r"reference voice sample|ref_text|ref\.wav", "why.voice_sample"),
    (r"TTS worker|still loading|TTS engine .* unavailable", "why.tts_worker"),
    (r"timed out|timeout", "why.timeout"),
    (r"FileNotFoundError|No such file|does not exist|not found: ", "why.file_missing"),
    (r"PermissionError|No space left|read-only file system|disk", "why.file"),
    (r"connection failed|connect|refused|unreachable|not reachable|network|socket|ConnectionError",
     "why.connect"),
    (r"unusable answer|did not answer a JSON|unreadable completion|empty summary|stream error|not JSON",
     "why.bad_answer"),
    (r"JSONDecodeError|not valid JSON|expected an object", "why.bad_file"),
))


class UserFacingError(RuntimeError):
    """An error whose message is already UI text (what happened and what to do): shown as it is."""


def explain(error: object) -> str:
    """One sentence in the UI language: what happened and what to do (the raw ``error`` is the detail)."""
    if isinstance(error, UserFacingError):
        return str(error)
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error or "")
    for pattern, key in _WHY:
        if pattern.search(text):
            return tr(key)
    return tr("why.unknown")


def detail_of(error: object) -> str:
    """The technical detail of ``error`` for a tooltip or the log (exception type included, capped)."""
    text = f"{type(error).__name__}: {error}" if isinstance(error, BaseException) else str(error or "")
    return text if len(text) <= 500 else text[:499] + "…"


register({
    "note.unknown_emotion": ("모델이 모르는 감정({raw})을 골라 {used}(으)로 바꿨어요",
                             "the model picked an unknown emotion ({raw}); using {used}"),
    "note.no_emotion": ("감정이 없어서 {used}(으)로 정했어요", "no emotion given; using {used}"),
    "note.not_json": ("답이 JSON이 아니어서 글 그대로 썼어요", "the answer was not JSON; used as plain text"),
    "note.json_repaired": ("망가진 JSON을 고쳐서 읽었어요", "broken JSON was repaired"),
    "note.json_repaired_cut": ("잘린 JSON을 고쳐서 읽었어요 (답이 중간에 끊겼을 수 있어요)",
                               "cut-off JSON was repaired (the answer may be incomplete)"),
    "note.stream_cut": ("스트리밍이 일찍 끝났어요: 답이 중간에 끊겼을 수 있어요",
                        "the stream ended early; the reply may be cut off"),
    "note.schema_broken": ("모델이 JSON 형식을 어겨서 그 글을 되살렸어요",
                           "the model broke the JSON schema; its text was recovered"),
    "note.reasoning": ("모델의 생각 과정 글은 빼고 답만 썼어요", "the model's reasoning text was left out"),
    "note.flagged": ("검토 필요: {reason}", "needs review: {reason}"),
    "note.trimmed": ("너무 길어서 {before}자 → {after}자로 줄였어요 (REPLY_MAX_CHARS)",
                     "trimmed from {before} to {after} characters (REPLY_MAX_CHARS)"),
    "flag.banned_word": ("금지어 “{word}”", "banned word “{word}”"),
    "flag.banned_pattern": ("금지 패턴 “{word}”", "banned pattern “{word}”"),
    "flag.filter_failed": ("출력 필터가 실패해서 보류했어요", "the output filter failed; held"),
})

_NOTES: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"unknown emotion (?P<raw>.*) → (?P<used>\S+)", "note.unknown_emotion"),
    (r"no emotion → (?P<used>\S+)", "note.no_emotion"),
    (r"answer was not JSON; used as plain text", "note.not_json"),
    (r"JSON repaired \(answer was cut off\)", "note.json_repaired_cut"),
    (r"JSON repaired", "note.json_repaired"),
    (r"stream ended early.*", "note.stream_cut"),
    (r"model broke the JSON schema.*", "note.schema_broken"),
    (r"reasoning text ignored", "note.reasoning"),
    (r"trimmed: (?P<before>\d+) → (?P<after>\d+) characters.*", "note.trimmed"),
))


register({
    "voice.system": ("시스템 음성, 복제한 목소리 아님", "system voice, not the cloned voice"),
    "voice.cloned": ("복제한 목소리", "cloned voice"),
    "voice.cloned_streaming": ("복제한 목소리, 스트리밍", "cloned voice, streaming"),
    "voice.remote": ("원격 음성 {url}", "remote TTS {url}"),
    "voice.worker": ("로컬 음성 작업 ({engine})", "local TTS worker ({engine})"),
    "voice.fake": ("테스트 신호음 (가짜 엔진)", "test tone (fake engine)"),
    "voice.sapi": ("Windows SAPI5 음성", "Windows SAPI5 voice"),
})

# The engines' labels are wire data (the TTS worker's /health, in English): shown through this.
_VOICE: tuple[tuple[re.Pattern[str], str], ...] = tuple((re.compile(p), k) for p, k in (
    (r"system voice, not the cloned voice", "voice.system"),
    (r"(?<=\()cloned voice, streaming(?=\))", "voice.cloned_streaming"),
    (r"(?<=\()cloned voice(?=\))", "voice.cloned"),
    (r"^remote TTS (?P<url>\S+)$", "voice.remote"),
    (r"^local TTS worker \((?P<engine>[^)]*)\)$", "voice.worker"),
    (r"^test tone \(fake engine\)", "voice.fake"),
    (r"Windows SAPI5 voice", "voice.sapi"),
))


def voice_label(label: str) -> str:
    """An engine's label (``espeak-ng 'ko' (system voice, not the cloned voice)``) in the UI language."""
    text = str(label or "")
    for pattern, key in _VOICE:
        text = pattern.sub(lambda m, k=key: tr(k, **m.groupdict()), text)
    return text


def flag_reason(reason: str) -> str:
    """Why a draft is held, in the UI language (the banned word itself is kept as written)."""
    m = re.fullmatch(r"banned (word|pattern): (?P<word>.*)", reason or "", re.S)
    if m:
        return tr(f"flag.banned_{m.group(1)}", word=m.group("word"))
    if reason == "output filter failed":
        return tr("flag.filter_failed")
    return reason


def reply_note(note: str) -> str:
    """A draft's note (English in the core, for logs and tests) in the UI language."""
    if note.startswith("flagged: "):
        return tr("note.flagged", reason=flag_reason(note[len("flagged: "):]))
    for pattern, key in _NOTES:
        m = pattern.fullmatch(note)
        if m:
            kw = m.groupdict()
            if "used" in kw:
                kw["used"] = emotion_label(kw["used"])
            return tr(key, **kw)
    return note
