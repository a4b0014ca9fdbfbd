"""``python -m twin`` runs the command line."""

import sys

from twin.cli import main

sys.exit(main())
