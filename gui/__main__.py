"""``python -m gui [--demo]`` opens the desktop app."""

import sys

from gui.app import main

sys.exit(main(sys.argv[1:], demo="--demo" in sys.argv[1:]))
