"""Pieces the docks share: layer names in the lecture's words, labels, messages."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QComboBox, QFormLayout, QLabel

from bpsim.notation.scripts import layer_superscript as superscript  # ⁽ˡ⁾ as in w⁽²⁾
from bpsim.notation.symbols import Numbering

from ..widgets import ERROR_COLOUR, WholeLabel


def layer_name(layers: list[int], layer: int, numbering: Numbering | None = None) -> str:
    """"layer 0 (input)", "layer 1 (hidden)", "layer 2 (output)" (one higher each when
    ``numbering`` counts the input as layer 1, as the lecture)."""
    shown = (numbering or Numbering()).layer(layer)
    if layer == 0:
        return f"layer {shown} (input)"
    if layer == len(layers) - 1:
        return f"layer {shown} (output)"
    return f"layer {shown} (hidden)"


def plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


def value_label(name: str, tooltip: str = "", large: bool = False) -> QLabel:
    """A read-only number: selectable (to copy into notes), named for screen readers."""
    label = WholeLabel("—")
    label.setAccessibleName(name)
    label.setToolTip(tooltip or name)
    label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
    if large:
        font = label.font()
        font.setPointSizeF(font.pointSizeF() * 1.25)
        font.setBold(True)
        label.setFont(font)
    return label


def note_label(name: str) -> QLabel:
    """A wrapped explanatory line, in italics to set it apart from the values."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    font = label.font()
    font.setItalic(True)
    label.setFont(font)
    return label


def message_label(name: str = "Message") -> QLabel:
    """Where a dock says why it refused an edit (hidden until there is something to say)."""
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setStyleSheet(f"color: {ERROR_COLOUR};")
    label.setVisible(False)
    return label


def show_message(label: QLabel, text: str) -> None:
    label.setText(text)
    label.setVisible(bool(text))


def narrow_combo(combo: QComboBox, characters: int = 8) -> QComboBox:
    """A combo box that may be narrower than its longest item (shown whole in the
    popup), so that a long entry never widens the dock."""
    combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
    combo.setMinimumContentsLength(characters)
    return combo


def form_layout(parent=None) -> QFormLayout:
    """A form whose fields move under their labels when the dock is narrow (a projector
    at 1280×720 with large text), instead of widening the dock."""
    form = QFormLayout(parent) if parent is not None else QFormLayout()
    form.setRowWrapPolicy(QFormLayout.RowWrapPolicy.WrapLongRows)
    return form
