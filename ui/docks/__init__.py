"""The editing docks: inspector, layers, data, training settings.

Each dock takes the session in its constructor, seeds itself from its state, pushes
one undo command per user edit and follows the session's signals.
"""

from .data import DataDock
from .inspector import InspectorDock
from .layers import LayersDock
from .training import TrainingDock

__all__ = ["DataDock", "InspectorDock", "LayersDock", "TrainingDock"]
