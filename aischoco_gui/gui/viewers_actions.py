"""What the viewers panel and the fact proposals ask of viewer memory (a plain object; the controller awaits it).

The memory is looked up in the ``Services`` container on every call (``VIEWER_MEMORY`` can switch it off
and on while the app runs). Writes come back as ``concurrent.futures.Future`` from the memory's writer
thread; here they are awaited on the loop and turned into one line for the panel.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from typing import Any

from aischoco_gui.i18n import register, tr
from aischoco_gui.viewers.store import Row, ViewerError

log = logging.getLogger(__name__)

register({
    "viewers.done.note": ("메모를 저장했어요", "Note saved"),
    "viewers.done.pin": ("고정했어요", "Pinned"),
    "viewers.done.unpin": ("고정을 풀었어요", "Unpinned"),
    "viewers.done.fact_add": ("사실을 기억했어요", "Fact remembered"),
    "viewers.done.fact_edit": ("사실을 고쳤어요", "Fact changed"),
    "viewers.done.fact_delete": ("사실을 지웠어요", "Fact deleted"),
    "viewers.done.forget": ("{nick} 님을 잊었어요 — 카드, 사실, 닉네임 기록을 파일에서 지웠어요",
                            "Forgot {nick} — card, facts and nicknames erased from the file"),
    "viewers.done.accept": ("{nick} 님에 대해 기억했어요: {text}", "Remembered about {nick}: {text}"),
    "viewers.done.reject": ("제안을 버렸어요", "Proposal dropped"),
})


class ViewersActions:
    def __init__(self, services: Any) -> None:
        self.services = services

    def _memory(self) -> Any:
        vm = getattr(self.services, "viewers", None)
        if vm is None:
            raise ViewerError(tr("viewers.error.off"))
        return vm

    async def query(self, text: str, sort: str) -> list[Row]:
        return await self._memory().search(text, sort)

    async def edit(self, action: str, args: dict[str, Any]) -> tuple[bool, str]:
        """Run one edit (``note``, ``pin``, ``fact_add``, ``fact_edit``, ``fact_delete``, ``forget``, ``accept``,
        ``reject``); returns (done, the line to show)."""
        try:
            vm = self._memory()
            key = args.get("key", "")
            if action == "reject":
                vm.reject(args["id"])
                return True, tr("viewers.done.reject")
            run = {
                "note": lambda: vm.set_note(key, args["text"]),
                "pin": lambda: vm.set_pinned(key, bool(args["pinned"])),
                "fact_add": lambda: vm.add_fact(key, args["text"]),
                "fact_edit": lambda: vm.edit_fact(key, args["index"], args["text"], args.get("expect")),
                "fact_delete": lambda: vm.delete_fact(key, args["index"], args.get("expect")),
                "forget": lambda: vm.forget(key),
                "accept": lambda: vm.accept(args["id"], args.get("text")),
            }[action]
            await asyncio.wrap_future(run())
        except (ViewerError, sqlite3.Error) as e:
            return False, str(e)
        except Exception as e:  # never let a panel click end in an unhandled task error
            log.exception("viewer memory %s failed", action)
            return False, f"{type(e).__name__}: {e}"
        if action == "pin":
            return True, tr("viewers.done.pin" if args["pinned"] else "viewers.done.unpin")
        if action in ("forget", "accept"):
            return True, tr(f"viewers.done.{action}", nick=args.get("nick", ""), text=args.get("text") or "")
        return True, tr(f"viewers.done.{action}")
