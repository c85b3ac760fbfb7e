"""Guided tours: short steps through a built-in scenario, each waiting for something the
user does.  The file format, its validation and the conditions' checks; the window's
runner follows a tour, and its dock shows one.

A tour is a JSON file ``resources/tours/<id>.tour.json`` (validated on load, never
evaluated)::

    {"format": "bpsim-tour", "version": 1, "scenario": "lecture-example",
     "title": "…", "summary": "…",
     "steps": [{"title": "Forward", "text": "Press `→` to compute ŷ = w·x.",
                "condition": {"wait_for": "phase", "phase": "forward", "layer": 1}},
               …]}

``scenario`` is the id of a built-in scenario: its file name in
``resources/scenarios/`` without ``.bpsim.json`` (``"xor"``).

Each step waits for one condition, written as data (see CONDITIONS):

- ``{"wait_for": "next"}``: the Next button (the default);
- ``{"wait_for": "phase", "phase": "forward"|"loss"|"backward"|"update", "layer": l}``:
  that phase of a step is shown (``layer`` optional, forward/backward only);
- ``{"wait_for": "steps", "count": n}``: n more full training steps;
- ``{"wait_for": "selection", "kind": "weight"|"bias"|"neuron", "layer": l}``: the user
  selects such a thing on the canvas (both keys optional);
- ``{"wait_for": "loss_below", "value": v}``: a training step's loss J below v;
- ``{"wait_for": "action", "name": "gradient_check"}``: the window action of that
  name is triggered (a menu entry, a key);
- ``{"wait_for": "setting", "name": "learning_rate", "at_most": v}`` (or ``at_least``,
  ``equals``): a training setting reaches that value.

Text markup (everything else is shown literally): ``**bold**`` and ```key``` (a key
cap, e.g. ```→```).
"""

from __future__ import annotations

import importlib.resources
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from . import io, settings_spec
from .notation.numbers import format_number
from .trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord

FORMAT = "bpsim-tour"
VERSION = 1
EXTENSION = ".tour.json"
#: the longest step text accepted (a step is read aloud in a classroom, not a chapter)
MAX_TEXT = 2000
MAX_STEPS = 60

PHASES = {"forward": ForwardRecord, "loss": LossRecord, "backward": BackwardRecord,
          "update": UpdateRecord}
SELECTION_KINDS = ("weight", "bias", "neuron")
#: the training settings a tour may wait for
SETTINGS = ("learning_rate", "momentum", "batch_size", "regularization_rate")
COMPARISONS = {"at_most": "≤", "at_least": "≥", "equals": "="}

#: each condition kind: its required and optional keys (besides "wait_for")
CONDITIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "next": ((), ()),
    "phase": (("phase",), ("layer",)),
    "steps": (("count",), ()),
    "selection": ((), ("kind", "layer")),
    "loss_below": (("value",), ()),
    "action": (("name",), ()),
    "setting": (("name",), tuple(COMPARISONS)),
}

STEP_KEYS = ("title", "text", "condition", "hint")
TOUR_KEYS = ("format", "version", "scenario", "title", "summary", "steps")

# What a setting is called on screen.  The one place a tour names a setting: it reads
# the label of the settings table once that table exists.
def setting_label(name: str) -> str:
    """What the training setting ``name`` is called in a tour ("the learning rate η"):
    the settings table's words, so a tour and the Training dock name it alike."""
    return settings_spec.phrase(name)


class TourError(ValueError):
    """A tour file that cannot be used: ``where`` (file and field) and why."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


# ---------------------------------------------------------------------------------------
# What a tour is
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """What a step waits for: ``kind`` is a key of CONDITIONS, ``params`` its values."""

    kind: str = "next"
    params: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.params.get(key, default)

    # -- the checks (each takes what one report of the window holds) --------------------

    def phase_matches(self, record) -> bool:
        """``record`` (a phase record shown or recorded) is the phase waited for."""
        if self.kind != "phase" or record is None:
            return False
        if not isinstance(record, PHASES[self.params["phase"]]):
            return False
        layer = self.params.get("layer")
        return layer is None or getattr(record, "layer", None) == layer

    def selection_matches(self, selection) -> bool:
        """``selection`` (("weight", l, j, k), ("bias", l, j) or ("neuron", l, j)) is
        what the step asks to click."""
        if self.kind != "selection" or selection is None:
            return False
        kind = self.params.get("kind")
        layer = self.params.get("layer")
        return (kind is None or selection[0] == kind) and (
            layer is None or selection[1] == layer)

    def setting_matches(self, settings) -> bool:
        """The training ``settings`` reach the value waited for."""
        if self.kind != "setting":
            return False
        value = getattr(settings, self.params["name"], None)
        if value is None:
            return False
        for key, limit in self.params.items():
            if key == "at_most" and not value <= limit:
                return False
            if key == "at_least" and not value >= limit:
                return False
            if key == "equals" and not math.isclose(value, limit, rel_tol=1e-9):
                return False
        return True

    def describe(self) -> str:
        """What the tour says it waits for (plain text)."""
        p = self.params
        if self.kind == "next":
            return "Press Next when you are ready."
        if self.kind == "phase":
            names = {"forward": "the forward pass", "loss": "the loss",
                     "backward": "the backward pass", "update": "the update"}
            where = f" of layer {p['layer']}" if "layer" in p else ""
            return f"Waiting for {names[p['phase']]}{where} (→ steps through it)."
        if self.kind == "steps":
            count = p["count"]
            return f"Waiting for {count} training step{'s' if count != 1 else ''}."
        if self.kind == "selection":
            what = p.get("kind", "weight, bias or neuron")
            where = f" of layer {p['layer']}" if "layer" in p else ""
            article = "an" if what[0] in "aeiou" else "a"
            return f"Waiting for you to click {article} {what}{where} on the canvas."
        if self.kind == "loss_below":
            return f"Waiting for a loss J below {format_number(p['value'])}."
        if self.kind == "action":
            return f"Waiting for “{p['name']}”."
        limits = " and ".join(f"{COMPARISONS[key]} {format_number(p[key])}"
                              for key in COMPARISONS if key in p)
        return f"Waiting for {setting_label(p['name'])} {limits}."


@dataclass(frozen=True)
class TourStep:
    #: a few words shown above the text (may be empty)
    title: str
    #: what to look at and what to do, with **bold** and `key` markup
    text: str
    #: what the step waits for before the tour moves on by itself
    condition: Condition
    #: what the tour says it waits for, when the condition's own words are not enough
    hint: str = ""


@dataclass(frozen=True)
class Tour:
    #: id of the built-in scenario it walks through (its file name without .bpsim.json)
    scenario: str
    title: str
    summary: str
    steps: tuple[TourStep, ...]


# ---------------------------------------------------------------------------------------
# Reading tour files (validated; JSON only, nothing evaluated)
# ---------------------------------------------------------------------------------------


def _text(value, where: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise TourError(where, "expected a non-empty text")
    if len(value) > limit:
        raise TourError(where, f"longer than {limit} characters")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise TourError(where, f"expected a finite number, got {value!r}")
    return float(value)


def _count(value, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise TourError(where, f"expected a whole number ≥ {minimum}, got {value!r}")
    return value


def _unknown_keys(data: dict, allowed, where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise TourError(where, f"unknown key {unknown[0]!r}; allowed: "
                               f"{', '.join(allowed)}")


def _scenario_id(value, where: str) -> str:
    names = io.builtin_scenario_names()
    if value not in names:
        raise TourError(where, f"expected the id of a built-in scenario (its file name "
                               f"without {io.EXTENSION}: {', '.join(names)}), got {value!r}")
    return value


def parse_condition(data, where: str) -> Condition:
    if data is None:
        return Condition()
    if not isinstance(data, dict):
        raise TourError(where, "expected an object such as "
                               '{"wait_for": "phase", "phase": "loss"}')
    kind = data.get("wait_for")
    if kind not in CONDITIONS:
        raise TourError(f"{where}.wait_for",
                        f"expected one of {', '.join(CONDITIONS)}, got {kind!r}")
    required, optional = CONDITIONS[kind]
    _unknown_keys(data, ("wait_for", *required, *optional), where)
    for key in required:
        if key not in data:
            raise TourError(where, f"“{kind}” needs {key!r}")
    params = {}
    for key, value in data.items():
        at = f"{where}.{key}"
        if key == "wait_for":
            continue
        if kind == "phase" and key == "phase":
            if value not in PHASES:
                raise TourError(at, f"expected one of {', '.join(PHASES)}, got {value!r}")
        elif key == "layer":
            value = _count(value, at, 0 if kind == "selection" else 1)
        elif key == "count":
            value = _count(value, at, 1)
        elif key == "kind":
            if value not in SELECTION_KINDS:
                raise TourError(at, f"expected one of {', '.join(SELECTION_KINDS)}, "
                                    f"got {value!r}")
        elif key == "value" or key in COMPARISONS:
            value = _number(value, at)
        elif kind == "setting" and key == "name":
            if value not in SETTINGS:
                raise TourError(at, f"expected one of {', '.join(SETTINGS)}, got {value!r}")
        elif kind == "action" and key == "name":
            if not isinstance(value, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", value):
                raise TourError(at, f"expected an action name such as "
                                    f"'gradient_check', got {value!r}")
        params[key] = value
    if kind == "phase" and "layer" in params and params["phase"] in ("loss", "update"):
        raise TourError(f"{where}.layer", f"the {params['phase']} has no layer")
    if kind == "setting" and not any(key in params for key in COMPARISONS):
        raise TourError(where, f"“setting” needs one of {', '.join(COMPARISONS)}")
    return Condition(kind, params)


def parse_tour(data, source: str = "tour") -> Tour:
    """A Tour from the JSON value of a tour file; TourError says where it is wrong."""
    if not isinstance(data, dict):
        raise TourError(source, "expected a JSON object")
    _unknown_keys(data, TOUR_KEYS, source)
    if data.get("format") != FORMAT:
        raise TourError(f"{source}: format", f"expected {FORMAT!r}, got "
                                             f"{data.get('format')!r}")
    if data.get("version") != VERSION:
        raise TourError(f"{source}: version", f"expected {VERSION}, got "
                                              f"{data.get('version')!r}")
    scenario = _scenario_id(data.get("scenario"), f"{source}: scenario")
    title = _text(data.get("title"), f"{source}: title", limit=200)
    summary = _text(data.get("summary"), f"{source}: summary", required=False)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise TourError(f"{source}: steps", "expected a non-empty list of steps")
    if len(raw_steps) > MAX_STEPS:
        raise TourError(f"{source}: steps", f"more than {MAX_STEPS} steps")
    steps = []
    for k, raw in enumerate(raw_steps):
        where = f"{source}: steps[{k}]"
        if not isinstance(raw, dict):
            raise TourError(where, "expected an object with a text")
        _unknown_keys(raw, STEP_KEYS, where)
        steps.append(TourStep(
            title=_text(raw.get("title"), f"{where}.title", required=False, limit=200),
            text=_text(raw.get("text"), f"{where}.text"),
            condition=parse_condition(raw.get("condition"), f"{where}.condition"),
            hint=_text(raw.get("hint"), f"{where}.hint", required=False, limit=300)))
    return Tour(scenario, title, summary, tuple(steps))


def loads_tour(text: str, source: str = "tour") -> Tour:
    """A Tour from the text of a tour file; ``source`` names it in errors."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise TourError(source, f"not valid JSON (line {error.lineno}, column "
                                f"{error.colno}: {error.msg})") from None
    return parse_tour(data, source)


def load_tour(path) -> Tour:
    """The tour in the file at ``path``; TourError if it cannot be read or used."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise TourError(str(path), f"cannot be read ({error})") from None
    return loads_tour(text, path.name)


# ---------------------------------------------------------------------------------------
# The bundled tours
# ---------------------------------------------------------------------------------------


def _tours_folder():
    return importlib.resources.files("bpsim.resources") / "tours"


_BUNDLED: dict[str, Tour] | None = None


def bundled_tours() -> dict[str, Tour]:
    """The tours shipped in resources/tours, by scenario id, in the built-in scenarios'
    teaching order.  Read once; a broken file is a programming error and raises
    TourError (as does a second tour for one scenario)."""
    global _BUNDLED
    if _BUNDLED is None:
        found: dict[str, Tour] = {}
        for entry in _tours_folder().iterdir():
            if entry.name.endswith(EXTENSION):
                tour = loads_tour(entry.read_text(encoding="utf-8"), entry.name)
                if tour.scenario in found:
                    raise TourError(f"{entry.name}: scenario", f"{tour.scenario!r} already "
                                                               "has a tour")
                found[tour.scenario] = tour
        order = io.builtin_scenario_names()
        _BUNDLED = {name: found[name] for name in order if name in found}
    return _BUNDLED


def tour_for(scenario_id: str | None, tours: dict[str, Tour] | None = None) -> Tour | None:
    """The tour of the built-in scenario ``scenario_id`` (see io.builtin_id), or None
    (no id, or a scenario without a tour).  ``tours`` defaults to the bundled ones."""
    if scenario_id is None:
        return None
    tours = bundled_tours() if tours is None else tours
    return tours.get(scenario_id)
