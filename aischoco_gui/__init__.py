"""aischoco control room: desktop control room for a CHZZK AI VTuber."""

__version__ = "0.1.0"
APP_NAME = "aischoco"
