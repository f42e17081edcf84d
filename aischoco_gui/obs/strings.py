"""UI text for the OBS area (Korean first, English second)."""

from aischoco_gui.i18n import register

register({
    "service.obs": ("OBS", "OBS"),
    "obs.off": ("꺼짐 — 설정에서 OBS 연결을 켜야 써요 (OBS_WS_PASSWORD 또는 OBS_BRB_SCENE, OBS_ENABLED)",
                "off — turn the OBS connection on in settings (OBS_WS_PASSWORD or OBS_BRB_SCENE, OBS_ENABLED)"),
    "obs.connecting": ("{url}에 연결하는 중…", "connecting to {url}…"),
    "obs.ready": ("연결됨 · 방송 장면: {scene}", "connected · program scene: {scene}"),
    "obs.down": ("OBS에 연결 안 됨 ({url}): OBS를 켜고 도구 → WebSocket 서버 설정에서 'WebSocket 서버 사용'을 "
                 "켜세요. {delay}초 뒤 다시 시도해요",
                 "Not connected to OBS ({url}): start OBS and enable 'Enable WebSocket server' in Tools → "
                 "WebSocket Server Settings. Retrying in {delay} s"),
    "obs.auth_failed": ("OBS 비밀번호가 틀렸어요 (OBS가 닫음: 4009). OBS의 도구 → WebSocket 서버 설정 → '연결 정보 "
                        "표시'의 비밀번호를 설정의 OBS_WS_PASSWORD에 넣고 '연결'을 누르세요",
                        "Wrong OBS password (OBS closed with 4009). Copy the password from OBS Tools → WebSocket "
                        "Server Settings → 'Show Connect Info' into OBS_WS_PASSWORD in settings, then click "
                        "'Connect'"),
    "obs.password_missing": ("OBS가 비밀번호를 요구해요: 설정에 OBS_WS_PASSWORD를 넣고 '연결'을 누르세요",
                             "OBS asks for a password: set OBS_WS_PASSWORD in settings, then click 'Connect'"),
    "obs.error": ("OBS 연결 오류: {error}", "OBS connection error: {error}"),
    "obs.brb_missing": ("BRB 장면 '{scene}'이(가) OBS에 없어요 — OBS 패널에서 다시 고르세요",
                        "BRB scene '{scene}' is not in OBS — pick it again in the OBS panel"),
    "obs.no_brb": ("BRB 장면이 정해지지 않았어요 — OBS 패널에서 고르세요",
                   "No BRB scene set — pick one in the OBS panel"),
    "obs.scene_not_found": ("OBS에 '{scene}' 장면이 없어요 (600 ResourceNotFound)",
                            "OBS has no scene '{scene}' (600 ResourceNotFound)"),
    "obs.not_connected": ("OBS에 연결되어 있지 않아요", "OBS is not connected"),
    "obs.not_configured": ("OBS 연결이 설정되지 않았어요", "The OBS connection is not configured"),
})
