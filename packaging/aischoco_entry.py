"""Entry script of the frozen app (PyInstaller needs a script, not ``-m``)."""

import sys

from aischoco_gui.__main__ import main

if __name__ == "__main__":
    sys.exit(main())
