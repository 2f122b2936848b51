"""``python -m marbledx`` runs the command-line interface."""

import sys

from marbledx.cli import main

sys.exit(main())
