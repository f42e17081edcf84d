"""The reply model now lives in :mod:`aischoco_gui.models` (kept here for the LLM package)."""

from aischoco_gui.models import DEFAULT_EMOTIONS, Reply

__all__ = ["DEFAULT_EMOTIONS", "Reply"]
