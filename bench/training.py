"""Training rate in the running window (offscreen) against the headless engine.

Both train the same scenario, [2,8,8,1] (tanh, tanh, sigmoid; binary cross-entropy),
mini-batches of 64 from 256 "circles" samples, in the same process, alternating:
- headless: ``Trainer.step()`` in a loop, nothing else (each step with its full
  record, as the window's step-by-step play and ``bpsim step`` take them); and, printed
  beside it, bulk ``Trainer.run`` (``bpsim train``'s way, which the window's full-speed
  play also takes for all but the last step of each burst);
- window: ``bpsim.ui.app.build_window`` (what ``bpsim`` shows) playing at the fastest speed,
  event loop running for real, so every restyle and repaint counts.  Two play loops:
  "animator", the animation's own (``bpsim.ui.playback.animator.Animator``, when present), and
  "steady", a QTimer that trains a fixed 25 ms worth of engine steps per frame (the
  count from the headless rate just measured), then lets the window repaint.
Target: the window keeps ≥ 50 % of the headless rate (wall clock; the ratio of the
rates by CPU time is printed beside it).  ``bench/plots.py`` runs the same with every
plot visible, target ≥ 70 %.

    python bench/training.py [--seconds 4]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/load.py

from load import load_average  # noqa: E402

from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.scenario import DataSpec, Scenario  # noqa: E402
from bpsim.training import TrainingSettings  # noqa: E402

TARGET_RATIO = 0.5
LAYERS = [2, 8, 8, 1]
BATCH = 64
#: the steady loop: a frame every FRAME_MS at most, TRAIN_MS of engine steps in each
FRAME_MS = 16
TRAIN_MS = 25


def bench_scenario() -> Scenario:
    init = InitSpec("xavier_uniform", seed=0)
    weights, biases = initialize(LAYERS, init)
    network = Network(LAYERS, ["tanh", "tanh", "sigmoid"], weights, biases)
    training = TrainingSettings("bce", 0.3, batch_size=BATCH, seed=0)
    return Scenario(network, training, DataSpec(generator="circles", n=256, noise=0.1, seed=1),
                    init, title="bench [2,8,8,1] batch 64")


def bulk_rate(seconds: float) -> float:
    """Steps per second of wall time of the engine's bulk ``Trainer.run``."""
    trainer = bench_scenario().trainer()
    trainer.run(50)  # warm-up
    steps, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        trainer.run(200)
        steps += 200
    return steps / (time.perf_counter() - start)


def headless_rate(seconds: float) -> tuple[float, float]:
    """(steps per second of wall time, steps per second of CPU time) of the bare engine."""
    trainer = bench_scenario().trainer()
    for _ in range(50):  # warm-up
        trainer.step()
    steps, start, cpu = 0, time.perf_counter(), time.process_time()
    while time.perf_counter() - start < seconds:
        for _ in range(50):
            trainer.step()
        steps += 50
    return steps / (time.perf_counter() - start), steps / (time.process_time() - cpu)


def show_side_by_side(window, docks) -> None:
    """The plot docks in one row below the canvas, every one shown (none tabbed)."""
    from PySide6.QtCore import Qt

    bottom = Qt.DockWidgetArea.BottomDockWidgetArea
    for dock in docks:
        window.removeDockWidget(dock)
        window.addDockWidget(bottom, dock)
    for left, right in zip(docks, docks[1:]):
        window.splitDockWidget(left, right, Qt.Orientation.Horizontal)
    for dock in docks:
        dock.show()


def build_bench_window(with_plots: bool, size=(1600, 1000)):
    """The main window on the bench scenario; with every plot dock shown side by side
    below the canvas, or with none."""
    from PySide6.QtWidgets import QApplication

    from bpsim.ui.app import build_window

    window = build_window(restore_layout=False)
    window.session.replace_scenario(bench_scenario())
    window.session.undo_stack.setClean()
    window.resize(*size)
    app = QApplication.instance()
    app.processEvents()
    window.load_deferred_docks()
    docks = list(getattr(window, "plot_docks", None) or [])
    if with_plots and not docks:
        from bpsim.ui.plots import create_plot_docks

        docks = create_plot_docks(window.session, parent=window)
    for dock in docks:
        window.removeDockWidget(dock)
    if with_plots:
        show_side_by_side(window, docks)
    for _ in range(3):
        app.processEvents()
    window._bench_docks = docks  # keep the Python side of removed docks alive
    return window


class SteadyPlay:
    """Full-speed play that trains ``steps_per_frame`` steps per frame through the
    session (so every view hears of them), then lets the event loop repaint."""

    def __init__(self, session, steps_per_frame: int):
        from PySide6.QtCore import QTimer

        self.session = session
        self.steps_per_frame = max(1, steps_per_frame)
        self.timer = QTimer()
        self.timer.setInterval(FRAME_MS)
        self.timer.timeout.connect(lambda: self.session.train(self.steps_per_frame))

    def play(self):
        self.timer.start()

    def pause(self):
        self.timer.stop()


def animator_for(window):
    """The animation's play loop at the fastest speed, or None without bpsim.ui.playback.animator."""
    try:
        from bpsim.ui.playback.animator import Animator
    except ImportError:
        return None
    animator = getattr(window, "animator", None) or Animator(window.session, window)
    animator.set_phase_ms(0)
    return animator


def window_rate(window, player, seconds: float) -> tuple[float, float]:
    """(steps per second of wall time, steps per second of the process's CPU time)
    while ``player`` plays for ``seconds`` (event loop running)."""
    from PySide6.QtCore import QEventLoop, QTimer

    session = window.session
    loop = QEventLoop()
    # warm-up: the first frames pay for glyph caches and first allocations
    player.play()
    QTimer.singleShot(300, loop.quit)
    loop.exec()
    first = session.trainer.steps_done
    start, cpu = time.perf_counter(), time.process_time()
    QTimer.singleShot(int(seconds * 1000), loop.quit)
    loop.exec()
    steps = session.trainer.steps_done - first
    elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
    player.pause()
    return steps / elapsed, steps / cpu


def compare_rates(with_plots: bool, seconds: float, rounds: int = 3) -> dict:
    """Alternate headless and window runs (each play loop), so a change in the
    machine's load hits both alike.  For each play loop: the median over the rounds of
    the window's rate / the headless rate just before it, by wall-clock time and by
    CPU time (the share of the processor's work that went into training, which other
    programs on the machine change much less); and the median rates."""
    from bpsim.ui.app import application

    application()
    window = build_bench_window(with_plots)
    runs = {"headless": [], "bulk": [], "steady": [], "animator": []}
    animator = animator_for(window)
    for _ in range(rounds):
        engine = headless_rate(seconds / 2)
        runs["headless"].append(engine)
        runs["bulk"].append((bulk_rate(seconds / 4), 0.0))
        steady = SteadyPlay(window.session, round(engine[0] * TRAIN_MS / 1000))
        runs["steady"].append(window_rate(window, steady, seconds))
        if animator is not None:
            runs["animator"].append(window_rate(window, animator, seconds))
    window.session.undo_stack.setClean()
    window.close()
    rates = {"load": load_average()}
    for name, values in runs.items():
        if not values:
            continue
        rates[name] = statistics.median(wall for wall, _ in values)
        if name not in ("headless", "bulk"):
            pairs = list(zip(values, runs["headless"]))
            rates[name + " ratio"] = statistics.median(w[0] / h[0] for w, h in pairs)
            rates[name + " cpu ratio"] = statistics.median(w[1] / h[1] for w, h in pairs)
            rates[name + " bulk ratio"] = statistics.median(
                w[0] / b[0] for w, b in zip(values, runs["bulk"]))
    return rates


def report(rates: dict, label: str, target: float = TARGET_RATIO) -> bool:
    """Print the rates and ratios; True when the best play loop meets ``target`` (by
    wall-clock time)."""
    engine = rates["headless"]
    print(f"{label} ({rates['load']}, before the run)")
    print(f"  headless engine, Trainer.step  {engine:8.0f} steps/s (the reference)")
    print(f"  headless engine, Trainer.run   {rates['bulk']:8.0f} steps/s (bulk, for comparison)")
    best = 0.0
    for name, how in (("steady", f"steady play ({TRAIN_MS} ms of steps per frame)"),
                      ("animator", "bpsim.ui.playback.animator.Animator, fastest")):
        if name not in rates:
            continue
        ratio = rates[name + " ratio"]
        best = max(best, ratio)
        verdict = "OK" if ratio >= target else "below target"
        print(f"  window, {how:<34}{rates[name]:8.0f} steps/s = {ratio:4.0%} "
              f"(by CPU time {rates[name + ' cpu ratio']:4.0%}; of Trainer.run "
              f"{rates[name + ' bulk ratio']:4.0%}); target ≥ {target:.0%}: "
              f"{verdict}")
    return best >= target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=4.0,
                        help="length of each window run (default 4)")
    args = parser.parse_args(argv)
    print(f"[2,8,8,1] batch {BATCH}, offscreen, same process; target ≥ {TARGET_RATIO:.0%} "
          "of the headless rate")
    ok = report(compare_rates(False, args.seconds), "window without plots:")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
