"""`python -m medrec_desktop.cli`."""

import sys

from medrec_desktop.cli import main

sys.exit(main())
