"""UI text for the VTS area (Korean first, English second)."""

from aischoco_gui.i18n import register

register({
    "settings.lipsync_mode": ("립싱크 방식", "Lip sync mode"),
    "settings.vts_idle_motion": ("대기 모션", "Idle motion"),
    "vts.title": ("VTube Studio", "VTube Studio"),
    "vts.connection": ("연결", "Connection"),
    "vts.auth": ("인증", "Authentication"),
    "vts.auth.ok": ("인증됨", "authenticated"),
    "vts.auth.no": ("인증 안 됨", "not authenticated"),
    "vts.auth.waiting": ("VTS에서 '허용'을 눌러 주세요", "click 'Allow' in VTube Studio"),
    "vts.version": ("VTS 버전", "VTS version"),
    "vts.model": ("모델", "Model"),
    "vts.model.none": ("(모델 없음)", "(no model)"),
    "vts.rate": ("믹서 프레임", "Mixer frame rate"),
    "vts.rate.value": ("{fps:.1f} Hz · 지터 p50 {p50:.1f} ms / p99 {p99:.1f} ms",
                       "{fps:.1f} Hz · jitter p50 {p50:.1f} ms / p99 {p99:.1f} ms"),
    "vts.last_error": ("마지막 오류", "Last error"),
    "vts.selftest.vts_mic": ("립싱크 방식이 'VTS 마이크'예요: VTS가 마이크 입력으로 입을 움직여서 이 앱은 MouthOpen을 "
                             "보내지 않아요.",
                             "Lip sync mode is 'vts-mic': VTS moves the mouth from its microphone input, so this app "
                             "does not send MouthOpen."),
    "vts.selftest.moved": ("{id}이(가) {moved}만큼 움직였어요 ({source}).", "{id} moved by {moved} ({source})."),
    "vts.selftest.still": ("{id}이(가) 움직이지 않았어요 ({source}). 립싱크 방식과 VTS의 파라미터를 확인하세요.",
                           "{id} did not move ({source}). Check the lip sync mode and the parameter in VTS."),
    "vts.selftest.not_connected": ("VTube Studio에 연결되지 않아 아무것도 보내지 않았어요.",
                                   "Not connected to VTube Studio: nothing was sent."),
    "vts.selftest.source.speaker": ("실제 음성의 엔벨로프", "the voice's envelope"),
    "vts.selftest.source.synthetic": ("합성 엔벨로프", "a synthetic envelope"),
    "vts.frames_sent": ("보낸 프레임 {n}개", "{n} frames sent"),
    "vts.lipsync": ("립싱크", "Lip sync"),
    "vts.lipsync.envelope": ("오디오 엔벨로프 (가상 케이블 불필요)", "audio envelope (no virtual cable)"),
    "vts.lipsync.vts-mic": ("VTS 마이크 (VB-Cable)", "VTS microphone (VB-Cable)"),
    "vts.params": ("제어 중인 파라미터", "Controlled parameters"),
    "vts.reconnect": ("다시 연결", "Reconnect"),
    "vts.selftest": ("립싱크 자가 테스트", "Lip sync self-test"),
    "vts.selftest.running": ("테스트 중…", "testing…"),
    "vts.discover": ("VTS 찾기", "Find VTS"),
    "vts.discover.none": ("네트워크에서 VTS를 찾지 못했습니다", "no VTube Studio found on the network"),
    "vts.problems": ("매핑 문제", "Mapping problems"),
    "vts.missing_params": ("모델에 없는 파라미터 건너뜀: {ids}", "skipping parameters the model lacks: {ids}"),
    "vts.param_missing": ("{id} ({logical}) 파라미터가 VTube Studio에 없어 건너뜁니다 (다른 파라미터는 계속 보냄). "
                          "VTS에서 만들거나 pose_mapping.json을 고치세요.",
                          "parameter {id} ({logical}) does not exist in VTube Studio; skipping it (the others keep "
                          "flowing). Create it in VTS or fix pose_mapping.json."),
    "vts.unavailable": ("VTube Studio 아바타가 설정되지 않았습니다", "VTube Studio avatar is not set up"),
    "vts.status.stopped": ("멈춤", "stopped"),
    "vts.status.mixer_error": ("아바타 움직임 계산에 오류가 났어요 (자세한 내용은 로그). 계속 다시 시도해요",
                               "The avatar motion hit an error (details in the log); it keeps trying"),
    "vts.notice.mapping_problem": ("{path}에 문제가 있어요: VTS 상태 패널의 '매핑 문제'를 보고 고치세요",
                                   "{path} has a problem: see 'Mapping problems' in the VTS status panel"),
    "vts.notice.mapping_unreadable": ("{path}을(를) 읽을 수 없어 빈 포즈 매핑을 써요. 파일을 고치거나 "
                                      "감정 · 포즈 패널에서 다시 저장하세요",
                                      "{path} could not be read; using an empty pose mapping. Fix the file or "
                                      "save again from the Emotion · pose panel"),
    "vts.notice.custom_param_failed": ("VTube Studio에 {id} 파라미터를 만들지 못했어요. VTS에서 직접 만들거나 "
                                       "pose_mapping.json을 고치세요",
                                       "Could not create parameter {id} in VTube Studio. Create it in VTS or fix "
                                       "pose_mapping.json"),
    "vts.notice.hotkey_missing": ("{emotion} 감정의 단축키 “{hotkey}”가 지금 모델에 없어요. VTS의 단축키 이름을 "
                                  "확인하세요",
                                  "The hotkey “{hotkey}” for {emotion} is not in the current model. Check the "
                                  "hotkey's name in VTS"),
    "vts.notice.hotkey_cooldown": ("단축키 “{hotkey}”가 아직 대기 시간이에요 (포즈는 바뀌었어요)",
                                   "The hotkey “{hotkey}” is still cooling down (the pose changed anyway)"),
    "vts.notice.expression_failed": ("{emotion} 감정의 표정을 켜지 못했어요. VTS의 표정 파일을 확인하세요",
                                     "Could not switch on the expression for {emotion}. Check the expression "
                                     "file in VTS"),
    "vts.notice.param_failed": ("VTube Studio가 {id} 파라미터 값을 거절해서 잠시 빼고 보내요",
                                "VTube Studio refused parameter {id}; left out for a while"),
    "vts.notice.param_owned": ("다른 플러그인이 {id} 파라미터를 쓰고 있어서 잠시 빼고 보내요 (풀리면 다시 보내요)",
                               "Another plugin holds parameter {id}; left out until it is free again"),
    "vts.notice.frame_refused": ("VTube Studio가 아바타 움직임을 거절했어요. 계속 다시 보내요",
                                 "VTube Studio refused the avatar motion; it keeps sending"),
    "pose.title": ("감정 & 포즈", "Emotion & pose"),
    "pose.emotion": ("감정", "Emotion"),
    "pose.preview": ("전환 미리 보기", "Preview transition"),
    "pose.save": ("저장", "Save"),
    "pose.revert": ("되돌리기", "Revert"),
    "pose.add": ("파라미터 추가", "Add parameter"),
    "pose.remove": ("선택 삭제", "Remove selected"),
    "pose.fix": ("Param* 자동 수정", "Fix Param* ids"),
    "pose.logical": ("이름", "Name"),
    "pose.param": ("VTS 입력 파라미터", "VTS input parameter"),
    "pose.value": ("값", "Value"),
    "pose.transition": ("전환 (초)", "Transition (s)"),
    # the column headers (the whole name on hover)
    "pose.transition.short": ("초", "s"),
    "pose.param.short": ("VTS 파라미터", "VTS param"),
    "pose.curve.ease": ("부드러운 가감속", "Ease in/out"),
    "pose.saved": ("저장했습니다: {path}", "saved: {path}"),
    "pose.save_failed": ("저장 실패: {error}", "save failed: {error}"),
    "pose.add.prompt_name": ("이름 (예: head_tilt)", "Name (e.g. head_tilt)"),
    "pose.add.prompt_id": ("VTS 입력 파라미터 id (기본 입력 또는 새 커스텀 이름)",
                           "VTS input parameter id (a default input or a new custom name)"),
    "pose.unsaved": ("저장 안 된 변경", "unsaved changes"),
    "pose.problem.fix": ("{logical}: {pid} 는 Live2D 모델 파라미터라 주입할 수 없습니다. {fix} 같은 입력 "
                         "파라미터로 바꾸고 VTS 모델 설정에서 {fix} → {pid} 로 연결하세요.",
                         "{logical}: {pid} is a Live2D model parameter and cannot be injected. Use an input "
                         "such as {fix} and wire {fix} → {pid} in the VTS model settings."),
})
