"""vts package (Qt-free core)."""
