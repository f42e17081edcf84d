"""tts package (Qt-free core)."""
