"""OBS Studio over obs-websocket v5 (DESIGN.md §4.8): the client, the service and its factory."""
