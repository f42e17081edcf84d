"""VTube Studio session set-up: what happens once the client is connected and authenticated.

Part of :class:`aischoco_gui.vts.avatar.VTSAvatar` (a mixin; the facade owns the state): read the VTS
version, create the mapping's custom parameters, read the model and its input parameter ranges (mapped
ids the model lacks are skipped and named once), subscribe to model changes, take control, publish READY;
and the expressions/hotkeys an emotion triggers. Runs on the VTS loop (its own thread with ``VTS_THREAD``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from aischoco_gui.events import ServiceState
from aischoco_gui.i18n import emotion_label, tr
from aischoco_gui.vts.client import (
    ERR_HOTKEY_COOLDOWN,
    ERR_HOTKEY_NOT_FOUND,
    APIError,
    NotConnected,
    VTSClient,
)
from aischoco_gui.vts.loop_thread import BusPoster
from aischoco_gui.vts.mixer import ParamRange, PoseMixer
from aischoco_gui.vts.poses import PoseMapping


class SessionSetup:
    """The facade's state this part reads and writes (set in ``VTSAvatar.__init__``)."""

    client: VTSClient
    mixer: PoseMixer
    out: BusPoster
    state: ServiceState
    state_detail: str
    vts_version: str
    model_name: str
    model_loaded: bool
    hotkeys: list[dict[str, Any]]
    custom_created: list[str]
    missing: set[str]
    _vts_mapping: PoseMapping
    _excluded_at: dict[str, float]
    _active_expression: str | None
    _now: Callable[[], float]
    _error: Callable[..., None]
    _apply_mapping: Callable[..., None]
    _poke: Callable[[], None]
    # -- VTS session set-up ----------------------------------------------------------------
    async def _on_ready(self) -> None:
        try:
            st = await self.client.request("APIStateRequest")
            self.vts_version = str(st.get("vTubeStudioVersion", ""))
        except (APIError, TimeoutError) as e:
            self._error(str(e), notice=False)
        await self._create_custom_parameters()
        await self._refresh_model()
        try:
            await self.client.request("EventSubscriptionRequest", {
                "eventName": "ModelLoadedEvent", "subscribe": True, "config": {}})
        except (APIError, TimeoutError) as e:
            self._error(f"could not subscribe to model changes: {e}", notice=False)
        self._excluded_at.clear()
        self.mixer.excluded = set(self.missing)
        self.mixer.take_control(self._now())
        self._poke()
        self._publish_ready()

    def _ready_detail(self) -> str:
        detail = f"VTS {self.vts_version} · {self.model_name or tr('vts.model.none')}"
        if self.missing:
            detail += " · " + tr("vts.missing_params", ids=", ".join(sorted(self.missing)))
        return detail

    def _publish_ready(self) -> None:
        detail = self._ready_detail()
        self.state, self.state_detail = ServiceState.READY, detail
        self.out.set_status("vts", ServiceState.READY, detail, version=self.vts_version, model=self.model_name,
                            missing=sorted(self.missing))

    def _set_missing(self, missing: set[str]) -> None:
        """Skip mapped parameters VTS does not have; name each once (notice + status detail)."""
        new, changed = missing - self.missing, missing != self.missing
        self.mixer.excluded -= self.missing - missing
        self.missing = set(missing)
        self.mixer.excluded |= self.missing
        for pid in sorted(new):
            self._excluded_at.pop(pid, None)
            m = self._vts_mapping
            logical = ", ".join(lg for lg in m.logical_names() if m.parameter_id(lg) == pid)
            self._error(f"parameter {pid} not in VTube Studio", shown=tr("vts.param_missing", id=pid,
                                                                          logical=logical or pid))
        if self.state is ServiceState.READY and changed:
            self._publish_ready()

    async def _create_custom_parameters(self) -> None:
        m = self._vts_mapping
        for pid in m.custom_ids():
            spec = m.custom_spec(pid)
            try:
                await self.client.request("ParameterCreationRequest", {
                    "parameterName": pid, "explanation": spec.explanation or f"aischoco pose parameter {pid}",
                    "min": spec.min, "max": spec.max, "defaultValue": spec.default})
                if pid not in self.custom_created:
                    self.custom_created.append(pid)
            except APIError as e:
                self._error(f"could not create custom parameter {pid}: {e}",
                            shown=tr("vts.notice.custom_param_failed", id=pid))
            except (TimeoutError, NotConnected) as e:
                self._error(f"could not create custom parameter {pid}: {e}", notice=False)
                return

    async def _refresh_model(self) -> None:
        try:
            cur = await self.client.request("CurrentModelRequest")
            self.model_loaded = bool(cur.get("modelLoaded"))
            self.model_name = str(cur.get("modelName", "")) if self.model_loaded else ""
            params = await self.client.request("InputParameterListRequest")
            ranges: dict[str, ParamRange] = {}
            for p in list(params.get("defaultParameters") or []) + list(params.get("customParameters") or []):
                try:
                    ranges[str(p["name"])] = ParamRange(float(p["min"]), float(p["max"]),
                                                        float(p.get("defaultValue", 0.0)))
                except (KeyError, TypeError, ValueError):
                    continue
            self.mixer.set_ranges(ranges)
            if ranges:  # an empty list means VTS told us nothing; don't skip everything on that
                self._set_missing({pid for pid in self.mixer.channels if pid not in ranges})
            if self.model_loaded:
                hk = await self.client.request("HotkeysInCurrentModelRequest")
                self.hotkeys = list(hk.get("availableHotkeys") or [])
            else:
                self.hotkeys = []
        except APIError as e:
            self._error(str(e), notice=False)
        except (TimeoutError, NotConnected) as e:
            self._error(f"model info: {e}", notice=False)
        self._apply_mapping()

    async def _on_model_loaded(self, data: dict[str, Any]) -> None:
        self.model_loaded = bool(data.get("modelLoaded"))
        self.model_name = str(data.get("modelName", "")) if self.model_loaded else ""
        await self._refresh_model()
        if self.state is ServiceState.READY:
            self._publish_ready()

    # -- expressions -----------------------------------------------------------------------
    async def _trigger_expression(self, emotion: str, spec: dict[str, Any]) -> None:
        hotkey = spec.get("hotkey")
        try:
            if hotkey:
                hk = next((h for h in self.hotkeys if hotkey in (h.get("hotkeyID"), h.get("name"))), None)
                await self.client.request("HotkeyTriggerRequest",
                                          {"hotkeyID": hk.get("hotkeyID") if hk else str(hotkey)})
            elif spec.get("expression_file"):
                fade = float(spec.get("fade", 0.3))
                if self._active_expression and self._active_expression != spec["expression_file"]:
                    await self._set_expression(self._active_expression, False, fade)
                await self._set_expression(str(spec["expression_file"]), True, fade)
        except APIError as e:
            if e.error_id == ERR_HOTKEY_NOT_FOUND:
                self._error(f"hotkey {hotkey!r} for {emotion} is not in the current model (check the hotkey "
                            "name in VTS)", shown=tr("vts.notice.hotkey_missing", hotkey=hotkey,
                                                     emotion=emotion_label(emotion)))
            elif e.error_id == ERR_HOTKEY_COOLDOWN:
                self._error(f"hotkey {hotkey!r} is on cooldown; the pose still changed",
                            shown=tr("vts.notice.hotkey_cooldown", hotkey=hotkey))
            else:
                self._error(f"expression for {emotion}: {e}",
                            shown=tr("vts.notice.expression_failed", emotion=emotion_label(emotion)))
        except (TimeoutError, NotConnected) as e:
            self._error(f"expression for {emotion}: {e}", notice=False)

    async def _set_expression(self, file: str, active: bool, fade: float) -> None:
        await self.client.request("ExpressionActivationRequest",
                                  {"expressionFile": file, "active": active, "fadeTime": max(0.0, min(2.0, fade))})
        self._active_expression = file if active else None
