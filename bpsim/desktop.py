"""``bpsim install-desktop``: bpsim in the desktop's applications menu, for this user.

Following the freedesktop.org conventions, under ``$XDG_DATA_HOME`` (default
``~/.local/share``):

- ``applications/bpsim.desktop``: the desktop entry (Desktop Entry Specification 1.4),
  which runs the installed ``bpsim`` on a file (``%f``);
- ``mime/packages/bpsim.xml``: the file type of ``*.bpsim.json`` (shared-mime-info),
  opened with bpsim;
- ``icons/hicolor/<size>/apps/bpsim.png`` and ``icons/hicolor/scalable/apps/bpsim.svg``:
  the icon (Icon Theme Specification).

The caches (update-mime-database, update-desktop-database, gtk-update-icon-cache) are
refreshed when those programs exist, silently skipped when they do not.  No Qt: the PNG
sizes ship beside the SVG (drawn by ``bpsim.ui.icons``).
"""

from __future__ import annotations

import importlib.resources
import os
import shutil
import subprocess
import sys
from pathlib import Path
from xml.sax.saxutils import escape

#: the desktop entry's name (without .desktop); the window sets the same name
#: (QGuiApplication.setDesktopFileName), so the desktop matches the two
APP_ID = "bpsim"
#: the file type of a scenario file: JSON with bpsim's own glob
MIME_TYPE = "application/x-bpsim+json"
GLOB = "*.bpsim.json"
#: the usual hicolor sizes, in pixels
ICON_SIZES = (16, 22, 24, 32, 48, 64, 128, 256)


def data_home(environ=os.environ) -> Path:
    """$XDG_DATA_HOME if set to an absolute path (as the spec asks), else ~/.local/share."""
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / ".local" / "share"


def command() -> list[str]:
    """The installed ``bpsim`` to run: the bundle's own program, the script beside this
    Python (a virtual environment need not be on PATH), or the one on PATH; failing
    all, this Python with ``-m bpsim``."""
    if getattr(sys, "frozen", False):  # a standalone bundle: the program itself
        return [str(Path(sys.executable).absolute())]
    beside = Path(sys.executable).parent / "bpsim"
    if beside.is_file():
        return [str(beside.absolute())]
    found = shutil.which("bpsim")
    if found:
        return [str(Path(found).absolute())]
    return [str(Path(sys.executable).absolute()), "-m", "bpsim"]


def _exec_argument(word: str) -> str:
    """One argument of Exec: quoted when it holds a reserved character; inside quotes
    ", `, $ and \\ are escaped with a backslash (Desktop Entry Specification, "The Exec
    key").  The backslash of a string value is escaped once more by :func:`_value`."""
    if word and not any(c in word for c in ' \t\n"\'\\><~|&;$*?#()`'):
        return word
    return '"' + "".join("\\" + c if c in '"`$\\' else c for c in word) + '"'


def _value(text: str) -> str:
    """A string value of a desktop entry: \\, newline, tab and CR escaped."""
    return (text.replace("\\", "\\\\").replace("\n", "\\n").replace("\t", "\\t")
            .replace("\r", "\\r"))


def desktop_entry(program: list[str]) -> str:
    """The text of bpsim.desktop, running ``program`` on the file opened (%f)."""
    exec_line = " ".join(_exec_argument(word) for word in program) + " %f"
    lines = {
        "Type": "Application",
        "Version": "1.4",
        "Name": "bpsim",
        "GenericName": "Backpropagation simulator",
        "Comment": "Watch backpropagation happen, step by step",
        "Exec": _value(exec_line),
        "TryExec": _value(program[0]),
        "Icon": APP_ID,
        "Terminal": "false",
        "Categories": "Education;ArtificialIntelligence;",
        "Keywords": "neural network;backpropagation;gradient descent;",
        "MimeType": f"{MIME_TYPE};",
        "StartupNotify": "true",
        "StartupWMClass": APP_ID,
    }
    return "[Desktop Entry]\n" + "".join(f"{k}={v}\n" for k, v in lines.items())


def mime_package() -> str:
    """The shared-mime-info package: *.bpsim.json is a bpsim scenario, a kind of JSON."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<mime-info xmlns="http://www.freedesktop.org/standards/shared-mime-info">\n'
        f'  <mime-type type="{escape(MIME_TYPE)}">\n'
        "    <comment>bpsim scenario</comment>\n"
        '    <sub-class-of type="application/json"/>\n'
        f'    <glob pattern="{escape(GLOB)}" weight="60"/>\n'
        f'    <icon name="{APP_ID}"/>\n'
        "  </mime-type>\n"
        "</mime-info>\n")


def _icons() -> Path:
    return Path(str(importlib.resources.files("bpsim.resources") / "icons"))


def planned_files(home: Path) -> dict[Path, Path | str]:
    """Each file install() writes, with its text or the resource file it copies."""
    icons = home / "icons" / "hicolor"
    files: dict[Path, Path | str] = {
        home / "applications" / f"{APP_ID}.desktop": desktop_entry(command()),
        home / "mime" / "packages" / f"{APP_ID}.xml": mime_package(),
        icons / "scalable" / "apps" / f"{APP_ID}.svg": _icons() / "bpsim.svg",
    }
    for size in ICON_SIZES:
        png = _icons() / f"bpsim-{size}.png"
        if png.is_file():
            files[icons / f"{size}x{size}" / "apps" / f"{APP_ID}.png"] = png
    return files


def _refresh(home: Path) -> None:
    """Rebuild the caches the desktop reads, with the programs that exist."""
    for program, target in (("update-mime-database", home / "mime"),
                            ("update-desktop-database", home / "applications"),
                            ("gtk-update-icon-cache", home / "icons" / "hicolor")):
        found = shutil.which(program)
        if found is None or not target.is_dir():
            continue
        extra = ["-f", "-t", "-q"] if program == "gtk-update-icon-cache" else []
        subprocess.run([found, *extra, str(target)], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, check=False)


def install(environ=os.environ) -> list[Path]:
    """Write the desktop entry, the file type and the icons; the paths written."""
    home = data_home(environ)
    written = []
    for path, content in planned_files(home).items():
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Path):
            shutil.copyfile(content, path)
        else:
            path.write_text(content, encoding="utf-8")
        written.append(path)
    _refresh(home)
    return written


def uninstall(environ=os.environ) -> list[Path]:
    """Remove what install() wrote (nothing else); the paths removed."""
    home = data_home(environ)
    icons = home / "icons" / "hicolor"
    candidates = [home / "applications" / f"{APP_ID}.desktop",
                  home / "mime" / "packages" / f"{APP_ID}.xml",
                  icons / "scalable" / "apps" / f"{APP_ID}.svg",
                  *(icons / f"{s}x{s}" / "apps" / f"{APP_ID}.png" for s in ICON_SIZES)]
    removed = [path for path in candidates if path.is_file()]
    for path in removed:
        path.unlink()
    _refresh(home)
    return removed

