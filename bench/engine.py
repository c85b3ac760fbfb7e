"""µs per training step: bpsim's trainer against a minimal hand-written numpy loop.

All run the same nets on the same data in the same process, BLAS on one thread for
both: forward, MSE, backward, SGD update, all layers sigmoid, full batch.  The loop is
the least work a numpy implementation can do.  bpsim is timed two ways:

- ``Trainer.run`` (bulk training, what ``bpsim train`` and fast play use): the same
  arithmetic, plus the per-layer gradient norms and the divergence checks.
  Target: within 1.3× of the loop; within 1.5× while one other busy process (started
  and ended here: a Python loop spinning on one core) competes for the cores.
- ``Trainer.step``: additionally keeps an immutable record of every phase (z, a, δ,
  ∂J/∂W, ∂J/∂b, the parameters before and after), what stepping in the window shows.

Runs alternate (loop, run, step, run, loop, step, ...) so that whatever else the
machine does hits all sides alike; the ratio judged is the median over the repeats of
the ratio of a run of Trainer.run to the loop's run beside it.  The ratio of the CPU
times this thread spent (what the work costs, whatever else runs) is shown beside.

    python bench/engine.py [--repeats 31] [--no-busy]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np

# Runnable from a checkout without installing: python bench/engine.py
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))  # bench/load.py

from load import busy_process, load_average  # noqa: E402

from bpsim.blas import blas_threads, hold_one_blas_thread  # noqa: E402
from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.training import Trainer, TrainingSettings  # noqa: E402

TARGET_RATIO = 1.3
#: with one competing busy process
TARGET_RATIO_BUSY = 1.5
LEARNING_RATE = 0.5

#: (label, layer sizes, batch size, steps per timed run); runs are short and many so that
#: both sides see the same background load, and long enough that the last step of a
#: run, which Trainer.run takes with full records, weighs little
CASES = (
    ("[2,8,8,1] batch 64", [2, 8, 8, 1], 64, 300),
    ("[1]+[16]*10+[1] batch 32", [1] + [16] * 10 + [1], 32, 100),
    ("[2,64,64,64,1] batch 200", [2, 64, 64, 64, 1], 200, 50),
)

def make_data(layers, batch, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-1.0, 1.0, (batch, layers[0]))
    y = (rng.uniform(0.0, 1.0, (batch, layers[-1])) > 0.5).astype(float)
    return x, y


def make_parameters(layers):
    return initialize(layers, InitSpec("xavier_uniform", seed=1))


class NumpyLoop:
    """The baseline: sigmoid layers, MSE, plain SGD, nothing kept."""

    def __init__(self, layers, x, y):
        weights, biases = make_parameters(layers)
        self.weights = [np.array(w) for w in weights]
        self.biases = [np.array(b) for b in biases]
        self.x, self.y = x, y

    def step(self) -> float:
        activations = [self.x]
        a = self.x
        for w, b in zip(self.weights, self.biases):
            a = 1.0 / (1.0 + np.exp(-(a @ w.T + b)))
            activations.append(a)
        error = a - self.y
        loss = float(np.mean(error * error))
        # δᴸ = 2(ŷ − y)/(B·n_out) ⊙ σ'(z),  δˡ⁻¹ = (δˡ Wˡ) ⊙ σ'(zˡ⁻¹)
        delta = 2.0 * error / error.size * a * (1.0 - a)
        for l in range(len(self.weights) - 1, -1, -1):
            a_prev = activations[l]
            grad_w = delta.T @ a_prev
            grad_b = delta.sum(axis=0)
            if l:
                delta = (delta @ self.weights[l]) * a_prev * (1.0 - a_prev)
            self.weights[l] -= LEARNING_RATE * grad_w
            self.biases[l] -= LEARNING_RATE * grad_b
        return loss


def make_trainer(layers, x, y) -> Trainer:
    weights, biases = make_parameters(layers)
    network = Network(layers, ["sigmoid"] * (len(layers) - 1), weights, biases)
    settings = TrainingSettings(loss="mse", learning_rate=LEARNING_RATE)
    return Trainer(network, x, y, settings)


def check_same_computation(layers, x, y) -> None:
    """Both sides must compute the same thing, or the comparison means nothing."""
    trainer, loop = make_trainer(layers, x, y), NumpyLoop(layers, x, y)
    for _ in range(3):
        record = trainer.step()
        loss = loop.step()
        if not np.isclose(record.loss.loss, loss, rtol=1e-12, atol=0.0):
            raise SystemExit(f"bpsim and the loop disagree on {layers}: "
                             f"{record.loss.loss} vs {loss}")
    for mine, theirs in zip(trainer.network.weights, loop.weights):
        if not np.allclose(mine, theirs, rtol=1e-12, atol=1e-15):
            raise SystemExit(f"bpsim and the loop disagree on the weights of {layers}")
    # Trainer.run, the side timed against the loop, takes the same steps as Trainer.step
    bulk, stepped = make_trainer(layers, x, y), make_trainer(layers, x, y)
    losses = bulk.run(5).losses
    if not np.array_equal(losses, [stepped.step().loss.loss for _ in range(5)]):
        raise SystemExit(f"Trainer.run and Trainer.step disagree on {layers}")


def time_per_step(step, steps: int) -> tuple[float, float]:
    """(wall, CPU) µs per call of ``step``, over ``steps`` calls.  The CPU time of
    this thread is what the work costs whatever else runs; the wall time is what a
    user waits."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    for _ in range(steps):
        step()
    return ((time.perf_counter() - start) / steps * 1e6,
            (time.thread_time() - start_cpu) / steps * 1e6)


def time_run(trainer, steps: int) -> tuple[float, float]:
    """(wall, CPU) µs per step of ``trainer.run(steps)``."""
    start, start_cpu = time.perf_counter(), time.thread_time()
    trainer.run(steps)
    return ((time.perf_counter() - start) / steps * 1e6,
            (time.thread_time() - start_cpu) / steps * 1e6)


def measure(layers, batch, steps, repeats) -> tuple[float, float, float, float, float]:
    """Median wall µs per step of Trainer.run, Trainer.step and the loop; the median
    over repeats of the wall ratio run/loop of two runs side by side in time (so that
    both met the same load; which goes first alternates); the ratio of the median CPU
    times of run and loop."""
    x, y = make_data(layers, batch)
    check_same_computation(layers, x, y)
    trainer, loop = make_trainer(layers, x, y), NumpyLoop(layers, x, y)
    time_per_step(trainer.step, steps // 5)  # warm-up
    time_per_step(loop.step, steps // 5)
    run_times, step_times, loop_times = [], [], []
    for k in range(repeats):
        if k % 2:
            run_times.append(time_run(trainer, steps))
            loop_times.append(time_per_step(loop.step, steps))
        else:
            loop_times.append(time_per_step(loop.step, steps))
            run_times.append(time_run(trainer, steps))
        step_times.append(time_per_step(trainer.step, steps))

    def median(times, which):
        return statistics.median(t[which] for t in times)

    paired = statistics.median(run[0] / loop[0] for run, loop in zip(run_times, loop_times))
    return (median(run_times, 0), median(step_times, 0), median(loop_times, 0), paired,
            median(run_times, 1) / median(loop_times, 1))


def report(title: str, target: float, repeats: int) -> bool:
    """Measures every case, prints a table; True when every ratio meets ``target``."""
    print(f"\n{title} ({load_average()})")
    header = (f"{'case':<28}{'numpy loop':>11}{'run':>9}{'ratio':>8}{'cpu':>8}"
              f"{'step':>9}{'ratio':>8}   run target ≤ {target}×")
    print(header)
    print("-" * len(header))
    within = True
    for label, layers, batch, steps in CASES:
        run_us, step_us, loop_us, ratio, cpu_ratio = measure(layers, batch, steps, repeats)
        ok = ratio <= target
        within &= ok
        print(f"{label:<28}{loop_us:>11.1f}{run_us:>9.1f}{ratio:>7.2f}×{cpu_ratio:>7.2f}×"
              f"{step_us:>9.1f}{step_us / loop_us:>7.2f}×   "
              f"{'ok' if ok else 'slower than target'}", flush=True)
    return within


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=31,
                        help="timed runs per side; the median is reported (default 31)")
    parser.add_argument("--no-busy", action="store_true",
                        help="skip the measurement beside a competing busy process")
    args = parser.parse_args(argv)

    hold_one_blas_thread()  # the loop as well as bpsim (bpsim.run would anyway)
    print(f"numpy {np.__version__}, Python {sys.version.split()[0]}, "
          f"BLAS threads {blas_threads()}; medians of {args.repeats} runs, wall-clock "
          "µs per training step; ratio: of runs side by side; cpu: of CPU times")
    within = report("machine as it is", TARGET_RATIO, args.repeats)
    if not args.no_busy:
        with busy_process():
            within &= report("beside one busy process (a Python loop on one core)",
                             TARGET_RATIO_BUSY, args.repeats)
    return 0 if within else 1


if __name__ == "__main__":
    sys.exit(main())
