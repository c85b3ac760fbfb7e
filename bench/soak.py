"""Soak: memory of the running window while it plays at full speed for minutes.

The real window (offscreen) on the built-in xor scenario, every plot dock shown beside
the canvas, plays at the "full speed" stop of the speed slider for ``--seconds``
(default 120).  After a warm-up (``--warmup``, default 30 s: first allocations, glyph
and pixmap caches, the history filling its buffers) it samples, every few seconds, the
process's resident memory (RSS) and the number of live Python objects the garbage
collector tracks, and fits a straight line to each: the growth per minute.

Target: about 0 — at most 1 MB of RSS and 1,000 Python objects a minute (a leak of one
small object per frame, 30 frames a second, is 1,800 a minute).  The history is bounded
by design (bpsim.history.History), so a steady growth is a leak.  ``--types`` prints the
object types whose counts grew the most between the first and the last sample.

``--biggest`` plays instead the biggest network and data set the loader accepts (the
settings table's limits: 16 layers of 128 neurons, softmax output, cross-entropy, and as
many "spiral" samples as Scenario.check's work limits allow (1,741), full batch) and reports the steps, the longest pause between two
events (a burst is a single step there) and the peak RSS; target: play runs on
(no MemoryError) and the peak stays below MAX_BIGGEST_RSS_GB.

    python bench/soak.py [--seconds 120] [--warmup 30] [--types] [--biggest]
"""

from __future__ import annotations

import argparse
import gc
import os
import sys
import time
from collections import Counter
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

#: growth per minute after the warm-up that counts as flat
MAX_RSS_MB_PER_MINUTE = 1.0
MAX_OBJECTS_PER_MINUTE = 1000
SAMPLE_S = 5.0
#: peak resident memory allowed while the biggest accepted network plays
MAX_BIGGEST_RSS_GB = 3.0


def rss_mb() -> float:
    """Resident memory of this process in MB (Linux /proc; else the peak from resource)."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError):
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak / (2**20 if sys.platform == "darwin" else 1024)


def type_counts() -> Counter:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def slope_per_minute(times: list[float], values: list[float]) -> float:
    """Least-squares slope of values over times (seconds), per minute."""
    n = len(times)
    if n < 2:
        return 0.0
    mean_t, mean_v = sum(times) / n, sum(values) / n
    num = sum((t - mean_t) * (v - mean_v) for t, v in zip(times, values))
    den = sum((t - mean_t) ** 2 for t in times)
    return 60.0 * num / den if den else 0.0


def build_soak_window(size=(1600, 1000)):
    """The main window on xor with every plot dock shown below the canvas."""
    from PySide6.QtWidgets import QApplication
    from training import show_side_by_side  # bench/training.py, beside this script

    from bpsim.ui.app import build_window

    window = build_window("xor", restore_layout=False)
    window.resize(*size)
    app = QApplication.instance()
    window.load_deferred_docks()
    app.processEvents()
    show_side_by_side(window, list(window.plot_docks))
    for _ in range(3):
        app.processEvents()
    return window


def biggest_scenario():
    """The biggest network and data the loader accepts, by the settings table."""
    from bpsim import settings_spec
    from bpsim.initializers import InitSpec, initialize
    from bpsim.network import Network
    from bpsim.scenario import (MAX_NEURON_VALUES, MAX_WORK, DataSpec, Scenario,
                                weight_count)
    from bpsim.training import TrainingSettings

    depth = int(settings_spec.get("layer_count").maximum)
    width = int(settings_spec.get("layer_size").maximum)
    layers = [2] + [width] * (depth - 1)
    # as many samples as the table and Scenario.check's two work limits allow
    samples = min(int(settings_spec.get("sample_count").maximum),
                  MAX_NEURON_VALUES // sum(layers), MAX_WORK // weight_count(layers))
    init = InitSpec("xavier_uniform", seed=0)
    weights, biases = initialize(layers, init)
    network = Network(layers, ["tanh"] * (depth - 2) + ["softmax"], weights, biases)
    return Scenario(network, TrainingSettings("cross_entropy", 0.05),
                    DataSpec(generator="spiral", n=samples, seed=1), init,
                    title="the biggest accepted").check()


def play_biggest(seconds: float) -> int:
    import resource

    from PySide6.QtCore import QEventLoop, QTimer

    from bpsim.ui.playback.animator import SPEEDS

    from PySide6.QtWidgets import QApplication

    window = build_soak_window()
    scenario = biggest_scenario()
    opened = time.perf_counter()
    window.session.replace_scenario(scenario)
    QApplication.instance().processEvents()
    opening = time.perf_counter() - opened
    per_step = time.perf_counter()
    scenario.copy().trainer().step()
    per_step = time.perf_counter() - per_step
    animator = window.animator
    animator.set_speed(SPEEDS[-1])
    pauses = []
    last = [time.perf_counter()]

    def beat():
        now = time.perf_counter()
        pauses.append(now - last[0])
        last[0] = now

    heart = QTimer()
    heart.setInterval(10)
    heart.timeout.connect(beat)
    heart.start()
    last[0] = time.perf_counter()
    loop = QEventLoop()
    animator.play()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    playing = animator.playing
    animator.pause()
    steps = window.session.steps_done
    peak_gb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 2**20
    print(f"{scenario.network.layers[:3]}…{len(scenario.network.layers)} layers, "
          f"{len(window.session.dataset):,} samples, full speed, {seconds:.0f} s:")
    print(f"  opening it took {opening:.1f} s; one engine step alone {per_step:.1f} s")
    print(f"  {steps} steps, history {len(window.session.history)} rows, longest pause "
          f"{max(pauses, default=0):.1f} s, peak RSS {peak_gb:.2f} GB "
          f"(target ≤ {MAX_BIGGEST_RSS_GB} GB)")
    if not playing:
        print(f"  play stopped: {animator.stop_reason}")
    window.session.undo_stack.setClean()
    window.close()
    ok = playing and steps > 0 and peak_gb <= MAX_BIGGEST_RSS_GB
    print("  target met" if ok else "  target missed")
    return 0 if ok else 1


def soak(seconds: float, warmup: float, show_types: bool) -> dict:
    from PySide6.QtCore import QEventLoop, QTimer

    from bpsim.ui.playback.animator import SPEEDS

    window = build_soak_window()
    animator = window.animator
    animator.set_speed(SPEEDS[-1])
    loop = QEventLoop()
    times, rss, objects = [], [], []
    first_types = None
    animator.play()
    start = time.perf_counter()
    QTimer.singleShot(int(warmup * 1000), loop.quit)
    loop.exec()
    steps_at_warmup = window.session.steps_done
    end = start + warmup + seconds
    while True:
        gc.collect()
        now = time.perf_counter()
        times.append(now - start)
        rss.append(rss_mb())
        objects.append(len(gc.get_objects()))
        if show_types and first_types is None:
            first_types = type_counts()
        if now >= end or not animator.playing:
            break
        QTimer.singleShot(int(min(SAMPLE_S, end - now) * 1000), loop.quit)
        loop.exec()
    last_types = type_counts() if show_types else None
    steps = window.session.steps_done - steps_at_warmup
    playing = animator.playing
    animator.pause()
    window.session.undo_stack.setClean()
    window.close()
    result = {"rss": slope_per_minute(times, rss),
              "objects": slope_per_minute(times, objects),
              "rss_start": rss[0], "rss_end": rss[-1], "objects_start": objects[0],
              "objects_end": objects[-1], "steps": steps, "minutes": (times[-1] - times[0]) / 60,
              "played_through": playing, "history_rows": len(window.session.history)}
    if show_types:
        growth = Counter(last_types)
        growth.subtract(first_types)
        result["types"] = [(name, n) for name, n in growth.most_common(15) if n > 0]
    return result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0,
                        help="measured play after the warm-up (default 120)")
    parser.add_argument("--warmup", type=float, default=30.0,
                        help="play before measuring (default 30)")
    parser.add_argument("--types", action="store_true",
                        help="print the object types that grew the most")
    parser.add_argument("--biggest", action="store_true",
                        help="play the biggest accepted network for --seconds instead")
    args = parser.parse_args(argv)
    from bpsim.ui.app import application

    application()
    if args.biggest:
        return play_biggest(args.seconds)
    print(f"xor, every plot shown, full speed, offscreen: {args.warmup:.0f} s warm-up, "
          f"{args.seconds:.0f} s measured; target ≤ {MAX_RSS_MB_PER_MINUTE} MB and "
          f"≤ {MAX_OBJECTS_PER_MINUTE:,} objects a minute")
    r = soak(args.seconds, args.warmup, args.types)
    print(f"  {r['steps']:,} steps in {r['minutes']:.1f} min; history {r['history_rows']:,} rows")
    print(f"  RSS      {r['rss_start']:8.1f} → {r['rss_end']:8.1f} MB   "
          f"{r['rss']:+8.2f} MB/min")
    print(f"  objects  {r['objects_start']:8,} → {r['objects_end']:8,}      "
          f"{r['objects']:+8.0f} /min")
    for name, n in r.get("types", ()):
        print(f"    {name:<40} +{n:,}")
    ok = (r["played_through"] and r["rss"] <= MAX_RSS_MB_PER_MINUTE
          and r["objects"] <= MAX_OBJECTS_PER_MINUTE)
    if not r["played_through"]:
        print("  play stopped before the end")
    print("  flat: target met" if ok else "  growing: target missed")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
