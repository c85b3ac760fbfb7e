"""Every training, data and network setting, declared once.

Each :class:`Setting` says what a value may be (its type, its range with open or
closed ends, its choices), what it is called on screen (label, symbol, tooltip) and
where it sits in a scenario file.  The file loader checks values with
:meth:`Setting.check`; the docks build their fields from the same entries, so a value
the window accepts is one the loader accepts, and the guided tours name a setting with
:func:`label` or :func:`phrase`.

Cross-field rules (a loss against the output activation, targets against the outputs)
are not here: they live in :meth:`bpsim.scenario.Scenario.check`.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from . import activations as act
from . import data as data_mod
from . import losses
from . import regularization as reg
from .initializers import SCHEME_PARAMS, SCHEMES
from .training import OPTIMIZER_SETTINGS, OPTIMIZERS  # noqa: F401 (the window reads them here)
from .notation.numbers import format_exact

#: the largest seed any field offers: numpy takes any non-negative integer, but a
#: person types a 32-bit one (and Qt's integer fields hold no more)
MAX_SEED = 2**31 - 1

#: the largest |a|, |b|, σ and c an initializer takes
MAX_INIT = 1000.0

KINDS = ("float", "int", "bool", "choice")


def shown(value) -> str:
    """How a value looks in a scenario file, short enough for one line of a message."""
    if value is None:
        return "null"
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, str):
        text = json.dumps(value, ensure_ascii=False)
    else:
        text = repr(value)
    if len(text) > 40:
        text = text[:36] + "…" + text[-3:]
    # a lone UTF-16 surrogate ("\ud800" in the file) cannot be printed: show its escape
    return text.encode("utf-8", "backslashreplace").decode("utf-8")


def _bound(value: float) -> str:
    """A range end as a person reads it: 1000, 0.5, 100000 (never "1e+05")."""
    return str(int(value)) if float(value).is_integer() else format_exact(value)


@dataclass(frozen=True)
class Setting:
    """One setting: what values it takes and what it is called.

    A number's range is ``minimum``..``maximum`` (None: unbounded on that side);
    ``minimum_open``/``maximum_open`` exclude the end itself, so the learning rate's
    (0, 1000] is ``minimum=0, minimum_open=True, maximum=1000``.
    """

    #: unique key, as the docks, the tours and the tests name it
    name: str
    #: "float", "int", "bool" or "choice"
    kind: str
    #: the value a new scenario starts with (None: there is no default)
    default: object
    #: what the dock shows beside the field, e.g. "Learning rate"
    label: str
    #: where the value sits in a scenario file, e.g. "training.learning_rate"
    path: str
    #: the lecture's symbol, e.g. "η" ("" when the setting has none)
    symbol: str = ""
    #: what the value does, in one or two sentences (the range is added by :attr:`help`)
    tooltip: str = ""
    minimum: float | None = None
    maximum: float | None = None
    minimum_open: bool = False
    maximum_open: bool = False
    #: the names a "choice" setting takes
    choices: tuple[str, ...] = ()
    #: names accepted besides ``choices`` (older spellings, e.g. "linear")
    aliases: tuple[str, ...] = ()
    #: None is a value too (batch size: null means the whole dataset)
    nullable: bool = False
    #: the refusal's "expected …" when a value has the wrong type
    expected: str = ""
    #: a "choice" setting's thing, in "unknown loss …" / "the name of a loss"
    what: str = ""

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown kind {self.kind!r}; kinds are {', '.join(KINDS)}")

    # -- words ------------------------------------------------------------------------

    @property
    def title(self) -> str:
        """Label and symbol, as a form row shows them: "Learning rate η"."""
        return f"{self.label} {self.symbol}" if self.symbol else self.label

    @property
    def help(self) -> str:
        """The tooltip with the accepted range, e.g. "… (greater than 0 and at most 1000)"."""
        if self.kind not in ("float", "int"):
            return self.tooltip
        return f"{self.tooltip} ({self.describe_range()})" if self.tooltip else \
            self.describe_range().capitalize()

    def describe_range(self) -> str:
        """The accepted numbers in words: "between 0 and 1", "at least 0 and below 1",
        "greater than 0 and at most 1000", "any number"."""
        low, high = self.minimum, self.maximum
        if low is not None and high is not None and not (self.minimum_open
                                                         or self.maximum_open):
            return f"between {_bound(low)} and {_bound(high)}"
        parts = []
        if low is not None:
            parts.append(self._lower_words())
        if high is not None:
            parts.append(self._upper_words())
        if not parts:
            return "any whole number" if self.kind == "int" else "any number"
        return " and ".join(parts)

    def _lower_words(self) -> str:
        return (f"greater than {_bound(self.minimum)}" if self.minimum_open
                else f"at least {_bound(self.minimum)}")

    def _upper_words(self) -> str:
        return (f"below {_bound(self.maximum)}" if self.maximum_open
                else f"at most {_bound(self.maximum)}")

    # -- checking ---------------------------------------------------------------------

    def contains(self, number: float) -> bool:
        """Whether ``number`` lies in the range (the type is not looked at)."""
        return self._range_problem(number) is None

    def _range_problem(self, number: float) -> str | None:
        low, high = self.minimum, self.maximum
        if low is not None and (number <= low if self.minimum_open else number < low):
            return self._lower_words()
        if high is not None and (number >= high if self.maximum_open else number > high):
            return self._upper_words()
        return None

    def check(self, value):
        """``value`` in the setting's type (an int given for a float becomes a float), or
        ValueError saying why not, in the file's words: "must be greater than 0, got
        0.0", "expected true or false, got 1", 'unknown loss "hinge"; choose one of: …'.
        """
        if value is None and self.nullable:
            return None
        if self.kind == "bool":
            if value is True or value is False:
                return value
            raise ValueError(f"expected {self.expected or 'true or false'}, got {shown(value)}")
        if self.kind == "choice":
            if not isinstance(value, str):
                raise ValueError(f"expected the name of {self._article_what()}, "
                                 f"got {shown(value)}")
            if value not in self.choices and value not in self.aliases:
                raise ValueError(f"unknown {self.what} {shown(value)}; "
                                 f"choose one of: {', '.join(self.choices + self.aliases)}")
            return value
        # bool is an int in Python, but true is not a number in a scenario file
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                self.kind == "int" and not isinstance(value, int)):
            raise ValueError(f"expected {self._expected()}, got {shown(value)}")
        if self.kind == "float":
            try:
                number = float(value)
            except OverflowError:  # an integer too large for a float
                number = math.inf
            if not math.isfinite(number):
                raise ValueError(f"expected {self._expected()}, got {shown(value)}")
            value = number
        problem = self._range_problem(value)
        if problem is not None and self.minimum is not None and self.maximum is not None \
                and (self.minimum_open or self.maximum_open):
            problem = self.describe_range()  # an open end is easy to misread: name both
        if problem is not None:
            raise ValueError(f"must be {problem}, got {shown(value)}")
        return value

    def _expected(self) -> str:
        if self.expected:
            return self.expected
        return "an integer" if self.kind == "int" else "a finite number"

    def _article_what(self) -> str:
        return f"an {self.what}" if self.what[:1] in "aeiou" else f"a {self.what}"


def _float(name, default, label, path, symbol="", tooltip="", **range_) -> Setting:
    return Setting(name, "float", default, label, path, symbol, tooltip, **range_)


def _int(name, default, label, path, tooltip="", **range_) -> Setting:
    return Setting(name, "int", default, label, path, "", tooltip, **range_)


def _seed(name, label, path, tooltip) -> Setting:
    return _int(name, 0, label, path, tooltip, minimum=0, maximum=MAX_SEED)


_INIT_PARAM_LABELS = {"a": ("Lower bound", "a"), "b": ("Upper bound", "b"),
                      "sigma": ("Spread", "σ"), "c": ("Constant", "c")}


def _init_param(param: str) -> Setting:
    label, symbol = _INIT_PARAM_LABELS[param]
    default = next(params[param] for params in SCHEME_PARAMS.values() if param in params)
    # |w| ≤ 1000 keeps b − a, a drawn weight and a first forward pass finite (numpy's
    # uniform overflows for b − a > 1.8e308; N(0, σ²) with σ = 1e308 draws infinities)
    return _float(f"init_{param}", default, label, f"network.init.{param}", symbol,
                  f"{label} {symbol} of the initializer",
                  minimum=0.0 if param == "sigma" else -MAX_INIT, maximum=MAX_INIT)


_TABLE = (
    # -- training ---------------------------------------------------------------------
    Setting("loss", "choice", "mse", "Loss", "training.loss", "J",
            "The loss J, averaged over the samples of the batch",
            choices=tuple(losses.LOSSES), what="loss"),
    # η = 0 would never move a weight; no upper end: a diverging run is a lesson too
    _float("learning_rate", 0.1, "Learning rate", "training.learning_rate", "η",
           "η in the update w ← w − η·∂J/∂w", minimum=0.0, minimum_open=True),
    # μ = 1 keeps every past step forever: the velocity never decays
    _float("momentum", 0.0, "Momentum", "training.momentum", "μ",
           "μ in v ← μ·v − η·∂J/∂w, w ← w + v (SGD and Nesterov); μ = 0 is plain "
           "gradient descent",
           minimum=0.0, maximum=1.0, maximum_open=True),
    Setting("optimizer", "choice", "sgd", "Optimizer", "training.optimizer", "",
            "How the gradient moves the weights, as PyTorch's torch.optim does: SGD "
            "(with momentum μ), Nesterov momentum, RMSprop (ρ, ε) or Adam (β₁, β₂, ε)",
            choices=tuple(OPTIMIZERS), what="optimizer"),
    # ρ = 1 would never update s (s stays 0 and the step is η·g/ε); likewise β = 1
    _float("rho", 0.99, "Smoothing", "training.rho", "ρ",
           "ρ in RMSprop's running mean of squared gradients s ← ρ·s + (1 − ρ)·g²",
           minimum=0.0, maximum=1.0, maximum_open=True),
    _float("beta1", 0.9, "First-moment decay", "training.beta1", "β₁",
           "β₁ in Adam's running mean of gradients m ← β₁·m + (1 − β₁)·g",
           minimum=0.0, maximum=1.0, maximum_open=True),
    _float("beta2", 0.999, "Second-moment decay", "training.beta2", "β₂",
           "β₂ in Adam's running mean of squared gradients v ← β₂·v + (1 − β₂)·g²",
           minimum=0.0, maximum=1.0, maximum_open=True),
    # ε = 0 divides 0 by 0 where a gradient has always been 0
    _float("epsilon", 1e-8, "Epsilon", "training.epsilon", "ε",
           "ε in RMSprop's and Adam's denominator √s + ε, √v̂ + ε: it keeps the step "
           "finite where the gradients have been near 0",
           minimum=0.0, minimum_open=True, maximum=1.0),
    Setting("batch_size", "int", None, "Batch size", "training.batch_size", "B",
            "How many samples each step uses: all of them (full batch), or "
            "mini-batches of k reshuffled every epoch",
            minimum=1, maximum=100_000, nullable=True,
            expected="null (the whole dataset) or a whole number"),
    Setting("train_biases", "bool", True, "Train biases", "training.train_biases", "",
            "When off, biases keep their values (they still act in the forward pass and "
            "get a gradient)"),
    _seed("shuffle_seed", "Shuffle seed", "training.seed",
          "Seeds the order of the mini-batches"),
    Setting("regularization", "choice", "none", "Regularizer", "training.regularization",
            "", "The weight penalty R in J = data loss + λ·R: L2 is ½·Σw², L1 is Σ|w| "
                 "(over the weights, not the biases)",
            choices=reg.KINDS, what="regularization"),
    # no upper end, as for η: a penalty that crushes every weight is a lesson too
    _float("regularization_rate", 0.0, "Penalty rate", "training.regularization_rate",
           "λ", "λ in J = data loss + λ·R; each weight's gradient gains λ·w (L2) or "
                "λ·sign(w) (L1)", minimum=0.0),
    # -- the initializer ----------------------------------------------------------------
    Setting("init_scheme", "choice", "xavier_uniform", "Initializer", "network.init.scheme",
            "", "How “Re-initialize weights” draws new weights",
            choices=SCHEMES, what="initializer"),
    _seed("init_seed", "Initializer seed", "network.init.seed",
          "The same seed always draws the same weights"),
    *(_init_param(param) for param in _INIT_PARAM_LABELS),
    # -- the network --------------------------------------------------------------------
    Setting("activation", "choice", "sigmoid", "Activation", "network.activations", "f",
            "The activation f of a layer's neurons",
            choices=tuple(act.ACTIVATIONS), aliases=tuple(act.ALIASES), what="activation"),
    # α = 0 is ReLU, α = 1 the identity; outside [0, 1] it is no longer a leaky ReLU
    _float("leaky_slope", act.DEFAULT_LEAKY_SLOPE, "Leaky ReLU slope", "network.leaky_slope",
           "α", "α in Leaky ReLU: f(z) = z for z ≥ 0, α·z otherwise; one α for the whole "
                "network", minimum=0.0, maximum=1.0),
    # the limits keep a network drawable and a step fast; with Scenario.check's
    # samples × neurons ≤ 5 million they keep a step's full record (every layer's z, a,
    # f′ and δ for every sample of the batch, about 40 bytes a value) near 200 MB
    _int("layer_count", 3, "Layers", "network.layers",
         "Number of layers, the input layer included", minimum=2, maximum=16),
    Setting("layer_size", "int", 2, "Neurons", "network.layers", "n",
            "Number of neurons of a layer", minimum=1, maximum=128,
            expected="a number of neurons"),
    # -- the data ------------------------------------------------------------------------
    Setting("generator", "choice", "xor", "Generator", "data.generator", "",
            "Which toy data set to make", choices=tuple(data_mod.GENERATORS),
            what="generator"),
    Setting("sample_count", "int", 200, "Samples", "data.n", "n",
            "How many samples to make", minimum=1, maximum=100_000,
            expected="a number of samples"),
    # beyond σ = 10 the noise buries every generator's pattern (they span about ±1)
    _float("noise", 0.0, "Noise", "data.noise", "",
           "Standard deviation of the Gaussian noise added to the inputs",
           minimum=0.0, maximum=10.0),
    _seed("data_seed", "Generator seed", "data.seed",
          "The same seed always makes the same samples"),
    # at least one sample always trains; 0.9 keeps a tenth for training
    _float("test_fraction", 0.0, "Test fraction", "data.test_fraction", "",
           "The share of the samples held out as test data, chosen by the data seed: "
           "training never uses them, the loss plot shows their loss",
           minimum=0.0, maximum=data_mod.MAX_TEST_FRACTION),
)

#: every setting by name, in the order the docks show them
SETTINGS: dict[str, Setting] = {setting.name: setting for setting in _TABLE}


def get(name: str) -> Setting:
    """The setting called ``name``; KeyError naming the known ones otherwise."""
    try:
        return SETTINGS[name]
    except KeyError:
        raise KeyError(f"no setting {name!r}; settings are: {', '.join(SETTINGS)}") from None


def label(name: str) -> str:
    """What the window calls the setting: "Learning rate"."""
    return get(name).label


def phrase(name: str) -> str:
    """The setting inside a sentence: "the learning rate η", "the batch size B"."""
    setting = get(name)
    text = f"the {setting.label[0].lower()}{setting.label[1:]}"
    return f"{text} {setting.symbol}" if setting.symbol else text


def check(name: str, value):
    """``get(name).check(value)``."""
    return get(name).check(value)
