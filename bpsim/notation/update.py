"""The gradient-descent update of one parameter, with the numbers of one step:
w_new = w − η·∂J/∂w (with momentum w_new = w + v, v = μ·v_previous − η·∂J/∂w)."""

from __future__ import annotations

from ..trace import StepRecord
from .expr import Equation, Num, Sym, partial, row
from .numbers import format_number
from .symbols import ETA, Notation


def update_equation(step: StepRecord, notation: Notation, parameter: tuple,
                    gradient: float) -> Equation:
    """w_new = w − η·∂J/∂w = 0.1 − 1 × (−4.2) = 4.3 (with momentum: w + v)."""
    update = step.update
    kind, layer = parameter[0], parameter[1]
    index = tuple(parameter[2:])
    if kind == "weight":
        before = float(update.weights_before[layer - 1][index])
        after = float(update.weights_after[layer - 1][index])
        sym = notation.weight(layer, *index)
        new = notation.weight(layer, *index, tag="new")
    else:
        before = float(update.biases_before[layer - 1][index])
        after = float(update.biases_after[layer - 1][index])
        sym = notation.bias(layer, *index)
        new = notation.bias(layer, *index, tag="new")
    grad = partial(notation.loss(), sym)
    if kind == "bias" and not update.train_biases:
        return Equation(new, (sym, Num(before)), note="biases are not trained: b stays")
    if not update.applied:
        return Equation(new, (sym, Num(before)),
                        note="the step diverged: the update was not applied")
    if update.momentum:
        v = after - before
        return Equation(new, (row(sym, "+", Sym("v")), row(Num(before), "+", Num(v)), Num(after)),
                        note=f"momentum: v = μ·v_previous − η·∂J/∂w with μ = "
                             f"{format_number(update.momentum)}")
    return Equation(new, (row(sym, "−", ETA, "·", grad),
                          row(Num(before), "−", Num(update.learning_rate), "×", Num(gradient)),
                          Num(after)))
