"""`python -m desensitize scan|apply` (see desensitize/cli.py)."""

import sys

from desensitize.cli import main

sys.exit(main())
