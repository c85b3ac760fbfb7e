"""The bundle's entry point: the same as the ``bpsim`` command.

(Not named bpsim.py: the script's name would shadow the bpsim package.)
"""

from bpsim.cli import main

raise SystemExit(main())
