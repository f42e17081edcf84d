"""Stand-in for ``huggingface_hub.snapshot_download`` (the network layer): writes small files into
``local_dir`` in chunks, driving ``tqdm_class`` as the hub client does (one byte bar per file)."""

from __future__ import annotations

import os
from pathlib import Path

FILES = {"config.json": 600, "preprocessor_config.json": 300, "model.bin": 40_000, "tokenizer.json": 2_000,
         "vocabulary.json": 1_000}


def snapshot_download(*, repo_id: str, local_dir: str, allow_patterns: list[str], tqdm_class: type) -> str:
    log = os.environ.get("FAKE_HUB_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(f"{repo_id}\n")
    for name, size in FILES.items():
        with tqdm_class(total=size, unit="B", desc=name, disable=True) as bar, \
                open(Path(local_dir) / name, "wb") as f:
            for i in range(0, size, 8192):
                n = min(8192, size - i)
                f.write(b"\0" * n)
                bar.update(n)
    return local_dir
