"""What the benchmarks share about the machine's load: one competing busy process
(as a browser or the projector software would keep a core busy), started and ended
by the benchmark itself, and the load average printed beside each figure."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from contextlib import contextmanager

#: one core kept busy
BUSY_PROGRAM = "while True: pass"


@contextmanager
def busy_process():
    """One other process spinning on a core while inside; ended on leaving."""
    process = subprocess.Popen([sys.executable, "-c", BUSY_PROGRAM])
    try:
        time.sleep(0.2)  # let it start spinning
        yield
    finally:
        process.kill()
        process.wait()


def load_average() -> str:
    """The 1-minute load average and the core count, e.g. "load 2.3 on 2 cores"."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return f"load {load:.1f} on {os.cpu_count()} cores"
