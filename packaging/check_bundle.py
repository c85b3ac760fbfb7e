"""Checks the standalone bundle as a teacher without Python would use it.

The folder built by ``make bundle`` (dist/bpsim) is copied to a temporary folder
outside the repository and started there with an empty environment whose PATH leads
nowhere, so no Python, no PYTHONPATH and no repository file can help it.  Checked:

- ``bpsim step lecture-example --json`` prints the lecture's numbers (loss 0.49,
  ∂J/∂w = −4.2, new weight 4.3);
- ``bpsim --screenshot out.png lecture-example`` (offscreen) writes a PNG;

and printed: the bundle's size and how long each takes to start and finish.

Run by ``make bundle-check``; exit 0 when both work, 1 with the reason otherwise.
"""

from __future__ import annotations

import json
import math
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
#: repeated runs: the best time is the start-up without a cold disk cache
RUNS = 3


def _size_mb(folder: Path) -> float:
    """Bytes on disk of the files (symbolic links count once, as their target)."""
    total = sum(path.stat().st_size for path in folder.rglob("*")
                if path.is_file() and not path.is_symlink())
    return total / 1e6


def _run(bundle: Path, work: Path, *args: str) -> tuple[subprocess.CompletedProcess, float]:
    env = {"HOME": str(work / "home"), "PATH": "/nonexistent", "LANG": "C.UTF-8",
           "QT_QPA_PLATFORM": "offscreen"}
    start = time.perf_counter()
    done = subprocess.run([str(bundle / "bpsim"), *args], cwd=work, env=env,
                          capture_output=True, text=True, timeout=120)
    return done, time.perf_counter() - start


def _fail(message: str) -> int:
    print(f"check_bundle: {message}", file=sys.stderr)
    return 1


def main(argv: list[str]) -> int:
    dist = Path(argv[0]) if argv else ROOT / "dist" / "bpsim"
    if not (dist / "bpsim").is_file():
        return _fail(f"{dist}/bpsim not found: run `make bundle` first")
    with tempfile.TemporaryDirectory(prefix="bpsim-bundle-") as temp:
        work = Path(temp)
        if ROOT in work.parents:
            return _fail(f"{work} lies inside the repository")
        (work / "home").mkdir()
        bundle = work / "bpsim"
        shutil.copytree(dist, bundle, symlinks=True)

        step_times = []
        for _ in range(RUNS):
            done, seconds = _run(bundle, work, "step", "lecture-example", "--json")
            if done.returncode != 0:
                return _fail(f"bpsim step exited {done.returncode}: {done.stderr}")
            step_times.append(seconds)
        record = json.loads(done.stdout)
        got = {"loss": record["loss"], "grad_weights": record["grad_weights"][0][0][0],
                    "weights": record["weights"][0][0][0]}
        for name, want in (("loss", 0.49), ("grad_weights", -4.2), ("weights", 4.3)):
            if not math.isclose(got[name], want, rel_tol=1e-12):
                return _fail(f"bpsim step: {name} = {got[name]!r}, expected {want}")

        shot_times = []
        for run in range(RUNS):
            out = work / f"out{run}.png"
            done, seconds = _run(bundle, work, "--screenshot", out.name, "lecture-example")
            if done.returncode != 0:
                return _fail(f"bpsim --screenshot exited {done.returncode}: {done.stderr}")
            if not out.is_file() or out.read_bytes()[:8] != PNG_SIGNATURE:
                return _fail(f"bpsim --screenshot wrote no PNG ({done.stderr.strip()})")
            shot_times.append(seconds)

        print(f"bundle {dist}: {_size_mb(dist):.0f} MB")
        print(f"bpsim step lecture-example --json: loss {record['loss']:.2f}, "
              f"{min(step_times):.2f} s (first run {step_times[0]:.2f} s)")
        print(f"bpsim --screenshot out.png lecture-example: PNG written, "
              f"{min(shot_times):.2f} s (first run {shot_times[0]:.2f} s)")
        print(f"both from {work}, PATH=/nonexistent: ok")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
