"""``python -m storeloom_tools.cli``: the same as the ``storeloom`` command."""

import sys

from storeloom_tools.cli import main

sys.exit(main())
