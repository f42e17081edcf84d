# ruff: noqa: E501  (a table of UI text: Korean lines are read whole, not wrapped)
"""Human text for settings: label and tooltip of every field (Korean, English), the dialog tab each
belongs to, and readable names for choice values. Qt-free, so the core can name a field in a
problem report and the dialog, banner and README use the same words.

Keys: ``setting.<field>`` (label), ``setting.<field>.tip`` (tooltip), ``setting.choice.<field>.<value>``.
"""

from __future__ import annotations

from aischoco_gui.i18n import register

# Dialog tabs, in order.
GROUPS: tuple[str, ...] = ("chat", "ai", "voice", "avatar", "overlay", "advanced")

# field → (tab, 한국어 label, English label, 한국어 tooltip, English tooltip)
FIELDS: dict[str, tuple[str, str, str, str, str]] = {
    "chat_source": ("chat", "채팅 소스", "Chat source",
                    "어디서 채팅을 받을지: 치지직 공식 API, 비공식(읽기 전용), 리허설(직접 입력).",
                    "Where chat comes from: CHZZK official API, unofficial (read-only), rehearsal (type it yourself)."),
    "chzzk_client_id": ("chat", "치지직 클라이언트 ID", "CHZZK client ID",
                        "치지직 개발자 센터에서 발급받은 애플리케이션 ID.",
                        "Application ID from the CHZZK developer center."),
    "chzzk_client_secret": ("chat", "치지직 클라이언트 시크릿", "CHZZK client secret",
                            "치지직 애플리케이션 비밀 키. 파일이 아니라 OS 자격 증명 저장소에 보관해요.",
                            "CHZZK application secret. Kept in the OS credential store, not in a file."),
    "chzzk_redirect_uri": ("chat", "치지직 리디렉션 주소", "CHZZK redirect URI",
                           "치지직 로그인 후 돌아올 주소. 개발자 센터에 등록한 값과 같아야 해요.",
                           "Where CHZZK login returns to; must match the one registered in the developer center."),
    "chzzk_channel_id": ("chat", "치지직 채널 ID", "CHZZK channel ID",
                         "채팅을 읽을 채널의 ID (방송 주소 끝부분).", "ID of the channel to read (end of its address)."),
    "chzzk_access_token": ("chat", "치지직 액세스 토큰", "CHZZK access token",
                           "로그인으로 받은 사용자 토큰.", "User token obtained by logging in."),
    "chzzk_openapi_base": ("advanced", "치지직 공식 API 주소", "CHZZK official API base",
                           "테스트용으로만 바꾸세요.", "Change only for testing."),
    "chzzk_api_base": ("advanced", "치지직 방송 상태 API 주소", "CHZZK live-status API base",
                       "비공식 경로에서 씀.", "Used by the unofficial path."),
    "chzzk_game_api_base": ("advanced", "치지직 채팅 토큰 API 주소", "CHZZK chat-token API base",
                            "비공식 경로에서 씀.", "Used by the unofficial path."),
    "chzzk_chat_ws_url": ("advanced", "치지직 채팅 서버 주소", "CHZZK chat server address",
                          "비공식 경로에서 씀.", "Used by the unofficial path."),
    "chzzk_live_poll_s": ("advanced", "방송 상태 확인 간격 (초)", "Live status poll interval (s)",
                          "비공식 경로에서 방송 상태를 확인하는 간격.", "How often the unofficial path checks the live status."),
    "chat_reconnect_base_s": ("advanced", "채팅 재연결 첫 대기 (초)", "Chat reconnect first wait (s)",
                              "연결이 끊기면 이만큼 기다린 뒤 다시 연결하고, 실패할수록 늘려요.",
                              "Wait before reconnecting after a drop; grows with each failure."),
    "chat_reconnect_max_s": ("advanced", "채팅 재연결 최대 대기 (초)", "Chat reconnect longest wait (s)",
                             "재연결 대기 시간의 상한.", "Upper bound of the reconnect wait."),
    "chat_panel_max": ("chat", "채팅 창에 남길 메시지 수", "Messages kept in the chat panel",
                       "이보다 오래된 채팅은 화면에서 지워져요 (기록에는 남아요).",
                       "Older chat is removed from the panel (not from the history)."),
    "chat_recent_size": ("advanced", "최근 채팅 수", "Recent chat size",
                         "AI에게 맥락으로 주는 최근 채팅 개수.", "How many recent chat lines the AI sees as context."),
    "groq_api_key": ("ai", "LLM API 키 (Groq)", "LLM API key (Groq)",
                     "Groq 콘솔에서 만든 키. OS 자격 증명 저장소에 보관해요.",
                     "Key from the Groq console. Kept in the OS credential store."),
    "groq_model": ("ai", "LLM 모델", "LLM model",
                   "답변을 만들 모델 이름, 예: openai/gpt-oss-120b.", "Model that writes replies, e.g. openai/gpt-oss-120b."),
    "llm_base_url": ("ai", "LLM 서버 주소", "LLM server address",
                     "OpenAI 호환 서버의 주소 (기본: Groq).", "Address of an OpenAI-compatible server (default: Groq)."),
    "llm_timeout_s": ("ai", "LLM 응답 제한 시간 (초)", "LLM timeout (s)",
                      "이 시간 안에 답이 없으면 다시 시도해요.", "Retry when no answer arrives within this time."),
    "llm_max_retries": ("advanced", "LLM 재시도 횟수", "LLM retries",
                        "실패했을 때 다시 시도하는 횟수.", "How often a failed request is retried."),
    "llm_provider": ("ai", "LLM 제공자", "LLM provider",
                     "자동이면 서버 주소로 판단해요.", "Automatic: decided from the server address."),
    "llm_mode": ("ai", "LLM 응답 방식", "LLM reply mode",
                 "JSON(한 번에) 또는 스트리밍(문장마다 먼저 말하기). 자동이면 모델에 맞춰요.",
                 "JSON (all at once) or streaming (speak sentence by sentence). Automatic picks per model."),
    "llm_fallbacks": ("ai", "대체 LLM", "Fallback LLMs",
                      "첫 서버가 안 될 때 차례로 쓸 서버, 쉼표로 구분 (예: cerebras, ollama=qwen2.5:7b).",
                      "Servers tried in turn when the first fails, comma separated (e.g. cerebras, ollama=qwen2.5:7b)."),
    "cerebras_api_key": ("ai", "Cerebras API 키", "Cerebras API key",
                         "대체 LLM으로 Cerebras를 쓸 때만 필요해요.", "Only needed when Cerebras is a fallback."),
    "openai_api_key": ("ai", "OpenAI API 키", "OpenAI API key",
                       "대체 LLM으로 OpenAI를 쓸 때만 필요해요.", "Only needed when OpenAI is a fallback."),
    "llm_max_tokens": ("advanced", "LLM 최대 토큰", "LLM max tokens",
                       "한 답변에 쓸 수 있는 최대 토큰 수.", "Most tokens one reply may use."),
    "llm_temperature": ("advanced", "LLM 온도", "LLM temperature",
                        "0보다 작으면 제공자 기본값.", "Below 0: the provider's default."),
    "llm_retry_backoff_s": ("advanced", "LLM 재시도 대기 (초)", "LLM retry backoff (s)",
                            "재시도 전에 기다리는 시간.", "Wait before a retry."),
    "llm_emotions": ("advanced", "감정 목록", "Emotions",
                     "비우면 pose_mapping.json의 감정을 써요.", "Empty: the emotions of pose_mapping.json."),
    "llm_banned_words": ("ai", "금지어", "Banned words",
                         "채팅·AI 답변·오버레이·채팅 에코·공지에 쓰지 않을 단어, 쉼표로 구분. 띄어 쓰기, 점, 조사, 자모, 닮은 글자로 바꿔 써도 잡아요. 'leet:' 을 앞에 붙이면 숫자·기호로 바꾼 글자(5h1t)도 잡아요. AI 답변에 나오면 보류해요.",
                         "Words kept out of chat, AI replies, the overlay, chat echo and notices, comma separated; caught also when spaced, dotted, with Korean particles, typed as jamo or with look-alike letters. Prefix 'leet:' to catch digits/symbols for letters (5h1t). An AI reply with one is held."),
    "word_filter_allow": ("ai", "허용 단어", "Allowed words",
                          "금지어가 들어 있지만 괜찮은 단어(시발점, 병신년 …), 쉼표로 구분. 이 단어 안에서는 금지어로 보지 않아요.",
                          "Innocent words that contain a banned one (시발점 'starting point', 병신년 …), comma separated: a banned word inside one of them is not held."),
    "word_filter_leet": ("ai", "모든 금지어에 리트 표기", "Leetspeak for every banned word",
                         "켜면 모든 금지어에서 숫자·기호로 바꾼 글자(5h1t, b4d)도 잡아요. 평범한 채팅이 걸릴 수 있어 기본은 꺼짐; 단어마다 'leet:' 을 붙여도 돼요.",
                         "On: digits/symbols for letters (5h1t, b4d) are caught for every banned word. Off by default (it can hold ordinary chat); prefix single words with 'leet:' instead."),
    "history_summary_threshold": ("ai", "요약 시작 토큰 수", "Summarise from (tokens)",
                                  "대화 기억이 이만큼 쌓이면 오래된 부분을 요약해요.",
                                  "When the memory reaches this many tokens, the oldest part is summarised."),
    "history_keep_tokens": ("ai", "요약 후 남길 토큰 수", "Keep after summary (tokens)",
                            "요약한 뒤 그대로 남기는 최근 대화의 양.", "Recent turns kept verbatim after a summary."),
    "history_max_tokens": ("ai", "대화 기억 최대 토큰", "Memory hard limit (tokens)",
                           "요청에 넣는 대화 기억의 상한.", "Most memory sent with a request."),
    "tts_engine": ("voice", "음성 엔진", "Voice engine",
                   "qwen(로컬 GPU), remote(원격 서버), system(오프라인 기본 음성). 자동이면 쓸 수 있는 것 중 가장 좋은 것.",
                   "qwen (local GPU), remote (server), system (offline OS voice). Automatic: the best available."),
    "tts_remote_url": ("voice", "원격 음성 서버 주소", "Remote voice server",
                       "다른 PC의 TTS 서버 주소, 예: http://192.168.0.10:8000.",
                       "TTS server on another PC, e.g. http://192.168.0.10:8000."),
    "tts_output_device": ("voice", "오디오 출력 장치", "Audio output device",
                          "목소리를 내보낼 장치 (예: VB-Cable). wav:경로 는 파일로 저장, null 은 버림.",
                          "Device for the voice (e.g. VB-Cable). wav:PATH writes a file, null discards."),
    "tts_fallback": ("advanced", "대체 음성 엔진", "Fallback voice engines",
                     "주 엔진이 안 될 때 차례로 쓸 엔진, 쉼표로 구분.", "Engines tried after the main one, comma separated."),
    "qwen_tts_model": ("voice", "Qwen 음성 모델", "Qwen voice model",
                       "모델 이름 또는 폴더 (1.7B 또는 0.6B).", "Model name or folder (1.7B or 0.6B)."),
    "qwen_tts_device": ("advanced", "Qwen 실행 장치", "Qwen device",
                        "예: cuda:0, cpu.", "E.g. cuda:0, cpu."),
    "tts_system_voice": ("advanced", "오프라인 음성", "Offline voice",
                         "오프라인 엔진(espeak-ng)의 목소리, 예: ko.", "Voice of the offline engine (espeak-ng), e.g. ko."),
    "tts_sentence_max_chars": ("advanced", "TTS 한 번에 보낼 최대 글자 수", "TTS max characters per request",
                               "이보다 긴 문장은 쉼표나 띄어쓰기에서 나눠 보내요 (서버 길이 제한으로 소리가 안 나는 일 방지).",
                               "Longer sentences are split at a comma or space (so a server's length limit never silences a reply)."),
    "vts_url": ("avatar", "VTube Studio 주소", "VTube Studio address",
                "VTube Studio API 주소, 기본 ws://localhost:8001.", "VTube Studio API address, default ws://localhost:8001."),
    "lipsync_mode": ("avatar", "입 모양 방식", "Lip sync",
                     "목소리 크기로 입을 직접 움직이거나, VTS 마이크 입력(VB-Cable)을 써요.",
                     "Move the mouth from the voice level, or use VTS's microphone input (VB-Cable)."),
    "vts_idle_motion": ("avatar", "대기 중 움직임", "Idle motion",
                        "말하지 않을 때 숨쉬기처럼 조금씩 움직여요.", "Small breathing-like motion while silent."),
    "overlay_host": ("overlay", "오버레이 접속 허용 주소", "Overlay bind address",
                     "127.0.0.1 이면 이 PC에서만 열려요.", "127.0.0.1: reachable from this PC only."),
    "overlay_port": ("overlay", "오버레이 포트", "Overlay port",
                     "OBS 브라우저 소스가 여는 포트 (0 = 빈 포트 아무거나).",
                     "Port the OBS browser source opens (0 = any free port)."),
    "approval_mode": ("chat", "승인 방식", "Approval mode",
                      "수동: 답변마다 직접 승인. 자동: 바로 또는 몇 초 뒤 자동 승인.",
                      "Manual: approve each reply. Automatic: approve at once or after some seconds."),
    "auto_approve_seconds": ("chat", "자동 승인 대기 (초, 0 = 끔)", "Auto-approve after (s, 0 = off)",
                             "답변이 대기열에 이만큼 머물면 자동 승인해요.",
                             "A reply waiting this long in the queue is approved automatically."),
    "max_pending_drafts": ("advanced", "대기 답변 최대 수", "Most waiting replies",
                           "승인을 기다리는 답변이 이만큼이면 새 답변을 만들지 않아요.",
                           "No new replies while this many wait for approval."),
    "batch_max_messages": ("advanced", "한 번에 읽는 채팅 수", "Chat batch size",
                           "AI에게 한 번에 보내는 채팅의 최대 개수.", "Most chat lines sent to the AI at once."),
    "tarot_enabled": ("chat", "타로 코너", "Tarot corner",
                      "시청자가 타로 점을 요청할 수 있어요.", "Viewers can ask for a tarot reading."),
    "ui_language": ("advanced", "화면 언어", "UI language",
                    "앱의 표시 언어.", "Language of the app."),
    "ui_theme": ("advanced", "화면 테마", "Theme",
                 "시스템: 운영체제 모양 그대로 · 밝게 · 어둡게 (어두운 방송 방에서). 바로 적용돼요.",
                 "System: as the desktop draws it · light · dark (for a dark streaming room). Applies at once."),
    "log_console_level": ("advanced", "콘솔 로그 수준", "Console log level",
                          "콘솔에 보여줄 최소 수준 (파일에는 모두 남아요).",
                          "Lowest level shown on the console (the file keeps everything)."),
    "log_max_mb": ("advanced", "로그 파일 크기 (MB)", "Log file size (MB)",
                   "이 크기가 되면 새 로그 파일을 시작해요.", "Start a new log file at this size."),
    "log_backup_count": ("advanced", "보관할 로그 파일 수", "Log files kept",
                         "오래된 로그 파일을 몇 개까지 남길지.", "How many old log files are kept."),
    "reply_max_chars": ("advanced", "답변 최대 길이 (글자)", "Longest reply (characters)",
                        "모든 답변(채팅, 타로, 잡담…)을 이 길이에서 문장 단위로 잘라요.",
                        "Every draft (chat reply, tarot, idle talk…) is cut to this at a sentence boundary."),
    # show tools (aischoco_gui/show/)
    "chzzk_chat_echo": ("chat", "채팅으로 답장 올리기", "Post replies to chat",
                        "말한 답변을 치지직 채팅에도 올려요 (100자 이하, 채팅 쓰기 권한 필요).",
                        "Posts each spoken reply to CHZZK chat (≤ 100 characters; needs the chat-write scope)."),
    "chat_echo_mode": ("chat", "긴 답장 채팅 처리", "Long replies in chat",
                       "나눠 보내기: 문장 단위로 여러 메시지. 줄이기: 한 메시지로 줄이고 …을 붙여요.",
                       "Split: several messages on sentence boundaries. Trim: one message ending in …."),
    "chat_echo_min_interval_s": ("advanced", "채팅 답장 최소 간격 (초)", "Chat echo minimum interval (s)",
                                 "채팅으로 올리는 메시지 사이의 최소 간격.", "Least time between posted chat messages."),
    "chat_echo_burst": ("advanced", "채팅 답장 연속 허용 수", "Chat echo burst",
                        "쉬었다가 한 번에 올릴 수 있는 메시지 수.", "Messages that may go out at once after a pause."),
    "idle_talk_seconds": ("chat", "조용할 때 잡담 제안 (초, 0=끔)", "Idle talk after quiet chat (s, 0 = off)",
                          "이만큼 채팅이 없으면 주제 목록에서 잡담 한 줄을 제안해요 (승인 대기열로).",
                          "After this long without usable chat, propose one small-talk line (to the approval queue)."),
    "thanks_donation_levels": ("chat", "후원 감사 단계", "Donation thanks levels",
                               "금액:지시;… 형식. 비워 두면 기본 단계를 써요.",
                               "amount:instruction;… — empty uses the built-in levels."),
    "thanks_subscription_levels": ("chat", "구독 감사 단계", "Subscription thanks levels",
                                   "개월:지시;… 형식. 비워 두면 기본 단계를 써요.",
                                   "months:instruction;… — empty uses the built-in levels."),
    "thanks_auto_approve": ("chat", "감사 멘트 자동 승인", "Auto-approve thanks",
                            "후원·구독 감사는 바로 승인해요. 필터에 걸린 것은 그래도 기다려요.",
                            "Thanks for donations and subscriptions are approved at once; flagged ones still wait."),
    "run_sheet_enabled": ("chat", "진행표 사용", "Use the run sheet",
                          "config/run_sheet.json의 시간별 멘트를 때가 되면 초안으로 만들어요.",
                          "Timed cues from config/run_sheet.json become drafts at their time."),
    # show recording (aischoco_gui/record/)
    "show_record": ("chat", "방송 기록 (다시 보기용)", "Record shows (for replay)",
                    "켜면 방송마다 채팅·AI 요청과 답·승인·타이밍을 history/shows/에 한 줄씩 기록해요 (키와 토큰은 빼고). "
                    "파일 → 쇼 다시 보기…로 새 페르소나·모델에 다시 돌려 볼 수 있어요.",
                    "On: every show's chat, LLM requests and answers, approvals and timings go to history/shows/, one "
                    "line per event (never keys or tokens). Replay them against a new persona or model (File → Replay a show…)."),
    "show_record_rotate_mb": ("advanced", "방송 기록 파일 최대 크기 (MB)", "Show recording part size (MB)",
                              "한 파일이 이보다 커지면 다음 파일(.part2 …)로 이어서 기록해요.",
                              "Beyond this size the recording continues in a next part (.part2 …)."),
    "show_record_keep_days": ("chat", "방송 기록 보관 (일, 0=모두)", "Keep show recordings (days, 0 = all)",
                              "이보다 오래된 방송 기록은 시작할 때 지워요.",
                              "Recordings older than this are deleted at start."),
    # co-host microphone (aischoco_gui/stt/)
    "mic_mode": ("voice", "마이크 (코호스트) 모드", "Microphone (co-host) mode",
                 "끔 / 코호스트: 말할 때마다 AI가 대답 / 눌러서 말하기: 키를 누른 동안만 들어요.",
                 "Off / co-host: every utterance is a turn / push-to-talk: only while the key is held."),
    "stt_input_device": ("voice", "마이크 장치", "Microphone device",
                         "장치 이름이나 번호, default, 또는 off. 헤드셋을 쓰면 AI 목소리가 다시 들리지 않아요.",
                         "Device name or index, default, or off. A headset keeps the AI's voice out of the mic."),
    "stt_engine": ("voice", "음성 인식 엔진", "Speech-to-text engine",
                   "원격: Groq Whisper 등 OpenAI 호환 서버로 보내요. 로컬: 이 PC에서 faster-whisper.",
                   "Remote: an OpenAI-compatible server such as Groq Whisper. Local: faster-whisper on this PC."),
    "stt_base_url": ("voice", "음성 인식 서버 주소", "Speech-to-text server",
                     "비워 두면 LLM 서버 주소를 써요.", "Empty uses the LLM server address."),
    "stt_api_key": ("voice", "음성 인식 API 키", "Speech-to-text API key",
                    "비워 두면 LLM API 키를 써요.", "Empty uses the LLM API key."),
    "stt_model": ("voice", "음성 인식 모델", "Speech-to-text model",
                  "원격 서버의 Whisper 모델 이름.", "Whisper model name on the remote server."),
    "stt_language": ("voice", "음성 인식 언어", "Speech-to-text language",
                     "ISO 언어 코드 (ko, en…). 비우면 자동.", "ISO language code (ko, en…); empty = detect."),
    "stt_vad_hangover_ms": ("voice", "말 끝 판단 침묵 (ms)", "Silence that ends an utterance (ms)",
                            "이만큼 조용하면 말이 끝난 것으로 봐요.", "This much silence ends an utterance."),
    "barge_in": ("voice", "끼어들기", "Barge-in",
                 "AI가 말하는 중에 스트리머가 말하면: 무시 / AI 소리 줄이기 / AI 멈추기.",
                 "When the streamer talks over the AI: ignore / lower the AI / stop the AI."),
    "stt_local_model": ("voice", "로컬 음성 인식 모델", "Local speech-to-text model",
                        "처음 쓸 때 내려받아요 (진행률 표시).", "Downloaded on first use (with progress)."),
    "mic_ptt_key": ("voice", "눌러서 말하기 키", "Push-to-talk key",
                    "이 키를 누르고 있는 동안만 마이크를 들어요 (Windows에서는 다른 프로그램을 쓰는 중에도, 그 밖에서는 "
                    "창이 활성일 때). 키 하나: F1–F24, A–Z, 0–9, Pause, ScrollLock 등. 예: F8.",
                    "The microphone listens only while this key is held (on Windows also while another program "
                    "has focus, elsewhere while this window is focused). One key: F1–F24, A–Z, 0–9, Pause, "
                    "ScrollLock, …. E.g. F8."),
    "mic_director_key": ("voice", "연출 지시 키", "Director whisper key",
                         "누른 채 말하면 다음 대답을 위한 비공개 지시가 돼요. 방송에는 나가지 않아요. 예: F9.",
                         "Hold and speak: a private instruction for the next reply, never broadcast. E.g. F9."),
    # OBS over obs-websocket (aischoco_gui/obs/) and lockdown (aischoco_gui/lockdown/)
    "obs_enabled": ("overlay", "OBS 연결", "OBS connection",
                    "자동: 비밀번호·BRB 장면·주소 중 하나를 넣으면 켜져요. 켬/끔으로 직접 정할 수도 있어요. 꺼져 있으면 OBS에 아무것도 하지 않아요.",
                    "Automatic: on once a password, a BRB scene or an address is set. On/off decide it yourself. While off, nothing in OBS is touched."),
    "obs_ws_url": ("overlay", "OBS WebSocket 주소", "OBS WebSocket address",
                   "OBS의 도구 → WebSocket 서버 설정의 주소, 기본 ws://127.0.0.1:4455.",
                   "The address from OBS Tools → WebSocket Server Settings, default ws://127.0.0.1:4455."),
    "obs_ws_password": ("overlay", "OBS WebSocket 비밀번호", "OBS WebSocket password",
                        "OBS의 도구 → WebSocket 서버 설정 → '연결 정보 표시'의 비밀번호. OS 자격 증명 저장소에 보관해요.",
                        "The password from OBS Tools → WebSocket Server Settings → 'Show Connect Info'. Kept in the OS credential store."),
    "obs_brb_scene": ("overlay", "BRB(잠시 자리 비움) 장면", "BRB scene",
                      "잠금 때 OBS가 바꿀 장면. OBS 패널에서 OBS의 실제 장면 목록으로 고르는 게 쉬워요.",
                      "The scene lockdown switches OBS to. Easiest picked from OBS's real scene list in the OBS panel."),
    "lockdown_chat": ("chat", "잠금 때 채팅 제한", "Chat restriction on lockdown",
                      "slow:초 (3, 5, 10, 30, 60, 120, 300), followers 또는 followers:분, subscribers, off. 쉼표로 함께 쓸 수 있어요. 해제하면 잠글 때 읽은 설정으로 되돌려요.",
                      "slow:SECONDS (3, 5, 10, 30, 60, 120, 300), followers or followers:MINUTES, subscribers, off; combine with commas. Lifting puts back the settings read at lockdown."),
    "lockdown_key": ("chat", "잠금 단축키", "Lockdown key",
                     "한 번 누르면 잠금 (창이 활성일 때). 예: Ctrl+Shift+F12. F12 단독은 긴급 정지 키예요.",
                     "Press once to lock down (while the window is active). E.g. Ctrl+Shift+F12. F12 alone is the panic key."),
    # issue 23: every setting is reachable in the dialog; the rarely changed ones sit on the advanced tab
    "tts_remote_model": ("advanced", "원격 음성 모델 이름", "Remote voice model name",
                         "OpenAI 방식 /v1/audio/speech 서버에 보내는 model 값 (그 서버가 기대하는 이름).",
                         "The model sent to an OpenAI-style /v1/audio/speech server (the name it expects)."),
    "tts_remote_api_key": ("advanced", "원격 음성 서버 키", "Remote voice server key",
                           "유료 TTS 서버의 Bearer 키. 원격 음성 서버 주소로만 보내요.",
                           "Bearer key of a hosted TTS server; sent only to the remote voice server."),
    "vts_face_found": ("advanced", "얼굴 인식됨 신호 보내기", "Send 'face found'",
                       "앱이 모델을 움직이는 동안 VTS에 얼굴이 보인다고 알려요. 웹캠 트래킹을 같이 쓰면 끄세요.",
                       "Tell VTS a face is tracked while the app drives the model; turn off with webcam tracking."),
    "vts_idle_hz": ("advanced", "대기 중 프레임 수 (초당)", "Idle frames per second",
                    "말하지 않고 대기 움직임만 있을 때 VTS로 보내는 초당 프레임 수 (말할 때는 30).",
                    "Frames per second sent to VTS while only the idle motion moves (30 while speaking)."),
    "vts_thread": ("advanced", "VTS 연결을 별도 스레드에서", "VTS link on its own thread",
                   "창을 그리느라 아바타 프레임이 늦지 않게 해요. 문제가 있을 때만 끄세요.",
                   "Painting the window cannot delay the avatar's frames. Turn off only if it causes trouble."),
    "stt_timeout_s": ("advanced", "음성 인식 제한 시간 (초)", "Speech-to-text timeout (s)",
                      "한 번의 음성 인식 요청을 기다리는 최대 시간.", "Longest wait for one transcription request."),
    "stt_vad_threshold": ("advanced", "말소리 판단 기준 (0–1)", "Speech probability threshold (0–1)",
                          "이 값보다 말소리일 확률이 높으면 말하는 중으로 봐요.",
                          "Above this probability the microphone counts as speech."),
    "stt_vad_min_ms": ("advanced", "가장 짧은 발화 (ms)", "Shortest utterance (ms)",
                       "이보다 짧은 소리는 버려요 (기침, 클릭).", "Shorter sounds are dropped (coughs, clicks)."),
    "stt_vad_preroll_ms": ("advanced", "말 시작 전 포함 (ms)", "Audio kept before speech (ms)",
                           "말이 시작되기 직전의 소리를 이만큼 같이 보내요 (첫 음절이 잘리지 않게).",
                           "This much audio before the onset is sent too (the first syllable is kept)."),
    "stt_vad_max_s": ("advanced", "가장 긴 발화 (초)", "Longest utterance (s)",
                      "이보다 길면 끊어서 보내요.", "Longer speech is cut and sent in parts."),
    "barge_in_duck_gain": ("advanced", "끼어들 때 AI 소리 크기 (0–1)", "AI volume while talked over (0–1)",
                           "끼어들기가 '소리 줄이기'일 때 AI 목소리를 이만큼으로 줄여요.",
                           "With barge-in 'lower the AI', the AI's voice goes down to this."),
    # viewer memory (aischoco_gui/viewers/)
    "viewer_memory": ("ai", "시청자 기억", "Viewer memory",
                      "시청자마다 카드(닉네임, 방문, 후원, 메모, 사실)를 history/viewers.sqlite3에 남기고, 대답할 때 그 시청자의 카드를 함께 보내요.",
                      "Keeps a card per viewer (nicknames, visits, donations, your note, facts) in history/viewers.sqlite3 and sends that viewer's card with a reply."),
    "viewer_card_tokens": ("ai", "시청자 카드 크기 (토큰)", "Viewer card size (tokens)",
                           "대답 한 번에 시청자 한 명의 카드가 쓸 수 있는 최대 토큰. 넘으면 오래된 사실부터 빼요 (30–1000).",
                           "Most tokens one viewer's card may use in a reply; the oldest facts go first when over (30–1000)."),
    "viewer_facts_auto_accept": ("ai", "제안된 사실 자동 저장", "Store proposed facts automatically",
                                 "AI가 제안한 시청자 사실을 묻지 않고 저장해요. 끄면 답변 옆에서 수락/수정/거절해요.",
                                 "Facts the AI proposes about a viewer are stored without asking; off: accept, edit or reject them beside the replies."),
}

# Readable names for choice values; "" always has one, so no combo shows a blank entry.
CHOICES: dict[tuple[str, str], tuple[str, str]] = {
    ("*", ""): ("자동 / 설정 안 함", "Automatic / not set"),
    ("chat_source", ""): ("자동 (치지직 설정 전엔 리허설)", "Automatic (rehearsal until CHZZK is set up)"),
    ("chat_source", "rehearsal"): ("리허설 (직접 입력)", "Rehearsal (type chat yourself)"),
    ("chat_source", "chzzk"): ("치지직 공식 API", "CHZZK official API"),
    ("chat_source", "chzzk-unofficial"): ("치지직 비공식 (읽기 전용)", "CHZZK unofficial (read-only)"),
    ("approval_mode", "manual"): ("수동 승인", "Manual"),
    ("approval_mode", "auto"): ("자동 승인", "Automatic"),
    ("llm_provider", "auto"): ("자동", "Automatic"),
    ("llm_provider", "custom"): ("직접 지정", "Custom"),
    ("llm_provider", "groq"): ("Groq", "Groq"),
    ("llm_provider", "cerebras"): ("Cerebras", "Cerebras"),
    ("llm_provider", "openai"): ("OpenAI", "OpenAI"),
    ("llm_provider", "ollama"): ("Ollama (로컬)", "Ollama (local)"),
    ("llm_provider", "llamacpp"): ("llama.cpp (로컬)", "llama.cpp (local)"),
    ("llm_mode", "auto"): ("자동", "Automatic"),
    ("llm_mode", "json"): ("JSON (한 번에)", "JSON (all at once)"),
    ("llm_mode", "stream"): ("스트리밍 (문장마다)", "Streaming (per sentence)"),
    ("lipsync_mode", "envelope"): ("목소리 크기로 직접", "From the voice level"),
    ("lipsync_mode", "vts-mic"): ("VTS 마이크 입력", "VTS microphone input"),
    ("ui_language", "ko"): ("한국어", "Korean"),
    ("ui_language", "en"): ("영어", "English"),
    ("ui_theme", "system"): ("시스템 설정", "System"),
    ("ui_theme", "light"): ("밝게", "Light"),
    ("ui_theme", "dark"): ("어둡게", "Dark"),
    ("tts_engine", "qwen"): ("Qwen (로컬 GPU)", "Qwen (local GPU)"),
    ("tts_engine", "remote"): ("원격 서버", "Remote server"),
    ("tts_engine", "system"): ("오프라인 기본 음성", "Offline OS voice"),
    ("tts_engine", "fake"): ("시험용 (소리 없음)", "Test (silent)"),
    ("tts_output_device", ""): ("시스템 기본 장치", "System default device"),
    ("tts_output_device", "null"): ("버림 (소리 없음)", "Discard (no sound)"),
    ("stt_input_device", "off"): ("끔 (마이크 안 씀)", "Off (no microphone)"),
    ("stt_input_device", "default"): ("시스템 기본 마이크", "System default microphone"),
    ("viewer_memory", "on"): ("켬", "On"),
    ("viewer_memory", "off"): ("끔", "Off"),
    ("chzzk_chat_echo", "off"): ("끔", "Off"),
    ("chzzk_chat_echo", "on"): ("켬", "On"),
    ("show_record", "on"): ("켬", "On"),
    ("show_record", "off"): ("끔", "Off"),
    ("chat_echo_mode", "split"): ("나눠 보내기", "Split"),
    ("chat_echo_mode", "trim"): ("줄이기", "Trim"),
    ("mic_mode", "off"): ("끔", "Off"),
    ("mic_mode", "cohost"): ("코호스트 (말할 때마다)", "Co-host (every utterance)"),
    ("mic_mode", "ptt"): ("눌러서 말하기", "Push-to-talk"),
    ("stt_engine", "remote"): ("원격 서버", "Remote server"),
    ("stt_engine", "local"): ("로컬 (이 컴퓨터)", "Local (on this PC)"),
    ("barge_in", "off"): ("무시", "Ignore"),
    ("barge_in", "duck"): ("AI 소리 줄이기", "Lower the AI"),
    ("barge_in", "stop"): ("AI 멈추기", "Stop the AI"),
    ("obs_enabled", "auto"): ("자동 (설정하면 켜짐)", "Automatic (on once configured)"),
    ("obs_enabled", "on"): ("켬", "On"),
    ("obs_enabled", "off"): ("끔", "Off"),
    ("log_console_level", "DEBUG"): ("디버그", "Debug"),
    ("log_console_level", "INFO"): ("정보", "Info"),
    ("log_console_level", "WARNING"): ("경고", "Warning"),
    ("log_console_level", "ERROR"): ("오류", "Error"),
    ("log_console_level", "CRITICAL"): ("치명적", "Critical"),
}


def group_of(name: str) -> str:
    entry = FIELDS.get(name)
    return entry[0] if entry else "advanced"


def choice_key(name: str, value: str) -> str | None:
    """The i18n key that names ``value`` of field ``name`` (None: show the value itself)."""
    if (name, value) in CHOICES:
        return f"setting.choice.{name}.{value}"
    if value == "":
        return "setting.choice.*."
    return None


register({f"setting.{n}": (v[1], v[2]) for n, v in FIELDS.items()})
register({f"setting.{n}.tip": (v[3], v[4]) for n, v in FIELDS.items()})
register({f"setting.choice.{n}.{v}": t for (n, v), t in CHOICES.items()})
register({
    "group.chat": ("방송/채팅", "Stream/Chat"),
    "group.ai": ("AI", "AI"),
    "group.voice": ("음성", "Voice"),
    "group.avatar": ("아바타", "Avatar"),
    "group.overlay": ("오버레이", "Overlay"),
    "group.advanced": ("고급", "Advanced"),
    "setting.empty": ("(비어 있음)", "(empty)"),
    "setting.file_unreadable": ("설정 파일", "Settings file"),
    "setting.problem_default": (
        "{label} ({env}): {source}의 값 “{value}”이(가) 올바르지 않아 기본값 “{used}”을(를) 씁니다 — {message}",
        "{label} ({env}): “{value}” from {source} is not valid; using the default “{used}” — {message}"),
    "setting.problem_fallback": (
        "{label} ({env}): {source}의 값 “{value}”이(가) 올바르지 않아 {used_source}의 “{used}”을(를) 씁니다 — {message}",
        "{label} ({env}): “{value}” from {source} is not valid; using “{used}” from {used_source} — {message}"),
    "setting.problem_file": ("설정 파일 {source}을(를) 읽을 수 없어 건너뛰었어요 (파일은 그대로 둡니다): {message}",
                             "Could not read the settings file {source}; skipped it (the file is left as is): {message}"),
})


# The core's validation messages are English (they go to logs); the UI shows them in the UI language.
_PROBLEM_PATTERNS: tuple[tuple[str, str], ...] = (
    (r"expected true/false, got (?P<v>.*)", "켜기/끄기(true/false) 값이어야 해요 (입력: {v})"),
    (r"expected a whole number, got (?P<v>.*)", "정수여야 해요 (입력: {v})"),
    (r"expected a number, got (?P<v>.*)", "숫자여야 해요 (입력: {v})"),
    (r"must be one of (?P<c>.*) \(got (?P<v>.*)\)", "다음 중 하나여야 해요: {c} (입력: {v})"),
    (r"not an http\(s\) URL: (?P<v>.*)", "http:// 또는 https:// 로 시작하는 주소여야 해요 (입력: {v})"),
    (r"not a ws:// URL: (?P<v>.*)", "ws:// 또는 wss:// 로 시작하는 주소여야 해요 (입력: {v})"),
    (r"port must be 0–65535 \(got (?P<v>.*)\)", "포트는 0–65535 사이여야 해요 (입력: {v})"),
    (r"must be 0 \(off\) or more", "0(끔) 이상이어야 해요"),
    (r"must be more than 0", "0보다 커야 해요"),
    (r"must be at least 1", "1 이상이어야 해요"),
    (r"must be between (?P<a>[\d.]+) and (?P<b>[\d.]+) \(got (?P<v>.*)\)", "{a}에서 {b} 사이여야 해요 (입력: {v})"),
    (r"wav: needs a file path.*", "wav: 뒤에 파일 경로가 필요해요 (예: wav:C:/out.wav)"),
    (r"not a key combination: (?P<v>.*?) \(.*", "키 조합이 아니에요: {v} (예: Ctrl+Shift+F12)"),
    (r"F12 alone is the panic key.*", "F12 단독은 긴급 정지 키예요: Ctrl+Shift+F12 같은 조합을 쓰세요"),
    (r"slow mode must be one of (?P<c>.*) seconds \(got (?P<v>.*)\)", "저속 모드는 {c}초 중 하나여야 해요 (입력: {v})"),
    (r"follower minutes must be one of (?P<c>.*) \(got (?P<v>.*)\)", "팔로워 시간(분)은 {c} 중 하나여야 해요 (입력: {v})"),
    (r"not a lockdown chat setting: (?P<v>.*?) \(.*", "잠금 채팅 설정이 아니에요: {v} (slow:초, followers[:분], subscribers, off)"),
)


def localize_problem(message: str) -> str:
    """A validation message in the UI language (Korean text for the known English messages)."""
    import re  # noqa: PLC0415

    from aischoco_gui.i18n import language  # noqa: PLC0415

    if language() != "ko":
        return message
    for pattern, ko in _PROBLEM_PATTERNS:
        m = re.fullmatch(pattern, message)
        if m:
            return ko.format(**m.groupdict())
    return message


register({
    "setting.source.environment": ("환경 변수", "environment"),
    "setting.source.settings dialog": ("설정 창", "settings dialog"),
    "setting.source.credential store": ("OS 자격 증명 저장소", "OS credential store"),
    "setting.source.this session only": ("이번 실행만", "this session only"),
    "setting.source.default": ("기본값", "default"),
})


def source_text(source: str) -> str:
    """A settings layer name in the UI language (file paths stay as they are)."""
    from aischoco_gui.i18n import all_keys, tr  # noqa: PLC0415

    key = f"setting.source.{source}"
    return tr(key) if key in all_keys() else source


# Why a field still needs a restart (the tooltip of its "재시작 필요" tag); everything else applies live.
RESTART_REASONS: dict[str, str] = {
    "ui_language": "settings.restart.why.language",
    "tarot_enabled": "settings.restart.why.tarot",
    "log_console_level": "settings.restart.why.logs",
    "log_max_mb": "settings.restart.why.logs",
    "log_backup_count": "settings.restart.why.logs",
}

register({
    "settings.restart.why.language": ("창의 모든 글자는 시작할 때 만들어져서, 언어는 다시 시작해야 바뀌어요.",
                                      "Every text in the window is built at start, so the language changes after a restart."),
    "settings.restart.why.tarot": ("타로 코너는 시작할 때 채팅 처리와 오버레이 페이지에 연결돼요.",
                                   "The tarot corner is hooked into chat handling and the overlay pages at start."),
    "settings.restart.why.logs": ("로그 파일은 시작할 때 이 설정으로 열려요.",
                                  "The log files are opened with these settings at start."),
})


def restart_reason_key(name: str) -> str:
    """The i18n key that says why ``name`` needs a restart."""
    return RESTART_REASONS.get(name, "settings.restart.tip")
