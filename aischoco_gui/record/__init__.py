"""Show recording and replay (DESIGN.md §4.10; README "Show recording and replay").

``recorder`` writes every bus event of a show to ``history/shows/<start>.jsonl`` (``format`` says how);
``replay`` runs the recorded chat through today's pipeline against the configured LLM, headless;
``turns`` lines the recorded and the new answers up turn by turn; ``report`` writes the offline HTML and
the JSON; ``cli`` is ``aischoco replay``; ``job`` runs a replay on a thread for the window.

Qt-free. ``recorder``, ``format``, ``turns`` and ``report`` sit above the adapters (they import none);
``replay``, ``job`` and ``cli`` are at the top with ``compose``, whose ``build_services`` they reuse.
"""
