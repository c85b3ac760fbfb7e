"""Help ▸ About: what bpsim is, its version and licence, and what it runs on."""

from __future__ import annotations

import html
import platform

import numpy as np
import PySide6
from PySide6.QtCore import Qt, qVersion
from PySide6.QtWidgets import QDialog, QDialogButtonBox, QLabel, QVBoxLayout

from bpsim import cli

LICENCE = "MIT"


def versions() -> dict[str, str]:
    """The versions a bug report needs: bpsim's and those of what it runs on."""
    return {"bpsim": cli.version(), "Python": platform.python_version(),
            "Qt": qVersion(), "PySide6": PySide6.__version__, "numpy": np.__version__}


def about_text() -> str:
    """The dialog's text (rich text)."""
    rows = "".join(f"<tr><td>{html.escape(name)}</td><td>{html.escape(value)}</td></tr>"
                   for name, value in versions().items())
    return (f"<h3>bpsim {html.escape(cli.version())}</h3>"
            "<p>Watch backpropagation happen, step by step.</p>"
            f"<p>Licence: {LICENCE}</p>"
            f"<table cellspacing='6'>{rows}</table>")


class AboutDialog(QDialog):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("about")
        self.setWindowTitle("About bpsim")
        self.text = QLabel(about_text())
        self.text.setTextFormat(Qt.TextFormat.RichText)
        self.text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Close)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text)
        layout.addWidget(buttons)
