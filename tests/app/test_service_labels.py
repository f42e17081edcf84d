"""Every service compose.rebuild can swap has a label in both languages (the "applied now" notice, the
placeholders and the status lights name services through ``tr("service.<name>")``)."""

from __future__ import annotations

import pytest

from aischoco_gui import i18n
from aischoco_gui.compose import REBUILDABLE


@pytest.mark.parametrize("lang", ["ko", "en"])
@pytest.mark.parametrize("name", REBUILDABLE)
def test_every_rebuildable_service_has_a_label(name, lang):
    before = i18n.language()
    i18n.set_language(lang)
    try:
        label = i18n.tr(f"service.{name}")
    finally:
        i18n.set_language(before)
    assert label and label != f"service.{name}"
    ko, en = i18n.all_keys()[f"service.{name}"]
    assert ko != en or ko.isascii()  # Korean first (an ASCII name like "OBS" may be the same in both)
