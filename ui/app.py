"""``bpsim [FILE] [--screenshot OUT.png] [--steps K] [--size WxH]``: the window.

Start-up is measured (``bench/startup.py``): Qt is imported only once the arguments
are known to need it, and the plots (pyqtgraph) only after the first paint.
"""

from __future__ import annotations

import importlib.resources
import os
import sys
from pathlib import Path

import numpy as np

from bpsim import cli, io
from bpsim.cli import DEFAULT_SCREENSHOT_SIZE  # noqa: F401 (the window's default, here too)

NO_DISPLAY_HINT = ("bpsim: no display found; use QT_QPA_PLATFORM=offscreen with "
                   "--screenshot, or run under a virtual display such as Xvfb")
#: the name of the desktop entry ``bpsim install-desktop`` writes (without .desktop):
#: the desktop shell matches the window to its entry, icon and name by it
DESKTOP_FILE_NAME = "bpsim"


def display_available(environ=os.environ, platform: str = sys.platform) -> bool:
    """False on Linux without X11 or Wayland, where Qt would abort."""
    if environ.get("QT_QPA_PLATFORM"):
        return True
    if platform.startswith("linux"):
        return bool(environ.get("DISPLAY") or environ.get("WAYLAND_DISPLAY"))
    return True


def load_file_or_builtin(source=None):
    """(scenario, path) from a file path or the id of a built-in scenario (default: the
    lecture example).  A built-in scenario has no path, so Save asks where to write
    instead of overwriting the bundled file.  Raises io.ScenarioError with the loader's
    message."""
    if source is None:
        source = io.DEFAULT_SCENARIO
    path = Path(source)
    if not path.exists() and str(source) in io.builtin_scenario_names():
        return io.load_builtin(str(source)), None
    return io.load(path), path


def _quiet_offscreen_notices() -> None:
    """The offscreen platform says "does not support propagateSizeHints()" for every
    window it lays out: true, harmless, and noise in a screenshot run's output."""
    from PySide6.QtCore import qInstallMessageHandler

    def handler(mode, context, message):
        if "propagateSizeHints" not in message:
            sys.stderr.write(message + "\n")

    qInstallMessageHandler(handler)


def light_palette():
    """bpsim's palette, the same under a light or a dark system colour scheme: the
    canvas, the plots and the style sheet are drawn on white (ui/theme.py), so the
    widgets around them take light backgrounds and dark text too."""
    from PySide6.QtGui import QColor, QPalette

    from . import theme

    role = QPalette.ColorRole
    colours = {role.Window: theme.WINDOW, role.WindowText: theme.INK,
               role.Base: theme.FIELD, role.AlternateBase: theme.ALTERNATE_ROW,
               role.Text: theme.INK, role.Button: theme.BUTTON, role.ButtonText: theme.INK,
               role.BrightText: theme.PAPER, role.Highlight: theme.HIGHLIGHT,
               role.HighlightedText: theme.HIGHLIGHTED_TEXT, role.Link: theme.LINK,
               role.LinkVisited: theme.LINK, role.ToolTipBase: theme.TOOLTIP_BACKGROUND,
               role.ToolTipText: theme.INK, role.PlaceholderText: theme.PLACEHOLDER,
               role.Light: theme.BEVEL_LIGHT, role.Midlight: theme.BEVEL_MIDLIGHT,
               role.Mid: theme.BEVEL_MID, role.Dark: theme.BEVEL_DARK,
               role.Shadow: theme.BEVEL_SHADOW}
    palette = QPalette()
    for name, colour in colours.items():
        palette.setColor(name, QColor(colour))  # every colour group
    for name in (role.WindowText, role.Text, role.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, name, QColor(theme.DISABLED))
    return palette


def application():
    """The QApplication, created once, with bpsim's names, font and style sheet."""
    from PySide6.QtGui import QIcon
    from PySide6.QtWidgets import QApplication

    from . import main_window, settings

    app = QApplication.instance() or QApplication(["bpsim"])
    if app.property("bpsim_configured"):
        return app
    app.setProperty("bpsim_configured", True)
    if app.platformName() == "offscreen":
        _quiet_offscreen_notices()
    app.setOrganizationName(settings.ORGANIZATION)
    app.setApplicationName(settings.APPLICATION)
    app.setApplicationVersion(cli.version())
    app.setDesktopFileName(DESKTOP_FILE_NAME)
    app.setPalette(light_palette())
    font = app.font()
    font.setPointSizeF(main_window.BASE_POINT_SIZE)
    app.setFont(font)
    app.setWindowIcon(QIcon(str(importlib.resources.files("bpsim.resources") / "icons"
                                / "bpsim.svg")))
    return app


def build_window(path=None, steps: int = 0, restore_layout: bool = True):
    """The main window on ``path`` (a file, a built-in scenario's id, or None for the
    lecture example) after ``steps`` full training steps, shown as ``bpsim`` shows it, without
    entering the event loop.  Raises io.ScenarioError for a file that cannot be used."""
    return _open_window(*load_file_or_builtin(path), steps, restore_layout)


def _open_window(scenario, path, steps: int, restore_layout: bool):
    application()
    from .main_window import MainWindow
    from .session import Session

    session = Session(scenario, path)
    window = MainWindow(session, restore_layout=restore_layout)
    if path is not None:
        window.remember_recent(path)
    if steps:
        window.load_deferred_docks()  # so the plots record these steps too
        session.train(steps, notify=False)  # keeps only the last full step record
        session.notify_trained()
    window.show()
    return window


def offer_recovery(window, into_window: bool = True) -> list:
    """After a crash: each recovery copy a bpsim that is no longer running left behind is
    offered (Restore / Discard / Show me where, see MainWindow.offer_recovery).  The
    first copy restored opens in ``window`` if ``into_window``, each other one in a new
    window; returns the new windows (the caller keeps them)."""
    from .recovery import orphaned_copies

    opened = []
    for copy in orphaned_copies():
        if window.offer_recovery(copy) != "restore":
            continue
        if into_window:
            into_window = not window.restore_recovery(copy)
            continue
        other = _open_window(*load_file_or_builtin(None), 0, restore_layout=True)
        if other.restore_recovery(copy):
            opened.append(other)
        else:
            other.close()
    return opened


def save_screenshot(window, out: Path, size: tuple[int, int]) -> bool:
    """Lay the window out at ``size`` with every dock in place and write it to a PNG."""
    from PySide6.QtWidgets import QApplication

    app = QApplication.instance()
    already = window._deferred_loaded  # docks laid out for the default size (--steps)
    window.resize(*size)
    window.load_deferred_docks()
    app.processEvents()
    if already:
        window.lay_out_for_size()
    for _ in range(3):  # layout requests are posted events: let them all settle
        app.processEvents()
    window.canvas.zoom_fit()
    app.processEvents()
    image = window.grab()
    # sizes in logical pixels: at a scale factor of 2 the image has twice as many
    # device pixels as the window has logical ones
    logical = image.deviceIndependentSize().toSize()
    if (logical.width(), logical.height()) != tuple(size):
        print(f"bpsim: the window needs at least {logical.width()}x{logical.height()} "
              "pixels; the screenshot has that size", file=sys.stderr)
    return image.save(str(out), "PNG")


def slides_main(file: str, out, size: tuple[int, int], form: str, steps: int) -> list:
    """``bpsim slides``: the slides of FILE's first step (see bpsim.ui.export_slides),
    drawn offscreen when there is no display; the files written."""
    if "PySide6.QtWidgets" not in sys.modules:
        # nothing is shown: offscreen also where there is a display, so the slides
        # come out the same on every machine
        os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    np.seterr(over="ignore", invalid="ignore", divide="ignore", under="ignore")
    from .export_slides import SlideOptions, export
    from .session import Session

    application()
    scenario, path = load_file_or_builtin(file)
    # the first step of FILE, as `bpsim step` takes it
    return export(Session(scenario, path), out, SlideOptions(*size, form, steps))


def dialogs_visible(environ=os.environ) -> bool:
    """A screen someone looks at: a display, and not Qt's offscreen or minimal platform
    (where a modal message box would wait for a click that never comes)."""
    return (display_available(environ)
            and environ.get("QT_QPA_PLATFORM", "") not in ("offscreen", "minimal"))


def show_load_error(error) -> None:
    """The loader's message in a message box."""
    from PySide6.QtWidgets import QMessageBox

    application()
    QMessageBox.critical(None, "bpsim: cannot open the file", error.report())


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    try:
        args = cli.parse_arguments(argv)
    except SystemExit as exit_:  # --help, or arguments argparse has reported
        return int(exit_.code or 0)
    if args.command is not None:
        return cli.run_command(args)

    try:
        scenario, path = load_file_or_builtin(args.window_file)
    except io.ScenarioError as error:
        print(f"bpsim: {error.report()}", file=sys.stderr)
        if args.screenshot is None and dialogs_visible():
            # opened from a file manager there is no terminal to read stderr on
            show_load_error(error)
        return 1

    # A diverging network overflows: the window says so in words (the divergence
    # banner, "NaN" and "∞" on the canvas), numpy's warnings would only reach a terminal
    # a teacher never looks at.
    np.seterr(over="ignore", invalid="ignore", divide="ignore", under="ignore")

    # No QApplication can exist before Qt's widgets are imported.
    app_exists = "PySide6.QtWidgets" in sys.modules and (
        sys.modules["PySide6.QtWidgets"].QApplication.instance() is not None)
    if not app_exists:
        if args.screenshot is not None:
            os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
        elif not display_available():
            print(NO_DISPLAY_HINT, file=sys.stderr)
            return 2

    window = _open_window(scenario, path, args.window_steps,
                          restore_layout=args.screenshot is None)

    if args.screenshot is not None:
        saved = save_screenshot(window, args.screenshot, args.size)
        window.hide()  # not close(): a screenshot neither asks about nor keeps anything
        window.deleteLater()
        if not saved:
            print(f"bpsim: cannot write {args.screenshot}", file=sys.stderr)
            return 1
        return 0

    # a window on a FILE keeps it; recovered work opens beside it
    windows = [window, *offer_recovery(window, into_window=args.window_file is None)]

    from PySide6.QtWidgets import QApplication

    status = QApplication.instance().exec()
    windows.clear()  # kept alive until the event loop ends
    return status


if __name__ == "__main__":
    sys.exit(main())
