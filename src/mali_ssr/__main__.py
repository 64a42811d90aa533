"""`python -m mali_ssr` runs the `mali-ssr` command."""

import sys

from .cli import main

sys.exit(main())
