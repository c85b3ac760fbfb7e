"""How the lecture names the quantities of a network: W⁽ˡ⁾ᵢⱼ, b, z, a, x, ŷ, y, δ, J.

Activations write themselves (σ, σ′: :mod:`bpsim.activations`); this module names
everything else.
"""

from __future__ import annotations

from .expr import Sym

#: Euler's number, as the base of a power
E = Sym("e")
#: the learning rate
ETA = Sym("η")


class Notation:
    """Symbols for one network.  The one-weight lecture network is written w, x, z, ŷ, y
    (no indices, no layer numbers); wider networks carry neuron subscripts (counted
    from 0, as everywhere in bpsim) and deeper ones layer superscripts (l)."""

    def __init__(self, layers):
        self.layers = list(layers)
        self.depth = len(self.layers) - 1
        self.indexed = any(n > 1 for n in self.layers)
        self.layered = self.depth > 1

    def _sym(self, name, layer, index=(), tag=""):
        return Sym(name, layer if self.layered else None,
                   tuple(index) if self.indexed else (), tag)

    def weight(self, layer, j, i, tag="") -> Sym:
        return self._sym("W" if self.indexed else "w", layer, (j, i), tag)

    def weight_matrix(self, layer, transpose=False) -> Sym:
        return Sym("W" if self.indexed else "w", layer if self.layered else None,
                   transpose=transpose and self.indexed)

    def bias(self, layer, j, tag="") -> Sym:
        return self._sym("b", layer, (j,), tag)

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

    def y(self, k=None) -> Sym:
        return self._sym("y", None, () if k is None else (k,))

    def delta(self, layer, j=None) -> Sym:
        return self._sym("δ", layer, () if j is None else (j,))

    def loss(self) -> Sym:
        return Sym("J")
