"""chat package (Qt-free core)."""
