"""pipeline package (Qt-free core)."""
