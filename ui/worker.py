"""Long computations off the GUI thread: one reusable worker with progress and cancel.

A dialog hands :meth:`Worker.start` a job, a plain function
``job(progress, cancelled) -> result`` that calls ``progress(done, total)`` now and
then and stops early when ``cancelled()`` returns True.  The job runs on its own
QThread; the worker (which lives on the GUI thread) re-emits what happens there:

- ``progress(done, total)`` while it runs;
- ``finished(result)`` when it returns (a cancelled job returns what it has, or
  whatever it chooses to say "cancelled" with);
- ``failed(message)`` when it raises, whatever the exception: a dialog waiting for
  the job must never stay "running".

Starting a new job while one runs cancels the old one and ignores what it still
reports.  :meth:`Worker.stop` (for a closing dialog) cancels and waits, so no thread
outlives its owner.
"""

from __future__ import annotations

from typing import Any, Callable

from PySide6.QtCore import QObject, QThread, Signal, Slot

#: ``job(progress, cancelled)``, run on the worker's thread
Job = Callable[[Callable[[int, int], None], Callable[[], bool]], Any]


def failure_message(error: BaseException) -> str:
    """What a person reads when a job fails: a ValueError's own words (they are written
    for people, e.g. "the loss diverged"), else the kind of error too."""
    text = str(error)
    if isinstance(error, ValueError) and text:
        return text
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


class _Run(QObject):
    """One job on one thread (moved to that thread)."""

    progress = Signal(int, int)
    finished = Signal(object)
    failed = Signal(str)

    def __init__(self, job: Job):
        super().__init__()
        self.job = job
        self.cancel_requested = False

    @Slot()
    def run(self) -> None:
        try:
            result = self.job(self.progress.emit, lambda: self.cancel_requested)
        except Exception as error:  # noqa: BLE001 (any failure must end the run)
            self.failed.emit(failure_message(error))
        else:
            self.finished.emit(result)
        finally:
            self.thread().quit()


class Worker(QObject):
    """Runs one job at a time on a QThread and reports on the GUI thread."""

    #: (done, total) of the current job
    progress = Signal(int, int)
    #: the current job's result
    finished = Signal(object)
    #: the current job raised: a message for the user
    failed = Signal(str)

    def __init__(self, parent: QObject | None = None):
        super().__init__(parent)
        self._current: _Run | None = None
        #: every run whose thread has not ended yet: (thread, run)
        self._threads: list[tuple[QThread, _Run]] = []

    @property
    def running(self) -> bool:
        """A job is running whose result will be reported."""
        return self._current is not None

    @property
    def cancel_requested(self) -> bool:
        return self._current is not None and self._current.cancel_requested

    def start(self, job: Job) -> None:
        """Run ``job`` on a new thread (cancelling the one running, if any)."""
        self._forget_current()
        run = _Run(job)
        thread = QThread()
        run.moveToThread(thread)
        thread.started.connect(run.run)
        run.progress.connect(self._on_progress)
        run.finished.connect(self._on_finished)
        run.failed.connect(self._on_failed)
        thread.finished.connect(self._reap)
        self._threads.append((thread, run))
        self._current = run
        thread.start()

    def cancel(self) -> None:
        """Ask the current job to stop; it reports ``finished`` (or ``failed``) soon."""
        if self._current is not None:
            # read by the job's thread between its steps; a bool assignment is atomic
            self._current.cancel_requested = True

    def discard(self) -> None:
        """Cancel the current job and ignore what it still reports (not waiting)."""
        self._forget_current()

    def stop(self) -> None:
        """Cancel every job, ignore what they report and wait for their threads."""
        self._forget_current()
        for thread, _run in list(self._threads):
            thread.wait()
        self._reap()

    def _forget_current(self) -> None:
        run, self._current = self._current, None
        if run is not None:
            run.cancel_requested = True

    # -- reports from the threads (queued to this thread) -----------------------------------

    def _on_progress(self, done: int, total: int) -> None:
        if self.sender() is self._current:
            self.progress.emit(done, total)

    def _on_finished(self, result) -> None:
        if self.sender() is self._current:
            self._current = None
            self.finished.emit(result)

    def _on_failed(self, message: str) -> None:
        if self.sender() is self._current:
            self._current = None
            self.failed.emit(message)

    def _reap(self) -> None:
        """Let go of the threads that have ended."""
        for thread, run in list(self._threads):
            if thread.isFinished():
                self._threads.remove((thread, run))
                run.deleteLater()
                thread.deleteLater()
