"""The gradient check of [2,64,64,64,1] (tanh, tanh, tanh, sigmoid; binary cross-entropy)
on 200 "circles" samples: the one-parameter-at-a-time loop against the batched check.

Both compute the same central differences (checked first) in the same process:
- loop: :func:`bpsim.gradcheck.central_differences`, two forward passes per parameter;
- batched: :func:`bpsim.gradcheck.batched_central_differences`, what Tools ▸ Gradient
  check and ``bpsim gradcheck`` run (one BLAS thread while it runs).
The loop runs with BLAS on one thread as well (with OpenBLAS's default threading its
thousands of small products run several times slower on two cores).  Target: the whole
check (backprop included) under 1 s.

    python bench/gradcheck.py [--repeats 3] [--loop-repeats 1]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402

from bpsim import gradcheck  # noqa: E402
from bpsim.initializers import InitSpec, initialize  # noqa: E402
from bpsim.network import Network  # noqa: E402
from bpsim.scenario import DataSpec, Scenario  # noqa: E402
from bpsim.training import TrainingSettings  # noqa: E402

TARGET_SECONDS = 1.0
LAYERS = [2, 64, 64, 64, 1]
SAMPLES = 200


def bench_scenario() -> Scenario:
    init = InitSpec("xavier_uniform", seed=0)
    weights, biases = initialize(LAYERS, init)
    network = Network(LAYERS, ["tanh", "tanh", "tanh", "sigmoid"], weights, biases)
    return Scenario(network, TrainingSettings("bce", 0.3),
                    DataSpec(generator="circles", n=SAMPLES, noise=0.1, seed=1), init,
                    title="bench [2,64,64,64,1], 200 samples")


def timed(function, repeats: int) -> list[float]:
    seconds = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        seconds.append(time.perf_counter() - start)
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3, help="runs of the batched check")
    parser.add_argument("--loop-repeats", type=int, default=1,
                        help="runs of the one-at-a-time loop (seconds each; 0: none)")
    args = parser.parse_args(argv)

    scenario = bench_scenario()
    dataset = scenario.dataset()
    network, x, y, loss = scenario.network, dataset.x, dataset.y, scenario.training.loss
    print(f"{scenario.title}: {network.parameter_count:,} parameters")

    results = {}

    def loop():
        with gradcheck.one_blas_thread():
            results["loop"] = gradcheck.central_differences(network, x, y, loss)

    def batched():
        results["batched"] = gradcheck.batched_central_differences(network, x, y, loss)

    batched()  # warm-up: threadpoolctl's first look at the libraries
    loop_seconds = timed(loop, args.loop_repeats)
    batched_seconds = timed(batched, args.repeats)
    check_seconds = timed(lambda: gradcheck.check_scenario(scenario), args.repeats)

    if "loop" in results:  # the same numbers, to the rounding of J
        noise = 1e-8 * max(1.0, abs(network.loss(x, y, loss)))
        for (loop_grads, loop_kinks), (grads, kinks) in zip(results["loop"],
                                                            results["batched"]):
            for a, b in zip(loop_grads, grads):
                np.testing.assert_allclose(b, a, rtol=1e-6, atol=noise)
            assert all((a == b).all() for a, b in zip(loop_kinks, kinks))
        print("same central differences: yes")

    loop_median = statistics.median(loop_seconds) if loop_seconds else float("nan")
    batched_median = statistics.median(batched_seconds)
    check_median = statistics.median(check_seconds)
    print(f"one parameter at a time  {loop_median:8.2f} s   (median of {len(loop_seconds)})")
    print(f"batched differences      {batched_median:8.2f} s   (median of {args.repeats}, "
          f"fastest {min(batched_seconds):.2f} s)")
    print(f"whole check (+ backprop) {check_median:8.2f} s   (median of {args.repeats})")
    if loop_seconds:
        print(f"ratio loop / batched     {loop_median / batched_median:8.1f}×")
    met = check_median < TARGET_SECONDS
    print(f"target: the whole check under {TARGET_SECONDS:g} s: "
          f"{'met' if met else 'MISSED'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
