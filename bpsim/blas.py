"""BLAS (numpy's matrix products) on one thread for the engine's own work.

bpsim's matrices are tiny: spread over the cores, each product's thread hand-off costs
more than it saves, and with one other busy program on the machine the waiting
threads make training several times slower (a gradient check 8 s → 69 s on two
cores).  So the engine asks for one BLAS thread wherever it runs:

- :func:`one_blas_thread`, a context manager around library calls
  (:meth:`bpsim.training.Trainer.run`, a gradient check, a comparison);
- :func:`hold_one_blas_thread`, once, for the window, whose engine work (and its worker
  threads' jobs) is all on small matrices.

The limit is process-wide, so it is counted: it is set when the first user enters and
the previous one comes back when the last leaves; a held limit is never left.  It is
set and restored only from the main thread: once OpenBLAS (numpy's wheels; seen with
0.3.31) has been told a count from a thread Qt started, it ignores the main thread's
calls for good.  A job on a worker thread therefore runs under the limit its main
thread holds or has entered.  Entering costs a few microseconds (threadpoolctl looks
for the libraries once, ~0.2 ms, then only sets and reads their thread counts).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager

import numpy  # noqa: F401  (loads the BLAS the controller has to find)

_lock = threading.Lock()
_users = 0
_limiter = None
_controller = None


def _enter() -> None:
    global _users, _limiter, _controller
    with _lock:
        if _limiter is None and threading.current_thread() is threading.main_thread():
            if _controller is None:
                # Only when first needed: the look at the loaded libraries takes ~0.2 ms.
                from threadpoolctl import ThreadpoolController

                _controller = ThreadpoolController()
            _limiter = _controller.limit(limits=1, user_api="blas")
        _users += 1


def _leave() -> None:
    global _users, _limiter
    with _lock:
        _users -= 1
        if (_users == 0 and _limiter is not None
                and threading.current_thread() is threading.main_thread()):
            _limiter.restore_original_limits()
            _limiter = None


@contextmanager
def one_blas_thread():
    """BLAS on one thread while inside; the previous limit comes back on leaving
    (unless another user, or a held limit, still needs it)."""
    _enter()
    try:
        yield
    finally:
        _leave()


_held = False


def hold_one_blas_thread() -> None:
    """BLAS on one thread from now until the process ends (idempotent)."""
    global _held
    with _lock:
        if _held:
            return
        _held = True
    _enter()


def blas_threads() -> int:
    """How many threads numpy's BLAS uses now (the fewest, if several are loaded)."""
    from threadpoolctl import threadpool_info

    return min((lib["num_threads"] for lib in threadpool_info() if lib["user_api"] == "blas"),
               default=1)
