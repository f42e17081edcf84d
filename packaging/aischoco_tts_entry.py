"""Entry script of the separate cloned-voice worker bundle (``aischoco-tts``)."""

import sys

from aischoco_gui.tts.server import main

if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
