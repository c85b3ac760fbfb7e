"""The update of one parameter by the optimizer, with the numbers of one step, all
taken from the engine's :class:`~bpsim.trace.UpdateRecord`:

- SGD: w_new = w − η·∂J/∂w; with momentum w_new = w + v, v = μ·v_previous − η·∂J/∂w
- Nesterov: w_new = w + μ·v − η·∂J/∂w (v as with momentum)
- RMSprop: w_new = w − η·g/(√s + ε), s = ρ·s_previous + (1 − ρ)·g²
- Adam: w_new = w − η·m̂/(√v̂ + ε), m̂ = m/(1 − β₁ᵗ), v̂ = v/(1 − β₂ᵗ)
"""

from __future__ import annotations

from ..trace import StepRecord, UpdateRecord
from .expr import Call, Equation, Frac, Num, Sym, partial, row
from .numbers import format_number
from .symbols import ETA, Notation

_MU, _RHO, _EPS = Sym("μ"), Sym("ρ"), Sym("ε")
_V, _S, _M = Sym("v"), Sym("s"), Sym("m")
_M_HAT, _V_HAT = Sym("m̂"), Sym("v̂")


def _sqrt(e) -> Call:
    return Call("√", e)


def optimizer_state(update: UpdateRecord, kind: str, layer: int, index: tuple) -> dict:
    """The optimizer's numbers for one parameter, by the lecture's symbol: "v_previous",
    "v" (momentum); "s_previous", "s" (RMSprop); "m", "v", "m̂", "v̂", "t" (Adam)."""
    def value(name, after=True):
        return update.state_value(name, kind, layer, index, after)

    if update.optimizer == "rmsprop":
        return {"s_previous": value("mean_square", False), "s": value("mean_square")}
    if update.optimizer == "adam":
        return {"m_previous": value("first_moment", False),
                "v_previous": value("second_moment", False),
                "m": value("first_moment"), "v": value("second_moment"),
                "m̂": value("first_moment_corrected"), "v̂": value("second_moment_corrected"),
                "t": update.t}
    if "velocity" in update.state_after:
        return {"v_previous": value("velocity", False), "v": value("velocity")}
    return {}


def state_note(update: UpdateRecord, numbers: dict, gradient: float) -> str:
    """How the optimizer's state was updated, with its numbers, in one line."""
    f = format_number
    g = _term(gradient)
    if update.optimizer == "rmsprop":
        return (f"s = ρ·s_previous + (1 − ρ)·g² = {f(update.rho)}·{_term(numbers['s_previous'])}"
                f" + {f(1 - update.rho)}·{g}² = {f(numbers['s'])}")
    if update.optimizer == "adam":
        b1, b2, t = update.beta1, update.beta2, numbers["t"]
        return (f"t = {t}: m = β₁·m_previous + (1 − β₁)·g = {f(b1)}·"
                f"{_term(numbers['m_previous'])} + {f(1 - b1)}·{g} = {f(numbers['m'])}, "
                f"v = β₂·v_previous + (1 − β₂)·g² = {f(b2)}·{_term(numbers['v_previous'])}"
                f" + {f(1 - b2)}·{g}² = {f(numbers['v'])}; m̂ = m/(1 − β₁ᵗ) = "
                f"{f(numbers['m̂'])}, v̂ = v/(1 − β₂ᵗ) = {f(numbers['v̂'])}")
    if numbers:
        name = "Nesterov momentum" if update.optimizer == "nesterov" else "momentum"
        return (f"{name}: v = μ·v_previous − η·∂J/∂w = {f(update.momentum)}·"
                f"{_term(numbers['v_previous'])} − {f(update.learning_rate)}·{g} = "
                f"{f(numbers['v'])}")
    return ""


def _term(value: float) -> str:
    """A number inside a formula: negative ones in parentheses, (−1.4)."""
    text = format_number(value)
    return f"({text})" if text.startswith("−") else text


def update_text(update: UpdateRecord, kind: str, layer: int, index: tuple,
                gradient: float, name: str) -> tuple[str, str]:
    """(the rule with the numbers, the state's note) in plain text, e.g.
    ("w ← w − η·m̂/(√v̂ + ε):   w = 0.3 − 0.01·0.12/(√0.0004 + 1×10⁻⁸) = 0.29", "t = 1: …")."""
    f = format_number
    symbol = "b" if kind == "bias" else "w"
    weights = update.weights_before if kind == "weight" else update.biases_before
    after = update.weights_after if kind == "weight" else update.biases_after
    before, new = float(weights[layer - 1][index]), float(after[layer - 1][index])
    numbers = optimizer_state(update, kind, layer, index)
    eta = f(update.learning_rate)
    if update.optimizer == "rmsprop":
        rule = f"{symbol} ← {symbol} − η·∂J/∂{symbol}/(√s + ε)"
        values = (f"{f(before)} − {eta}·{_term(gradient)}/(√{f(numbers['s'])} + "
                  f"{f(update.epsilon)})")
    elif update.optimizer == "adam":
        rule = f"{symbol} ← {symbol} − η·m̂/(√v̂ + ε)"
        values = (f"{f(before)} − {eta}·{_term(numbers['m̂'])}/(√{f(numbers['v̂'])} + "
                  f"{f(update.epsilon)})")
    elif update.optimizer == "nesterov" and numbers:
        rule = f"{symbol} ← {symbol} + μ·v − η·∂J/∂{symbol}"
        values = (f"{f(before)} + {f(update.momentum)}·{_term(numbers['v'])} − "
                  f"{eta}·{_term(gradient)}")
    elif numbers:
        rule = f"{symbol} ← {symbol} + v"
        values = f"{f(before)} + {_term(numbers['v'])}"
    else:
        rule = f"{symbol} ← {symbol} − η·∂J/∂{symbol}"
        values = f"{f(before)} − {eta}·{_term(gradient)}"
    return f"{rule}:   {name} = {values} = {f(new)}", state_note(update, numbers, gradient)


def update_equation(step: StepRecord, notation: Notation, parameter: tuple,
                    gradient: float) -> Equation:
    """w_new = w − η·∂J/∂w = 0.1 − 1 × (−4.2) = 4.3 (with momentum: w + v; RMSprop:
    w − η·∂J/∂w/(√s + ε); Adam: w − η·m̂/(√v̂ + ε)), the state's numbers in the note."""
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
    numbers = optimizer_state(update, kind, layer, index)
    note = state_note(update, numbers, gradient)
    eta = Num(update.learning_rate)
    if update.optimizer == "rmsprop":
        return Equation(new, (
            row(sym, "−", ETA, "·", Frac(grad, row(_sqrt(_S), "+", _EPS))),
            row(Num(before), "−", eta, "·",
                Frac(Num(gradient), row(_sqrt(Num(numbers["s"])), "+",
                                        Num(update.epsilon)))),
            Num(after)), note=note)
    if update.optimizer == "adam":
        return Equation(new, (
            row(sym, "−", ETA, "·", Frac(_M_HAT, row(_sqrt(_V_HAT), "+", _EPS))),
            row(Num(before), "−", eta, "·",
                Frac(Num(numbers["m̂"]), row(_sqrt(Num(numbers["v̂"])), "+",
                                            Num(update.epsilon)))),
            Num(after)), note=note)
    if update.optimizer == "nesterov" and numbers:
        return Equation(new, (
            row(sym, "+", _MU, "·", _V, "−", ETA, "·", grad),
            row(Num(before), "+", Num(update.momentum), "×", Num(numbers["v"]), "−", eta,
                "×", Num(gradient)),
            Num(after)), note=note)
    if numbers:
        return Equation(new, (row(sym, "+", _V), row(Num(before), "+", Num(numbers["v"])),
                              Num(after)), note=note)
    return Equation(new, (row(sym, "−", ETA, "·", grad),
                          row(Num(before), "−", eta, "×", Num(gradient)),
                          Num(after)))
