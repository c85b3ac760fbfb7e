"""How the lecture names the quantities of a network: W⁽ˡ⁾ᵢⱼ, b, z, a, x, ŷ, y, δ, J.

Activations write themselves (σ, σ′: :mod:`bpsim.activations`); this module names
everything else.
"""

from __future__ import annotations

from dataclasses import dataclass

from .expr import Sym
from .scripts import layer_superscript

#: Euler's number, as the base of a power
E = Sym("e")
#: the learning rate
ETA = Sym("η")


def shown_index(index: int) -> int:
    """The number a person reads for the array index ``index`` of a neuron, an input, an
    output or a sample: the first is 1 (files and arrays count from 0)."""
    return int(index) + 1


#: the layer numberings a scenario may choose: 0 counts the input as layer 0 (bpsim's
#: own), 1 as layer 1 (the lecture's: a⁽¹⁾ = X, and W⁽ˡ⁾ leaves layer l)
INPUT_LAYERS = (0, 1)


@dataclass(frozen=True)
class Numbering:
    """How layers are numbered on screen.  The engine counts the input as layer 0 and
    W⁽ˡ⁾ (with b⁽ˡ⁾) as the weights into layer l, so z⁽ˡ⁾ = W⁽ˡ⁾a⁽ˡ⁻¹⁾ + b⁽ˡ⁾.  With
    ``input_layer`` 1, as the lecture, the input is a⁽¹⁾ = X, a neuron layer's number
    (its a, z, δ) is one higher, and W⁽ˡ⁾ keeps its number: it leaves layer l, so
    z⁽ˡ⁺¹⁾ = W⁽ˡ⁾a⁽ˡ⁾ + b⁽ˡ⁾."""

    input_layer: int = 0

    def __post_init__(self):
        if self.input_layer not in INPUT_LAYERS:
            raise ValueError(f"input_layer must be 0 or 1, got {self.input_layer!r}")

    @property
    def is_default(self) -> bool:
        return self.input_layer == 0

    def layer(self, layer):
        """The shown number of the engine's neuron layer ``layer`` (a, z, δ, "layer 2");
        a letter (l, L) is kept as it is."""
        return layer + self.input_layer if isinstance(layer, int) else layer

    def weight_layer(self, layer):
        """The shown number of the engine's weight matrix W⁽ˡ⁾ and bias b⁽ˡ⁾ (the same
        in both numberings: the first matrix is W⁽¹⁾)."""
        return layer


def _shown(index) -> tuple:
    """Integer indices from 1; letters (i, j, k) as they are."""
    return tuple(shown_index(i) if isinstance(i, int) and not isinstance(i, bool) else i
                 for i in index)


class Notation:
    """Symbols for one network.  The one-weight lecture network is written w, x, z, ŷ, y
    (no indices, no layer numbers); wider networks carry neuron subscripts (from 1, as
    a person counts: :func:`shown_index`) and deeper ones layer superscripts (l),
    numbered by ``numbering``.  Every method takes the engine's 0-based neuron indices
    and the engine's layer numbers."""

    def __init__(self, layers, numbering: Numbering | None = None):
        self.layers = list(layers)
        self.depth = len(self.layers) - 1
        self.indexed = any(n > 1 for n in self.layers)
        self.layered = self.depth > 1
        self.numbering = numbering or Numbering()

    def _sym(self, name, layer, index=(), tag="", weight=False):
        shown = self.numbering.weight_layer(layer) if weight else self.numbering.layer(layer)
        return Sym(name, shown if self.layered and layer is not None else None,
                   _shown(index) if self.indexed else (), tag)

    def weight(self, layer, j, i, tag="") -> Sym:
        return self._sym("W" if self.indexed else "w", layer, (j, i), tag, weight=True)

    def weight_matrix(self, layer, transpose=False) -> Sym:
        return Sym("W" if self.indexed else "w",
                   self.numbering.weight_layer(layer) if self.layered else None,
                   transpose=transpose and self.indexed)

    def bias(self, layer, j=None, tag="") -> Sym:
        return self._sym("b", layer, () if j is None else (j,), tag, weight=True)

    def z(self, layer, j=None) -> Sym:
        return self._sym("z", layer, () if j is None else (j,))

    def a(self, layer, j=None) -> Sym:
        """a⁽ˡ⁾_j, written x_j for the inputs and ŷ_j for the outputs."""
        index = () if j is None else (j,)
        if layer == 0:
            return self._sym("x", None, index)
        if layer == self.depth:
            return self._sym("ŷ", None, index)
        return self._sym("a", layer, index)

    def activation(self, layer, j=None) -> Sym:
        """a⁽ˡ⁾_j always written a (with the lecture's numbering the input is a⁽¹⁾)."""
        return self._sym("a", layer, () if j is None else (j,))

    def y(self, k=None) -> Sym:
        return self._sym("y", None, () if k is None else (k,))

    def delta(self, layer, j=None, transpose=False) -> Sym:
        sym = self._sym("δ", layer, () if j is None else (j,))
        return Sym(sym.name, sym.layer, sym.index, transpose=transpose) if transpose else sym

    def loss(self) -> Sym:
        return Sym("J")


# -- names in running text (tooltips, titles, undo entries) ------------------------------


def weight_name(layer: int, j: int, i: int) -> str:
    """W⁽ˡ⁾[j, i] of the engine as a person reads it: w⁽²⁾[1,2] (indices from 1; the
    weight's layer number is the same in both numberings)."""
    return f"w{layer_superscript(layer)}[{shown_index(j)},{shown_index(i)}]"


def bias_name(layer: int, j: int) -> str:
    """b⁽ˡ⁾[j] of the engine as a person reads it: b⁽²⁾[1]."""
    return f"b{layer_superscript(layer)}[{shown_index(j)}]"


def neuron_words(layer: int, j: int, numbering: Numbering | None = None) -> str:
    """"neuron 1 of layer 2": the engine's neuron j of layer ``layer``, counted from 1 and
    numbered by ``numbering``."""
    numbering = numbering or Numbering()
    return f"neuron {shown_index(j)} of layer {numbering.layer(layer)}"
