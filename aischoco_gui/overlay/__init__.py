"""overlay package (Qt-free core)."""
