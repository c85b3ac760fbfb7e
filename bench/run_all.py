"""Run every benchmark in turn (``make bench``): engine, canvas, start-up, training, plots,
gradient check, soak (memory while playing for two minutes), neuron maps.

Each script prints its own figures, ratios and targets; this prints a line per script
saying whether it met its target (exit status 0) and exits 1 if any did not.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCRIPTS = ("engine.py", "canvas.py", "startup.py", "training.py", "plots.py", "gradcheck.py",
           "soak.py", "neuron_maps.py")


def main() -> int:
    env = dict(os.environ)
    env.setdefault("QT_QPA_PLATFORM", "offscreen")
    results = []
    for name in SCRIPTS:
        print(f"\n== bench/{name}", flush=True)
        code = subprocess.call([sys.executable, str(HERE / name)], env=env)
        results.append((name, code))
    print("\n== summary")
    for name, code in results:
        print(f"{name:<12} {'target met' if code == 0 else 'target missed (see above)'}")
    return 0 if all(code == 0 for _, code in results) else 1


if __name__ == "__main__":
    sys.exit(main())
