"""``python -m alpr.cli``: the ``alpr`` command."""

import sys

from alpr.cli import main

sys.exit(main())
