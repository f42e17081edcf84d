"""The window's look: ``UI_THEME`` = ``system`` (the desktop's own style and colours), ``light`` or ``dark``.

Streamers work in dark rooms, next to OBS and VTube Studio, both dark by default: ``dark`` is Qt's Fusion
style with a dark palette (OBS's own "Dark" theme is the same idea). Colour is for state only — the
status lights, the panic button, a warning — so every panel draws with the palette, and the few state
colours below read on both a light and a dark background. Applied live: :func:`apply_theme` changes the
application's style and palette, every widget repaints (``QEvent.PaletteChange``), nothing is rebuilt.
"""

from __future__ import annotations

from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QStyleFactory

THEMES = ("system", "light", "dark")

# State colours (readable on light and dark): the status lights and the few state texts use these.
STATE_OK = "#2e9d4f"
STATE_WARN = "#d08a16"
STATE_ERROR = "#d0342c"
STATE_OFF = "#8a8a8a"
PANIC = "#c62828"  # the emergency button: always red, in every theme (like a real stop button)

_original: dict[int, tuple[str, QPalette, str]] = {}  # per app: the desktop's style, palette and sheet


def dark_palette() -> QPalette:
    """A calm dark palette (the greys of OBS's dark theme), the accent a muted blue."""
    p = QPalette()
    window, base, alt, text = QColor("#2b2d31"), QColor("#1f2023"), QColor("#26282c"), QColor("#e3e3e3")
    button, mid, dim = QColor("#35373c"), QColor("#4a4d53"), QColor("#8d9096")
    accent = QColor("#4a78c2")
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Window, window)
        p.setColor(group, QPalette.ColorRole.WindowText, text)
        p.setColor(group, QPalette.ColorRole.Base, base)
        p.setColor(group, QPalette.ColorRole.AlternateBase, alt)
        p.setColor(group, QPalette.ColorRole.ToolTipBase, QColor("#3a3d42"))
        p.setColor(group, QPalette.ColorRole.ToolTipText, text)
        p.setColor(group, QPalette.ColorRole.PlaceholderText, dim)
        p.setColor(group, QPalette.ColorRole.Text, text)
        p.setColor(group, QPalette.ColorRole.Button, button)
        p.setColor(group, QPalette.ColorRole.ButtonText, text)
        p.setColor(group, QPalette.ColorRole.BrightText, QColor("#ff6b6b"))
        p.setColor(group, QPalette.ColorRole.Light, mid.lighter(130))
        p.setColor(group, QPalette.ColorRole.Midlight, mid)
        p.setColor(group, QPalette.ColorRole.Mid, QColor("#3d4045"))
        p.setColor(group, QPalette.ColorRole.Dark, QColor("#18191b"))
        p.setColor(group, QPalette.ColorRole.Shadow, QColor("#000000"))
        p.setColor(group, QPalette.ColorRole.Highlight, accent)
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
        p.setColor(group, QPalette.ColorRole.Link, QColor("#7fb0ff"))
        p.setColor(group, QPalette.ColorRole.LinkVisited, QColor("#b89cff"))
    g = QPalette.ColorGroup.Disabled
    for role in (QPalette.ColorRole.WindowText, QPalette.ColorRole.Text, QPalette.ColorRole.ButtonText):
        p.setColor(g, role, QColor("#6e7177"))
    for role, c in ((QPalette.ColorRole.Window, window), (QPalette.ColorRole.Base, QColor("#242528")),
                    (QPalette.ColorRole.Button, QColor("#2f3135")), (QPalette.ColorRole.Highlight, mid),
                    (QPalette.ColorRole.HighlightedText, dim)):
        p.setColor(g, role, c)
    return p


def light_palette() -> QPalette:
    """Fusion's own light palette, the same accent as the dark one."""
    style = QStyleFactory.create("Fusion")
    p = QPalette(style.standardPalette())
    for group in (QPalette.ColorGroup.Active, QPalette.ColorGroup.Inactive):
        p.setColor(group, QPalette.ColorRole.Highlight, QColor("#3d6fb8"))
        p.setColor(group, QPalette.ColorRole.HighlightedText, QColor("#ffffff"))
    return p


def quiet(label) -> None:
    """A hint under a field: smaller, in the palette's placeholder colour (readable in light and dark; a fixed
    #666 was grey on dark grey)."""
    label.setStyleSheet("font-size: 11px")
    label.setForegroundRole(QPalette.ColorRole.PlaceholderText)


def current_theme(app: QApplication | None = None) -> str:
    app = app or QApplication.instance()
    return str(app.property("aischoco_theme") or "system") if app is not None else "system"


def is_dark(app: QApplication | None = None) -> bool:
    """Whether the window is drawn dark now (the dark theme, or a dark desktop under ``system``)."""
    app = app or QApplication.instance()
    if app is None:
        return False
    return app.palette().color(QPalette.ColorRole.Window).lightness() < 128


def apply_theme(app: QApplication, theme: str) -> str:
    """Set the application's look; returns the theme applied (an unknown name means ``system``)."""
    theme = theme if theme in THEMES else "system"
    key = id(app)
    if key not in _original:  # the desktop's look, to go back to
        _original[key] = (app.style().name(), QPalette(app.palette()), app.styleSheet())
    style_name, palette, sheet = _original[key]
    if theme == "system":
        app.setStyle(style_name)
        app.setPalette(palette)
    else:
        app.setStyle("Fusion")  # the same widgets on Windows and Linux; draws the palette faithfully
        app.setPalette(dark_palette() if theme == "dark" else light_palette())
    app.setStyleSheet(sheet)
    for w in app.allWidgets():  # a widget with its own style sheet keeps the old style's look until re-polished
        own = w.styleSheet()
        if own:
            w.setStyleSheet("")
            w.setStyleSheet(own)
    app.setProperty("aischoco_theme", theme)
    hints = QGuiApplication.styleHints()
    if hasattr(hints, "setColorScheme"):  # Qt 6.8+: native dialogs and title bars follow where they can
        from PySide6.QtCore import Qt

        scheme = {"dark": Qt.ColorScheme.Dark, "light": Qt.ColorScheme.Light}.get(theme, Qt.ColorScheme.Unknown)
        hints.setColorScheme(scheme)
    return theme

