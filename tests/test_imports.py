"""The engine and the headless command line never load Qt, pyqtgraph or bpsim.ui.

Checked in a fresh interpreter, since this test process may have imported Qt already.
Every module of the bpsim package (the command line's included) is found by walking it,
so new modules are covered.
"""

from __future__ import annotations

import json
import subprocess
import sys

FORBIDDEN = ("PySide6", "pyqtgraph", "shiboken6")

PROBE = f"""
import importlib, json, pkgutil, sys
import bpsim
# bpsim.__main__ is left out: importing it runs the program (`python -m bpsim`);
# bpsim.ui is the window (an installed wheel has it inside the bpsim folder).
names = sorted(m.name for m in pkgutil.walk_packages(bpsim.__path__, "bpsim.")
               if not m.name.endswith(".__main__") and not m.name.startswith("bpsim.ui"))
for name in names:
    importlib.import_module(name)
forbidden = {FORBIDDEN!r}
loaded = sorted(m for m in sys.modules
                if m.split(".")[0] in forbidden or m.startswith("bpsim.ui"))
print(json.dumps({{"modules": names, "loaded": loaded}}))
"""


def test_bpsim_and_all_its_modules_import_without_qt():
    result = subprocess.run([sys.executable, "-c", PROBE], capture_output=True,
                            text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout.strip().splitlines()[-1])
    # the walk found the engine (and whatever has been added since)
    assert {"bpsim.activations", "bpsim.losses", "bpsim.network", "bpsim.trace",
            "bpsim.training", "bpsim.data", "bpsim.initializers",
            "bpsim.scenario", "bpsim.io", "bpsim.gradcheck", "bpsim.cli"} \
        <= set(report["modules"])
    assert report["loaded"] == [], f"importing bpsim loaded {report['loaded']}"
