"""A stand-in ``espeak-ng`` executable that behaves like it does on Windows where it matters:
``--stdout`` output is mangled (text-mode pipes turn ``\\n`` into ``\\r\\n``), ``-w FILE`` writes a
correct WAV, ``-f FILE`` reads UTF-8 text, ``--voices=ko`` lists Korean. Every call is appended
to ``$FAKE_ESPEAK_LOG`` (one JSON list of argv per line).

    write_fake_espeak(tmp_path) -> path of an executable wrapper for subprocess
"""

from __future__ import annotations

import json
import os
import stat
import sys
from pathlib import Path

RATE = 22050


def _wav(text: str) -> bytes:
    import numpy as np  # noqa: PLC0415

    sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
    from aischoco_gui.audio.pcm import wav_bytes  # noqa: PLC0415

    n = int(RATE * 0.06 * max(1, len(text)))
    t = np.arange(n) / RATE
    return wav_bytes((0.3 * np.sin(2 * np.pi * 200 * t)).astype(np.float32), RATE)


def main(argv: list[str]) -> int:
    log = os.environ.get("FAKE_ESPEAK_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as f:
            f.write(json.dumps(argv) + "\n")
    if any(a.startswith("--voices") for a in argv):
        print("Pty Language       Age/Gender VoiceName          File                 Other Languages")
        print(" 5  ko              --/M      Korean             sit/ko")
        return 0
    text = sys.stdin.read() if "-f" not in argv else Path(argv[argv.index("-f") + 1]).read_text("utf-8")
    data = _wav(text)
    if "-w" in argv:
        Path(argv[argv.index("-w") + 1]).write_bytes(data)
        return 0
    if "--stdout" in argv:
        sys.stdout.buffer.write(data.replace(b"\n", b"\r\n"))  # what a text-mode pipe does on Windows
        return 0
    return 1


def write_fake_espeak(folder: Path) -> str:
    exe = Path(folder) / "espeak-ng"
    exe.write_text(f"#!/bin/sh\nexec {sys.executable} {Path(__file__).resolve()} \"$@\"\n", encoding="utf-8")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return str(exe)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
