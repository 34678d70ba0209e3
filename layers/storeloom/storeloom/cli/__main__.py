"""``python -m storeloom.cli``: the same as the ``storeloom`` command."""

import sys

from storeloom.cli import main

sys.exit(main())
