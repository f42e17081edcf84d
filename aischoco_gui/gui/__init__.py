"""Qt GUI. The only package (with app wiring) that imports PySide6."""
