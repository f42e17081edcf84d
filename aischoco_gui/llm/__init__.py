"""llm package (Qt-free core)."""
