"""Autosave and crash recovery: a lecturer's twenty minutes of building survive a crash,
a power cut or a closed laptop lid.

While the scenario has unsaved changes, :class:`Autosave` keeps a recovery copy of it
in the user's application data folder (``recovery_folder()``, e.g.
``~/.local/share/bpsim/bpsim/recovery``; never beside the user's file).  The copy is
written with :func:`bpsim.io.save` (atomic), at most once every ``DELAY_MS`` after an
edit, not on every tick of a slider or every frame of play.  Beside it, a small JSON
file says which file it belongs to and its title.  Saving, undoing back to the saved
state, opening another scenario or closing the window cleanly removes it.

Each copy carries a lock (:class:`QLockFile`: the process id, released by the system
when the process ends, however it ends), so several bpsim processes keep separate copies
and a starting bpsim offers only the copies whose process is gone
(:func:`orphaned_copies`).  Holding that lock while it offers them, it never offers a
copy another starting bpsim is offering too.

Files of one copy, named ``<pid>-<n>`` (n counts the windows of one process)::

    <pid>-<n>.bpsim.json   the scenario, an ordinary scenario file
    <pid>-<n>.info.json    {"original_path": ... or null, "title": ..., "saved_at": ...}
    <pid>-<n>.lock         the lock
"""

from __future__ import annotations

import itertools
import json
import os
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QLockFile, QObject, QStandardPaths, QTimer, Signal

from bpsim import io
from bpsim.scenario import Scenario, ScenarioError

#: an edit is in the recovery copy at most this long after it was made (milliseconds)
DELAY_MS = 3000
#: writing may take at most this share of the time (a big network's copy takes a while)
WRITE_SHARE = 0.1
SCENARIO_SUFFIX = io.EXTENSION
INFO_SUFFIX = ".info.json"
LOCK_SUFFIX = ".lock"

_window_numbers = itertools.count(1)


def recovery_folder() -> Path:
    """The folder of the recovery copies: the application data folder (XDG_DATA_HOME
    on Linux) ▸ recovery."""
    base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(base) / "recovery"


def _write_atomically(text: str, path: Path) -> None:
    """The small info file, replaced whole (as io.save replaces the scenario)."""
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(temporary, "w", encoding="utf-8") as file:
        file.write(text)
        file.flush()
        os.fsync(file.fileno())
    os.replace(temporary, path)


def _unlink(path: Path) -> None:
    try:
        path.unlink()
    except FileNotFoundError:
        pass


def _lock(path: Path) -> QLockFile:
    lock = QLockFile(str(path))
    # stale only when its process is gone, never by age: a lecture lasts hours
    lock.setStaleLockTime(0)
    return lock


@dataclass
class RecoveryCopy:
    """A recovery copy left by a bpsim that did not close cleanly."""

    #: the recovery copy itself (a scenario file)
    scenario_path: Path
    #: the file the scenario was opened from or saved to, or None (never saved)
    original_path: Path | None
    #: the scenario's title as the info file gives it
    title: str
    #: when the copy was written (seconds since the epoch)
    saved_at: float
    #: held while the copy is offered (so no other bpsim offers it too)
    lock: QLockFile | None = None

    @property
    def stem(self) -> Path:
        return self.scenario_path.with_name(
            self.scenario_path.name.removesuffix(SCENARIO_SUFFIX))

    @property
    def name(self) -> str:
        """What the user knows it by: its file's name, else its title."""
        if self.original_path is not None:
            return self.original_path.name
        return self.title or "Untitled"

    def when(self) -> str:
        return datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M")

    def load(self) -> Scenario:
        """The scenario; ScenarioError with the loader's message if it cannot be used."""
        return io.load(self.scenario_path)

    def discard(self) -> None:
        for suffix in (SCENARIO_SUFFIX, INFO_SUFFIX):
            _unlink(Path(str(self.stem) + suffix))
        self.release()
        _unlink(Path(str(self.stem) + LOCK_SUFFIX))

    def release(self) -> None:
        """Let the next bpsim offer it again (kept, e.g. after Show me where)."""
        if self.lock is not None:
            self.lock.unlock()
            self.lock = None


def _read_info(path: Path) -> dict:
    """The info file's fields; a missing or damaged one gives what it can (the copy
    itself is what matters)."""
    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return info if isinstance(info, dict) else {}


def orphaned_copies(folder: Path | None = None) -> list[RecoveryCopy]:
    """The recovery copies whose bpsim is no longer running, newest first, each locked
    by this process until discarded, restored or released."""
    folder = recovery_folder() if folder is None else folder
    try:
        candidates = sorted(folder.glob(f"*{SCENARIO_SUFFIX}"))
    except OSError:
        return []
    copies = []
    for scenario_path in candidates:
        stem = str(scenario_path)[:-len(SCENARIO_SUFFIX)]
        lock = _lock(Path(stem + LOCK_SUFFIX))
        if not lock.tryLock(0):
            continue  # its bpsim is still running (or another one is offering it)
        info = _read_info(Path(stem + INFO_SUFFIX))
        original = info.get("original_path")
        title = info.get("title")
        try:
            saved_at = float(info.get("saved_at") or scenario_path.stat().st_mtime)
        except (OSError, TypeError, ValueError):
            saved_at = 0.0
        copies.append(RecoveryCopy(
            scenario_path, Path(original) if isinstance(original, str) and original else None,
            title if isinstance(title, str) else "", saved_at, lock))
    copies.sort(key=lambda copy: copy.saved_at, reverse=True)
    return copies


class Autosave(QObject):
    """This window's recovery copy of ``session``'s scenario, kept while it has unsaved
    changes.  ``close()`` (the window closed cleanly) removes it."""

    #: a recovery copy was written (its path)
    written = Signal(object)

    def __init__(self, session, folder: Path | None = None, delay_ms: int = DELAY_MS,
                 parent=None):
        super().__init__(parent)
        self.session = session
        self.folder = recovery_folder() if folder is None else Path(folder)
        # a copy left by an earlier process with the same id (after a reboot) is kept
        stem = self.folder / f"{os.getpid()}-{next(_window_numbers)}"
        while Path(str(stem) + SCENARIO_SUFFIX).exists():
            stem = self.folder / f"{os.getpid()}-{next(_window_numbers)}"
        self.path = Path(str(stem) + SCENARIO_SUFFIX)
        self.info_path = Path(str(stem) + INFO_SUFFIX)
        self._lock = _lock(Path(str(stem) + LOCK_SUFFIX))
        self._delay_ms = delay_ms
        self._closed = False
        # one write a while after the first edit, however many edits follow (a throttle:
        # a slider dragged or play running for minutes still gets a copy every few s)
        self.timer = QTimer(self)
        self.timer.setSingleShot(True)
        self.timer.setInterval(delay_ms)
        self.timer.timeout.connect(self.write_now)
        for signal in (session.parameters_changed, session.structure_changed,
                       session.data_changed, session.training_changed):
            signal.connect(self._on_edited)
        session.file_state_changed.connect(self._on_file_state_changed)

    def _on_edited(self, *_args) -> None:
        if self.session.modified and not self._closed and not self.timer.isActive():
            self.timer.start()

    def _on_file_state_changed(self) -> None:
        if self.session.modified:
            self._on_edited()
        else:
            # saved, undone back to the saved state, or another scenario opened
            self.timer.stop()
            self.remove()

    def write_now(self) -> bool:
        """Write the recovery copy now (True if written).  A scenario that cannot be
        written (NaN weights, a full disk) keeps the last good copy."""
        if self._closed or not self.session.modified:
            return False
        started = time.monotonic()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            if not self._lock.isLocked() and not self._lock.tryLock(0):
                return False
            session = self.session
            io.save(session.scenario, self.path)
            _write_atomically(json.dumps({
                "original_path": None if session.path is None else str(session.path),
                "title": session.scenario.title, "saved_at": time.time(),
                "pid": os.getpid()}, ensure_ascii=False), self.info_path)
        except (OSError, ScenarioError):
            return False
        # a copy that takes long to write (a big network) is written less often
        took_ms = (time.monotonic() - started) * 1000
        self.timer.setInterval(max(self._delay_ms, int(took_ms / WRITE_SHARE)))
        self.written.emit(self.path)
        return True

    def remove(self) -> None:
        """No unsaved changes: no recovery copy."""
        for path in (self.path, self.info_path):
            try:
                _unlink(path)
            except OSError:
                pass
        if self._lock.isLocked():
            self._lock.unlock()  # removes the lock file

    def close(self) -> None:
        """The window closed cleanly: nothing to recover."""
        self._closed = True
        self.timer.stop()
        self.remove()
