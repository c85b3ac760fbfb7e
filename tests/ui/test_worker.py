"""The worker that runs long jobs off the GUI thread: progress, cancel, any failure."""

from __future__ import annotations

import threading

import pytest
from PySide6.QtCore import QThread

from bpsim.ui.worker import Worker, failure_message


@pytest.fixture
def worker(qtbot):
    worker = Worker()
    yield worker
    worker.stop()


def test_a_job_runs_off_the_gui_thread_and_reports_progress(worker, qtbot):
    gui = threading.get_ident()
    ran_on = []
    seen = []
    worker.progress.connect(lambda done, total: seen.append((done, total)))

    def job(progress, cancelled):
        ran_on.append(threading.get_ident())
        for k in range(1, 4):
            progress(k, 3)
        return "result"

    with qtbot.waitSignal(worker.finished, timeout=5000) as finished:
        worker.start(job)
        assert worker.running
    assert finished.args == ["result"]
    assert ran_on and ran_on[0] != gui
    qtbot.waitUntil(lambda: seen == [(1, 3), (2, 3), (3, 3)])
    assert not worker.running


@pytest.mark.parametrize("error, words", [
    (ZeroDivisionError("float division by zero"), "ZeroDivisionError: float division by zero"),
    (RuntimeError(), "RuntimeError"),
    (KeyError("W3"), "KeyError: 'W3'"),
    (ValueError("the loss diverged at step 3"), "the loss diverged at step 3")])
def test_any_exception_ends_in_failed_with_a_message(worker, qtbot, error, words):
    def job(progress, cancelled):
        raise error

    with qtbot.waitSignal(worker.failed, timeout=5000) as failed:
        worker.start(job)
    assert failed.args == [words] and not worker.running
    assert failure_message(error) == words


def test_cancel_is_seen_by_the_job(worker, qtbot):
    started = threading.Event()

    def job(progress, cancelled):
        started.set()
        while not cancelled():
            QThread.msleep(1)
        return "stopped"

    with qtbot.waitSignal(worker.finished, timeout=5000) as finished:
        worker.start(job)
        assert started.wait(5)
        worker.cancel()
    assert finished.args == ["stopped"]


def test_a_new_job_replaces_the_running_one(worker, qtbot):
    def slow(progress, cancelled):
        while not cancelled():
            QThread.msleep(1)
        return "old"

    results = []
    worker.finished.connect(results.append)
    worker.start(slow)
    with qtbot.waitSignal(worker.finished, timeout=5000):
        worker.start(lambda progress, cancelled: "new")
    qtbot.wait(50)
    assert results == ["new"]  # the cancelled job's answer is not reported
    qtbot.waitUntil(lambda: worker._threads == [], timeout=5000)


def test_a_job_beside_the_window_runs_on_one_blas_thread(two_blas_threads, worker, qtbot,
                                                        built_in):
    from bpsim.blas import blas_threads
    from bpsim.ui.session import Session

    Session(built_in("xor"))  # the window's session: one BLAS thread from now on
    assert blas_threads() == 1

    with qtbot.waitSignal(worker.finished, timeout=5000) as finished:
        worker.start(lambda progress, cancelled: blas_threads())
    assert finished.args == [1]
    assert blas_threads() == 1
