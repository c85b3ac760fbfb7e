"""The engine's own matrix products run on one BLAS thread wherever it runs (bulk
training, the command line, a gradient check, a comparison), and a script that uses
the engine as a library gets its own setting back afterwards."""

from __future__ import annotations

import threading

from bpsim import blas, cli, gradcheck
from bpsim.blas import blas_threads
from bpsim.compare import compare
from bpsim.training import Trainer


def _trainer(scenario) -> Trainer:
    dataset = scenario.dataset()
    return Trainer(scenario.network, dataset.x, dataset.y, scenario.training)


def test_trainer_run_uses_one_thread_and_gives_the_setting_back(xor, two_blas_threads):
    trainer = _trainer(xor)
    seen = []
    next_batch = trainer.sampler.next

    def watched_next():  # asked for every step's batch, inside the run
        seen.append(blas_threads())
        return next_batch()

    trainer.sampler.next = watched_next
    run = trainer.run(20)
    assert len(run.losses) == 20
    assert seen == [1] * 20
    assert blas_threads() == 2


def test_train_command_uses_one_thread(monkeypatch, capsys, two_blas_threads):
    seen = []
    original = Trainer._run

    def watched(self, steps, *args):
        seen.append(blas_threads())
        return original(self, steps, *args)

    monkeypatch.setattr(Trainer, "_run", watched)
    assert cli.main(["train", "xor", "--steps", "50"]) == 0
    assert seen and set(seen) == {1}
    assert blas_threads() == 2


def test_gradient_check_uses_one_thread(xor, two_blas_threads):
    seen = []
    dataset = xor.dataset()
    gradcheck.batched_central_differences(
        xor.network, dataset.x, dataset.y, xor.training.loss,
        progress=lambda done, total: seen.append(blas_threads()))
    assert seen and set(seen) == {1}
    assert blas_threads() == 2


def test_compare_uses_one_thread(xor, two_blas_threads):
    seen = []
    results = compare(xor, "activation", ["sigmoid", "tanh"], 40,
                      progress=lambda done, total: seen.append(blas_threads()))
    assert len(results) == 2 and seen and set(seen) == {1}
    assert blas_threads() == 2


def test_the_limit_stays_while_any_user_is_inside(two_blas_threads):
    # A job on another thread that leaves first must not give the threads back
    # while the main thread still computes.
    seen = []

    def job():
        with blas.one_blas_thread():
            seen.append(blas_threads())

    with blas.one_blas_thread():
        thread = threading.Thread(target=job)
        thread.start()
        thread.join(10)
        assert seen == [1]
        assert blas_threads() == 1
    assert blas_threads() == 2


def test_a_held_limit_outlives_every_user(xor, two_blas_threads):
    blas.hold_one_blas_thread()
    blas.hold_one_blas_thread()  # a second window: still one hold
    _trainer(xor).run(5)
    assert blas_threads() == 1
    blas._leave()  # this test's own release, so the fixture can restore two threads
    blas._held = False
    assert blas_threads() == 2

