"""Viewer memory (issue 24): a card per viewer in ``history/viewers.sqlite3``, kept by the streamer.

A feature folder above the adapters (like ``show/`` and ``tarot/``): Qt-free, it imports only the bottom
layer. The pipeline sees it through ``protocols.ViewerMemory``; the LLM adapter never imports it (a card
reaches the prompt as ``ChatMessage.viewer_card``). ``store`` is the SQLite file, ``memory`` the running
service (one writer thread, batched), ``card`` what one turn's prompt gets, ``cli`` the command line.
"""
