"""Seconds from launching bpsim to its first painted window, offscreen, in new processes.

Each run starts a fresh Python that runs the ``bpsim`` command with no arguments
(``bpsim.cli.main([])``: the default scenario, the event loop) and reports the wall-clock
time once the first frame has been painted; the clock starts just before the process
is launched, so interpreter start-up and every import count.  For reference the same
run times a process that only does ``import PySide6.QtWidgets, numpy`` (the floor any
Qt + numpy program pays), and when the lazily loaded plots (pyqtgraph) are in place.
Target: first paint ≤ 0.8 s (median).

    python bench/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import statistics
import compileall
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_SECONDS = 0.8

# Prints the wall-clock time of the first painted frame, then of the plots loaded
# after it (the window loads them on its first paint, in the event queue before us).
WINDOW = r"""
import os, sys, time
from PySide6.QtCore import QEvent, QObject, QTimer
from bpsim.ui import app

def plots_loaded():
    print(time.time(), flush=True)
    os._exit(0)

def first_frame():
    print(time.time(), flush=True)
    QTimer.singleShot(0, plots_loaded)

class FirstPaint(QObject):
    seen = False
    def eventFilter(self, watched, event):
        if event.type() == QEvent.Type.Paint and not self.seen:
            self.seen = True
            # the whole frame is painted in this pass; report when it is over
            QTimer.singleShot(0, first_frame)
        return False

application = app.application()
first_paint = FirstPaint()
application.installEventFilter(first_paint)
from bpsim.cli import main  # the `bpsim` command, with no arguments
sys.exit(main([]))
"""

BARE_IMPORTS = "import time, PySide6.QtWidgets, numpy; print(time.time(), flush=True)"


def launch(code: str, env: dict) -> list[float]:
    """Seconds from launch to each time the child prints."""
    start = time.time()
    child = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    stamps = [float(line) for line in child.stdout.split()]
    if child.returncode != 0 or not stamps:
        raise SystemExit(f"the child failed (exit {child.returncode}):\n{child.stderr}")
    return [stamp - start for stamp in stamps]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5,
                        help="processes per measurement; the median is reported")
    args = parser.parse_args(argv)

    # An installed program starts from compiled bytecode; this machine may set
    # PYTHONDONTWRITEBYTECODE, so compile once here as an installation would.
    for package in ("bpsim", "ui"):  # the folders of bpsim and bpsim.ui
        compileall.compile_dir(str(ROOT / package), quiet=1)
    with tempfile.TemporaryDirectory() as settings_home:
        # a fresh settings folder: the default layout, and the user's own untouched
        env = dict(os.environ, QT_QPA_PLATFORM="offscreen", XDG_CONFIG_HOME=settings_home)
        launch(BARE_IMPORTS, env)  # warm the file cache for both sides alike
        launch(WINDOW, env)
        bare, painted, plots = [], [], []
        for _ in range(args.runs):  # alternated, so background load hits both alike
            bare.append(launch(BARE_IMPORTS, env)[0])
            first, *rest = launch(WINDOW, env)
            painted.append(first)
            plots.extend(rest)

    median = statistics.median(painted)
    verdict = "ok" if median <= TARGET_SECONDS else "SLOW"
    print(f"Python {sys.version.split()[0]}, {os.cpu_count()} CPUs, offscreen; "
          f"median of {args.runs} new processes")
    print(f"  import PySide6.QtWidgets, numpy    {statistics.median(bare):6.3f} s  "
          "(reference)")
    print(f"  bpsim: launch to first paint       {median:6.3f} s  "
          f"target ≤ {TARGET_SECONDS:.1f} s: {verdict}")
    if plots:
        print(f"  bpsim: plots loaded after it       {statistics.median(plots):6.3f} s")
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
