"""What the window remembers between runs: geometry, dock layout, recent files, text size.

Everything lives in one INI file per user (QSettings, organization and application
"bpsim"), so tests can point it at a temporary folder with ``QSettings.setPath``.
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QSettings

ORGANIZATION = "bpsim"
APPLICATION = "bpsim"
MAX_RECENT_FILES = 8

#: text size is the default application font times this factor
TEXT_SCALE_MIN, TEXT_SCALE_MAX = 0.7, 3.0
TEXT_SCALE_STEP = 1.15


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope,
                     ORGANIZATION, APPLICATION)


def recent_files() -> list[Path]:
    """Most recently opened or saved first."""
    value = settings().value("recent_files", [])
    if isinstance(value, str):  # QSettings gives a lone string for a list of one
        value = [value]
    return [Path(p) for p in value or []]


def _store_recent(paths: list[Path]) -> None:
    settings().setValue("recent_files", [str(p) for p in paths[:MAX_RECENT_FILES]])


def add_recent_file(path: Path) -> list[Path]:
    path = Path(path).resolve()
    paths = [path] + [p for p in recent_files() if p != path]
    _store_recent(paths)
    return paths[:MAX_RECENT_FILES]


def remove_recent_file(path: Path) -> list[Path]:
    paths = [p for p in recent_files() if p != Path(path)]
    _store_recent(paths)
    return paths


def clear_recent_files() -> None:
    _store_recent([])


def lecture_numbering() -> bool:
    """Whether new documents number the input as layer 1, as the lecture."""
    return settings().value("lecture_numbering", False) in (True, "true")


def set_lecture_numbering(on: bool) -> None:
    settings().setValue("lecture_numbering", bool(on))


def text_scale() -> float:
    try:
        scale = float(settings().value("text_scale", 1.0))
    except (TypeError, ValueError):
        scale = 1.0
    return clamp_text_scale(scale)


def set_text_scale(scale: float) -> None:
    settings().setValue("text_scale", clamp_text_scale(scale))


def clamp_text_scale(scale: float) -> float:
    return min(max(scale, TEXT_SCALE_MIN), TEXT_SCALE_MAX)


def window_layout() -> tuple[bytes | None, bytes | None]:
    """(geometry, dock state) as saved by the last window closed, or None."""
    store = settings()
    return store.value("window/geometry"), store.value("window/state")


def save_window_layout(geometry, state) -> None:
    store = settings()
    store.setValue("window/geometry", geometry)
    store.setValue("window/state", state)
