"""Qt's own translations (standard buttons, message boxes, file dialogs, context menus) in the UI
language: ``qtbase_ko.qm`` ships inside PySide6 (``Qt/translations``), also in the frozen build."""

from __future__ import annotations

import logging
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

log = logging.getLogger(__name__)
_installed: list[QTranslator] = []


def translations_dirs() -> list[Path]:
    """Where Qt's .qm files may be: Qt's own idea, then the PySide6 package (frozen builds)."""
    import PySide6  # noqa: PLC0415

    return [Path(QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
            Path(PySide6.__file__).parent / "Qt" / "translations"]


def install_qt_translations(app: QCoreApplication, lang: str) -> bool:
    """Load ``qtbase_<lang>.qm`` into ``app`` (replacing an earlier one); English needs none.

    Returns True when a translation is active. Also sets the default locale, so number formats and
    Qt's own dialogs agree with the UI language.
    """
    for t in _installed:
        app.removeTranslator(t)
    _installed.clear()
    QLocale.setDefault(QLocale(QLocale.Language.Korean if lang == "ko" else QLocale.Language.English,
                               QLocale.Country.SouthKorea if lang == "ko" else QLocale.Country.UnitedStates))
    if lang == "en":
        return False
    t = QTranslator(app)
    dirs = translations_dirs()
    if not any(t.load(f"qtbase_{lang}", str(d)) for d in dirs):
        log.warning("Qt's translation qtbase_%s.qm not found in %s: standard buttons stay English",
                    lang, ", ".join(map(str, dirs)))
        return False
    app.installTranslator(t)
    _installed.append(t)
    return True
