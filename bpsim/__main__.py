"""``python -m bpsim``: the same as the ``bpsim`` command."""

from .cli import main

raise SystemExit(main())
