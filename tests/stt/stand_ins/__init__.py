"""Stand-ins for third-party layers, put on a worker subprocess's PYTHONPATH (not a test package)."""
