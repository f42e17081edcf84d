"""The OBS service: the obs-websocket client, the scene list and the program scene, the "OBS" status light.

Implements :class:`aischoco_gui.protocols.ObsControl`. Nothing connects unless the user configured OBS
(``configured``; see ``Settings.obs_configured``): otherwise :meth:`ObsService.start` only sets the light
to "off" with the reason. The scene list and the current program scene are kept from ``GetSceneList`` at
each connect and from OBS's scene events (``CurrentProgramSceneChanged``, ``SceneListChanged``, scene
created/removed/renamed), and published on the bus as ``OBS_SCENES`` for the window.
"""

from __future__ import annotations

import logging
from typing import Any

from aischoco_gui.events import EventBus, EventKind, ServiceState
from aischoco_gui.i18n import tr
from aischoco_gui.obs import strings  # noqa: F401  (registers the UI text)
from aischoco_gui.obs.client import (
    STATUS_RESOURCE_NOT_FOUND,
    NotConnected,
    ObsClient,
    RequestFailed,
)
from aischoco_gui.tasks import TaskGroup
from aischoco_gui.user_text import explain

log = logging.getLogger(__name__)

SCENE_EVENTS = ("SceneListChanged", "SceneCreated", "SceneRemoved", "SceneNameChanged")


class SceneNotFound(RequestFailed):
    """OBS answered 600 ResourceNotFound for a scene name."""


class ObsService:
    name = "obs"

    def __init__(self, bus: EventBus, *, configured: bool, url: str, password: str = "", brb_scene: str = "",
                 backoff: tuple[float, float] = (0.5, 15.0), request_timeout_s: float = 5.0) -> None:
        self.bus = bus
        self.configured = configured
        self.url = url
        self.brb_scene = brb_scene
        self.scenes: list[str] = []  # as OBS's scene list shows them, top first
        self.current_scene = ""
        self.tasks = TaskGroup("obs", bus)
        self.client = ObsClient(url, password, on_state=self._on_state, on_ready=self._on_ready,
                                on_event=self._on_event, backoff=backoff, request_timeout_s=request_timeout_s)

    def __repr__(self) -> str:
        return f"ObsService(url={self.url!r}, configured={self.configured})"

    # -- lifecycle -----------------------------------------------------------------------------
    async def start(self) -> None:
        if not self.configured:
            self.bus.set_status("obs", ServiceState.OFF, tr("obs.off"))
            return
        self.tasks.spawn(self.client.run(), "client")

    async def stop(self) -> None:
        await self.client.close()
        await self.tasks.cancel_all()
        if self.configured:
            self.bus.set_status("obs", ServiceState.OFF, "")

    async def reconnect(self) -> None:
        if self.configured:
            await self.client.reconnect()

    @property
    def connected(self) -> bool:
        return self.client.ready

    @property
    def auth_failed(self) -> bool:
        return self.client.waiting_for_fix

    @property
    def brb_missing(self) -> bool:
        return bool(self.brb_scene) and bool(self.scenes) and self.brb_scene not in self.scenes

    # -- state ---------------------------------------------------------------------------------
    def _on_state(self, phase: str, detail: str, error: str | None) -> None:
        attempt = self.client.attempt
        if phase in ("connecting", "reconnecting") and error is None:
            state = ServiceState.CONNECTING if phase == "connecting" else ServiceState.RECONNECTING
            self.bus.set_status("obs", state, tr("obs.connecting", url=self.url), attempt=attempt)
        elif phase == "reconnecting":
            delay = f"{self.client.retry_in:.1f}"
            self.bus.set_status("obs", ServiceState.RECONNECTING, tr("obs.down", url=self.url, delay=delay),
                                error=error, attempt=attempt)
        elif phase == "ready":
            self.bus.set_status("obs", ServiceState.READY, tr("obs.ready", scene=self.current_scene or "…"),
                                error="")
        elif phase == "auth_failed":
            missing = "none is set" in (error or "")
            text = tr("obs.password_missing") if missing else tr("obs.auth_failed")
            self.bus.set_status("obs", ServiceState.ERROR, text, error=text)
            self.bus.notice(text, level="error")
        else:
            self.bus.set_status("obs", ServiceState.ERROR, tr("obs.error", error=explain(error or detail)),
                                error=error or detail)

    def _publish(self) -> None:
        self.bus.emit(EventKind.OBS_SCENES, current=self.current_scene, scenes=list(self.scenes),
                      connected=self.connected)
        if self.connected:
            extra = {"BRB": self.brb_scene} if self.brb_scene else {}
            self.bus.set_status("obs", ServiceState.READY, tr("obs.ready", scene=self.current_scene or "…"),
                                **extra)

    async def _on_ready(self) -> None:
        await self.refresh()
        if self.brb_missing:
            self.bus.notice(tr("obs.brb_missing", scene=self.brb_scene), level="warning")

    def _on_event(self, event_type: str, data: dict[str, Any]) -> None:
        if event_type == "CurrentProgramSceneChanged":
            self.current_scene = str(data.get("sceneName", "") or "")
            self._publish()
        elif event_type in SCENE_EVENTS:
            self.tasks.spawn(self.refresh(), "refresh-scenes")

    # -- requests ------------------------------------------------------------------------------
    async def refresh(self) -> list[str]:
        """Read the scene list and the program scene from OBS (``GetSceneList``)."""
        d = await self.client.request("GetSceneList")
        items = [s for s in d.get("scenes") or [] if isinstance(s, dict)]
        # OBS lists scenes bottom first (sceneIndex 0 is the last row of its Scenes dock): show them as OBS does
        items.sort(key=lambda s: int(s.get("sceneIndex", 0) or 0), reverse=True)
        self.scenes = [str(s.get("sceneName", "")) for s in items if s.get("sceneName")]
        self.current_scene = str(d.get("currentProgramSceneName", "") or "")
        self._publish()
        return list(self.scenes)

    async def program_scene(self) -> str:
        """The program scene now, read from OBS (not the cached value)."""
        self._require()
        d = await self.client.request("GetCurrentProgramScene")
        name = str(d.get("sceneName") or d.get("currentProgramSceneName") or "")
        self.current_scene = name
        return name

    async def set_program_scene(self, scene: str) -> None:
        """Switch OBS's program scene; :class:`SceneNotFound` when OBS has no such scene."""
        self._require()
        try:
            await self.client.request("SetCurrentProgramScene", {"sceneName": scene})
        except RequestFailed as e:
            if e.code == STATUS_RESOURCE_NOT_FOUND:
                raise SceneNotFound(e.request_type, e.code, tr("obs.scene_not_found", scene=scene)) from None
            raise
        log.info("OBS program scene → %r", scene)

    def _require(self) -> None:
        if not self.configured:
            raise NotConnected(tr("obs.not_configured"))
        if not self.connected:
            raise NotConnected(tr("obs.not_connected"))

    def snapshot(self) -> dict[str, Any]:
        """What the panel and the setup check show."""
        return {"configured": self.configured, "connected": self.connected, "url": self.url,
                "scenes": list(self.scenes), "current": self.current_scene, "brb": self.brb_scene,
                "brb_missing": self.brb_missing, "auth_failed": self.auth_failed,
                "last_error": self.client.last_error, "obs_version": self.client.obs_version}
