"""Show tools (issue 17): scaled thanks, idle talk, run sheet, chat echo.

Qt-free feature folder. Each tool talks to the rest of the app only through the small callables
and Protocols in :mod:`aischoco_gui.show.base`, passed in at construction by the composition root.
"""
