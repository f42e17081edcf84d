"""audio package (Qt-free core)."""
