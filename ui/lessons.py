"""Help ▸ Lessons: short guided steps per preset, in a side panel that follows what the
user does.

A lesson is a JSON file in ``resources/lessons/`` (validated on load, never
evaluated)::

    {"format": "bpsim-lesson", "version": 1, "preset": "lecture-example",
     "title": "…", "summary": "…",
     "steps": [{"title": "Forward", "text": "Press `→` to compute ŷ = w·x.",
                "condition": {"wait_for": "phase", "phase": "forward", "layer": 1}},
               …]}

Each step waits for one condition, written as data (see CONDITIONS):

- ``{"wait_for": "next"}``: the Next button (the default);
- ``{"wait_for": "phase", "phase": "forward"|"loss"|"backward"|"update", "layer": l}``:
  that phase of a step is shown (``layer`` optional, forward/backward only);
- ``{"wait_for": "steps", "count": n}``: n more full training steps;
- ``{"wait_for": "selection", "kind": "weight"|"bias"|"neuron", "layer": l}``: the user
  selects such a thing on the canvas (both keys optional);
- ``{"wait_for": "loss_below", "value": v}``: a training step's loss J below v;
- ``{"wait_for": "action", "name": "gradient_check"}``: the window action of that
  objectName is triggered (a menu entry, a key);
- ``{"wait_for": "setting", "name": "learning_rate", "at_most": v}`` (or ``at_least``,
  ``equals``): a training setting reaches that value.

The conditions are checked when the session, the canvas or the animator report
something (``session.phase_recorded``, ``steps_recorded``, ``training_changed``,
``canvas.selection_changed``, the animator's ``frame``), never by polling; a met
condition moves the panel to the next step by itself.  Next and Back move by hand.

Text markup (everything else is shown literally): ``**bold**`` and ```key``` (a key
cap, e.g. ```→```).
"""

from __future__ import annotations

import html
import importlib.resources
import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from PySide6.QtCore import QObject, QSignalBlocker, Qt, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import (QApplication, QCheckBox, QComboBox, QDockWidget, QFrame,
                               QHBoxLayout, QLabel, QPushButton, QScrollArea, QSizePolicy,
                               QVBoxLayout, QWidget)

from bpsim.trace import BackwardRecord, ForwardRecord, LossRecord, UpdateRecord

FORMAT = "bpsim-lesson"
VERSION = 1
#: the longest lesson text accepted (a step is read aloud in a classroom, not a chapter)
MAX_TEXT = 2000
MAX_STEPS = 60

PHASES = {"forward": ForwardRecord, "loss": LossRecord, "backward": BackwardRecord,
          "update": UpdateRecord}
SELECTION_KINDS = ("weight", "bias", "neuron")
#: training settings a lesson may wait for, with what they are called on screen
SETTINGS = {"learning_rate": "the learning rate η", "momentum": "the momentum μ",
            "batch_size": "the batch size"}
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
LESSON_KEYS = ("format", "version", "preset", "title", "summary", "steps")

# Colours of the panel (the palette's blue for "now", green for done).
NOW_COLOUR = "#2166ac"
DONE_COLOUR = "#1b7837"
MUTED_COLOUR = "#555555"
OFFER_BACKGROUND = "#fff3cf"
#: lesson text relative to the application font
TEXT_SCALE = 1.15
#: the panel's minimum height (it shares a tab group with the Data dock)
MIN_HEIGHT = 120


def _number_text(value: float) -> str:
    """4 significant digits and a real minus sign, as the canvas writes numbers."""
    return f"{value:.4g}".replace("-", "−")


class LessonError(ValueError):
    """A lesson file that cannot be used: ``where`` (file and field) and why."""

    def __init__(self, where: str, reason: str):
        super().__init__(f"{where}: {reason}")
        self.where = where
        self.reason = reason


# ---------------------------------------------------------------------------------------
# What a lesson is
# ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Condition:
    """What a step waits for: ``kind`` is a key of CONDITIONS, ``params`` its values."""

    kind: str = "next"
    params: dict = field(default_factory=dict)

    def get(self, key: str, default=None):
        return self.params.get(key, default)

    # -- the checks (each takes what one signal reports) ------------------------------

    def phase_matches(self, record) -> bool:
        """``record`` (a phase record shown or recorded) is the phase waited for."""
        if self.kind != "phase" or record is None:
            return False
        if not isinstance(record, PHASES[self.params["phase"]]):
            return False
        layer = self.params.get("layer")
        return layer is None or getattr(record, "layer", None) == layer

    def selection_matches(self, selection) -> bool:
        if self.kind != "selection" or selection is None:
            return False
        kind = self.params.get("kind")
        layer = self.params.get("layer")
        return (kind is None or selection[0] == kind) and (
            layer is None or selection[1] == layer)

    def setting_matches(self, settings) -> bool:
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
        """What the panel says it waits for (plain text)."""
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
            return f"Waiting for a loss J below {_number_text(p['value'])}."
        if self.kind == "action":
            return f"Waiting for “{p['name']}”."
        limits = " and ".join(f"{COMPARISONS[key]} {_number_text(p[key])}"
                              for key in COMPARISONS if key in p)
        return f"Waiting for {SETTINGS[p['name']]} {limits}."


@dataclass(frozen=True)
class LessonStep:
    title: str
    text: str
    condition: Condition
    #: what the panel says it waits for, when the condition's own words are not enough
    hint: str = ""


@dataclass(frozen=True)
class Lesson:
    #: the preset it belongs to (its file name in resources/presets without .bpsim.json)
    preset: str
    title: str
    summary: str
    steps: tuple[LessonStep, ...]


# ---------------------------------------------------------------------------------------
# Reading lesson files (validated; json only, nothing evaluated)
# ---------------------------------------------------------------------------------------


def _text(value, where: str, required: bool = True, limit: int = MAX_TEXT) -> str:
    if value is None and not required:
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        raise LessonError(where, "expected a non-empty text")
    if len(value) > limit:
        raise LessonError(where, f"longer than {limit} characters")
    return value


def _number(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise LessonError(where, f"expected a finite number, got {value!r}")
    return float(value)


def _count(value, where: str, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise LessonError(where, f"expected a whole number ≥ {minimum}, got {value!r}")
    return value


def _unknown_keys(data: dict, allowed, where: str) -> None:
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise LessonError(where, f"unknown key {unknown[0]!r}; allowed: "
                                 f"{', '.join(allowed)}")


def parse_condition(data, where: str) -> Condition:
    if data is None:
        return Condition()
    if not isinstance(data, dict):
        raise LessonError(where, "expected an object such as "
                                 '{"wait_for": "phase", "phase": "loss"}')
    kind = data.get("wait_for")
    if kind not in CONDITIONS:
        raise LessonError(f"{where}.wait_for",
                          f"expected one of {', '.join(CONDITIONS)}, got {kind!r}")
    required, optional = CONDITIONS[kind]
    _unknown_keys(data, ("wait_for", *required, *optional), where)
    for key in required:
        if key not in data:
            raise LessonError(where, f"“{kind}” needs {key!r}")
    params = {}
    for key, value in data.items():
        at = f"{where}.{key}"
        if key == "wait_for":
            continue
        if kind == "phase" and key == "phase":
            if value not in PHASES:
                raise LessonError(at, f"expected one of {', '.join(PHASES)}, got {value!r}")
        elif key == "layer":
            value = _count(value, at, 0 if kind == "selection" else 1)
        elif key == "count":
            value = _count(value, at, 1)
        elif key == "kind":
            if value not in SELECTION_KINDS:
                raise LessonError(at, f"expected one of {', '.join(SELECTION_KINDS)}, "
                                      f"got {value!r}")
        elif key == "value" or key in COMPARISONS:
            value = _number(value, at)
        elif kind == "setting" and key == "name":
            if value not in SETTINGS:
                raise LessonError(at, f"expected one of {', '.join(SETTINGS)}, got {value!r}")
        elif kind == "action" and key == "name":
            if not isinstance(value, str) or not re.fullmatch(r"[a-z_][a-z0-9_]*", value):
                raise LessonError(at, f"expected an action name such as "
                                      f"'gradient_check', got {value!r}")
        params[key] = value
    if kind == "phase" and "layer" in params and params["phase"] in ("loss", "update"):
        raise LessonError(f"{where}.layer", f"the {params['phase']} has no layer")
    if kind == "setting" and not any(key in params for key in COMPARISONS):
        raise LessonError(where, f"“setting” needs one of {', '.join(COMPARISONS)}")
    return Condition(kind, params)


def parse_lesson(data, source: str = "lesson") -> Lesson:
    """A Lesson from the JSON value of a lesson file; LessonError says where it is wrong."""
    if not isinstance(data, dict):
        raise LessonError(source, "expected a JSON object")
    _unknown_keys(data, LESSON_KEYS, source)
    if data.get("format") != FORMAT:
        raise LessonError(f"{source}: format", f"expected {FORMAT!r}, got "
                                               f"{data.get('format')!r}")
    if data.get("version") != VERSION:
        raise LessonError(f"{source}: version", f"expected {VERSION}, got "
                                                f"{data.get('version')!r}")
    preset = _text(data.get("preset"), f"{source}: preset", limit=100)
    title = _text(data.get("title"), f"{source}: title", limit=200)
    summary = _text(data.get("summary"), f"{source}: summary", required=False)
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise LessonError(f"{source}: steps", "expected a non-empty list of steps")
    if len(raw_steps) > MAX_STEPS:
        raise LessonError(f"{source}: steps", f"more than {MAX_STEPS} steps")
    steps = []
    for k, raw in enumerate(raw_steps):
        where = f"{source}: steps[{k}]"
        if not isinstance(raw, dict):
            raise LessonError(where, "expected an object with a text")
        _unknown_keys(raw, STEP_KEYS, where)
        steps.append(LessonStep(
            title=_text(raw.get("title"), f"{where}.title", required=False, limit=200),
            text=_text(raw.get("text"), f"{where}.text"),
            condition=parse_condition(raw.get("condition"), f"{where}.condition"),
            hint=_text(raw.get("hint"), f"{where}.hint", required=False, limit=300)))
    return Lesson(preset, title, summary, tuple(steps))


def loads_lesson(text: str, source: str = "lesson") -> Lesson:
    try:
        data = json.loads(text)
    except json.JSONDecodeError as error:
        raise LessonError(source, f"not valid JSON (line {error.lineno}, column "
                                  f"{error.colno}: {error.msg})") from None
    return parse_lesson(data, source)


def load_lesson(path) -> Lesson:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise LessonError(str(path), f"cannot be read ({error})") from None
    return loads_lesson(text, path.name)


def _lessons_folder():
    return importlib.resources.files("bpsim.resources") / "lessons"


_BUNDLED: dict[str, Lesson] | None = None


def bundled_lessons() -> dict[str, Lesson]:
    """The lessons shipped in resources/lessons, by preset name, in the presets' order.
    Read once; a broken file is a programming error and raises."""
    global _BUNDLED
    if _BUNDLED is None:
        from bpsim import io

        found = {}
        for entry in _lessons_folder().iterdir():
            if entry.name.endswith(".json"):
                lesson = loads_lesson(entry.read_text(encoding="utf-8"), entry.name)
                found[lesson.preset] = lesson
        order = io.preset_names()
        _BUNDLED = {name: found[name] for name in
                    sorted(found, key=lambda n: (order.index(n) if n in order else 99, n))}
    return _BUNDLED


_PRESET_TITLES: dict[str, str] = {}


def _preset_title(name: str) -> str | None:
    if name not in _PRESET_TITLES:
        from bpsim import io

        try:
            _PRESET_TITLES[name] = io.load_preset(name).title
        except io.ScenarioError:
            _PRESET_TITLES[name] = None
    return _PRESET_TITLES[name]


def lesson_for(scenario, lessons: dict[str, Lesson] | None = None) -> Lesson | None:
    """The lesson of the preset ``scenario`` was opened from (recognised by its title,
    so a saved copy of a preset still has its lesson), or None."""
    lessons = bundled_lessons() if lessons is None else lessons
    title = getattr(scenario, "title", "")
    if not title:
        return None
    for name, lesson in lessons.items():
        if _preset_title(name) == title:
            return lesson
    return None


_BOLD = re.compile(r"\*\*(.+?)\*\*")
_KEY = re.compile(r"`(.+?)`")


def lesson_html(text: str) -> str:
    """Lesson text as rich text: everything escaped, then **bold** and `key` caps."""
    out = html.escape(text, quote=False)
    out = _BOLD.sub(r"<b>\1</b>", out)
    out = _KEY.sub(r"<span style='background:#eef2f6; border:1px solid #8c959f;"
                   r" font-weight:bold'>&nbsp;\1&nbsp;</span>", out)
    return out.replace("\n", "<br>")


# ---------------------------------------------------------------------------------------
# Following the user
# ---------------------------------------------------------------------------------------


class LessonRunner(QObject):
    """The lesson being followed: which step, and the check of its condition against
    what the window reports.  ``window`` needs ``session`` and ``canvas``; its
    ``animator`` (frame signal) and ``action(name)`` are used when present."""

    #: the step shown changed, or the lesson started/stopped/finished
    changed = Signal()
    #: something the waiting line reports changed (e.g. steps counted so far)
    progress = Signal()

    def __init__(self, window, parent=None):
        super().__init__(parent)
        self.window = window
        self.session = window.session
        self.lesson: Lesson | None = None
        #: index of the step shown; len(steps) once the lesson is finished
        self.index = 0
        #: steps_done when the current step began (for "steps" conditions)
        self._baseline = 0
        #: the phase record that last moved the lesson on (one record, one step)
        self._used_record = None
        self._completing_step = False
        self._watched_action = None
        session = self.session
        session.phase_recorded.connect(self._on_phase)
        session.steps_recorded.connect(self._on_steps)
        session.history_changed.connect(self._on_history_changed)
        session.training_changed.connect(self._on_training_changed)
        window.canvas.selection_changed.connect(self._on_selection)
        animator = getattr(window, "animator", None)
        if animator is not None and hasattr(animator, "frame"):
            animator.frame.connect(self._on_frame)

    # -- state --------------------------------------------------------------------------

    @property
    def running(self) -> bool:
        return self.lesson is not None

    @property
    def finished(self) -> bool:
        return self.lesson is not None and self.index >= len(self.lesson.steps)

    @property
    def step(self) -> LessonStep | None:
        if self.lesson is None or self.finished:
            return None
        return self.lesson.steps[self.index]

    @property
    def condition(self) -> Condition:
        step = self.step
        return step.condition if step is not None else Condition()

    def steps_so_far(self) -> int:
        """Training steps taken since the current step began."""
        return max(0, self.session.trainer.steps_done - self._baseline)

    def waiting_text(self) -> str:
        """What the step waits for, with the progress so far."""
        step = self.step
        if step is None:
            return ""
        condition = step.condition
        text = step.hint or condition.describe()
        if condition.kind == "action" and not step.hint:
            action = self._find_action(condition.get("name"))
            if action is not None:
                text = f"Waiting for {action.text().replace('&', '')}."
        if condition.kind == "steps":
            text += f" {self.steps_so_far()} so far."
        elif condition.kind == "loss_below":
            last = self.session.last_step
            if last is not None and math.isfinite(last.loss.loss):
                text += f" Last step: {_number_text(last.loss.loss)}."
        elif condition.kind == "setting":
            value = getattr(self.session.scenario.training, condition.get("name"), None)
            if value is not None:
                text += f" Now {_number_text(value)}."
        return text

    # -- moving -------------------------------------------------------------------------

    def start(self, lesson: Lesson, index: int = 0) -> None:
        self.lesson = lesson
        self._go(index)

    def stop(self) -> None:
        self._unwatch_action()
        self.lesson = None
        self.index = 0
        self.changed.emit()

    def next(self) -> None:
        if self.lesson is not None and not self.finished:
            self._go(self.index + 1)

    def back(self) -> None:
        if self.lesson is not None and self.index > 0:
            self._go(self.index - 1)

    def restart(self) -> None:
        if self.lesson is not None:
            self._go(0)

    def _go(self, index: int) -> None:
        self._unwatch_action()
        self.index = max(0, min(index, len(self.lesson.steps)))
        self._baseline = self.session.trainer.steps_done
        if self._completing_step:
            # moved on by a step's update: that step is counted just after, and it
            # belongs to the lesson step before this one
            self._baseline += 1
        condition = self.condition
        if condition.kind == "action":
            self._watch_action(condition.get("name"))
        self.changed.emit()

    def _met(self) -> None:
        """The current step's condition happened: on to the next step."""
        self.next()

    # -- what the window reports ------------------------------------------------------------

    def _on_phase(self, record) -> None:
        if record is self._used_record:
            return
        if self.condition.phase_matches(record):
            self._used_record = record
            # an update reported by the session is its step's last phase; the step is
            # recorded (steps_recorded) right after this signal
            self._completing_step = (isinstance(record, UpdateRecord)
                                     and self.session.step_in_progress)
            try:
                self._met()
            finally:
                self._completing_step = False

    def _on_frame(self) -> None:
        self._on_phase(getattr(self.window.animator, "current", None))

    def _on_steps(self, records) -> None:
        condition = self.condition
        if condition.kind == "steps":
            if self.steps_so_far() >= condition.get("count"):
                self._met()
            else:
                self.progress.emit()
        elif condition.kind == "loss_below" and records:
            loss = records[-1].loss.loss
            if math.isfinite(loss) and loss < condition.get("value"):
                self._met()
            else:
                self.progress.emit()

    def _on_history_changed(self) -> None:
        # undo of training or a reset: count the steps again from where we are now
        steps = self.session.trainer.steps_done
        if steps < self._baseline:
            self._baseline = steps
            self.progress.emit()

    def _on_selection(self, selection) -> None:
        if self.condition.selection_matches(selection):
            self._met()

    def _on_training_changed(self) -> None:
        condition = self.condition
        if condition.kind == "setting":
            if condition.setting_matches(self.session.scenario.training):
                self._met()
            else:
                self.progress.emit()

    def _find_action(self, name):
        finder = getattr(self.window, "action", None)
        if finder is None:
            return None
        try:
            return finder(name)
        except KeyError:
            return None

    def _watch_action(self, name) -> None:
        action = self._find_action(name)
        if action is not None:
            action.triggered.connect(self._on_action)
            self._watched_action = action

    def _unwatch_action(self) -> None:
        if self._watched_action is not None:
            try:
                self._watched_action.triggered.disconnect(self._on_action)
            except (RuntimeError, TypeError):
                pass
            self._watched_action = None

    def _on_action(self, *_args) -> None:
        if self.condition.kind == "action":
            self._met()


# ---------------------------------------------------------------------------------------
# The panel
# ---------------------------------------------------------------------------------------


def _wrapped(name: str, rich: bool = True) -> QLabel:
    label = QLabel()
    label.setWordWrap(True)
    label.setAccessibleName(name)
    label.setTextFormat(Qt.TextFormat.RichText if rich else Qt.TextFormat.PlainText)
    label.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
    return label


class LessonPanel(QDockWidget):
    """The Lessons dock: the lesson offered for the open preset, the steps with the
    current one large, Back / Next, and a chooser for every lesson.

    ``open_preset(name) -> bool`` opens a preset (the window's File ▸ New; it asks about
    unsaved changes); ``lessons`` defaults to the bundled ones."""

    def __init__(self, window, open_preset=None, lessons: dict[str, Lesson] | None = None,
                 parent=None):
        super().__init__("Lessons", parent)
        self.setObjectName("lessons_dock")
        self.setAccessibleName("Lessons")
        self.window_ = window
        self.session = window.session
        self.open_preset = open_preset
        self.lessons = bundled_lessons() if lessons is None else lessons
        self.runner = LessonRunner(window, self)
        #: the lesson offered for the open scenario (None: nothing to offer)
        self.offered: Lesson | None = None
        #: brings the panel forward (the window places it); replaceable
        self.reveal = self._reveal
        self._font_scale = 1.0

        body = QWidget()
        body.setObjectName("lesson_body")
        layout = QVBoxLayout(body)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.setSpacing(6)

        # Choosing a lesson (while none runs).
        self.chooser_row = QWidget()
        chooser = QHBoxLayout(self.chooser_row)
        chooser.setContentsMargins(0, 0, 0, 0)
        self.chooser = QComboBox()
        self.chooser.setAccessibleName("Lesson")
        self.chooser.setToolTip("Every lesson, one per preset; Start opens its preset "
                                "from the beginning and starts the lesson")
        self.chooser.setSizeAdjustPolicy(
            QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.chooser.setMinimumContentsLength(10)
        for name, lesson in self.lessons.items():
            self.chooser.addItem(lesson.title, name)
        self.start_button = self._button("&Start", "Start the lesson chosen on the left",
                                         self._on_start_chosen)
        chooser.addWidget(self.chooser, 1)
        chooser.addWidget(self.start_button)
        layout.addWidget(self.chooser_row)

        # The offer: a hint, not a dialog; it goes away when taken or declined.
        self.offer = QFrame()
        self.offer.setObjectName("lesson_offer")
        self.offer.setStyleSheet(f"QFrame#lesson_offer {{ background: {OFFER_BACKGROUND};"
                                 " border: 1px solid #e0b84a; border-radius: 6px; }")
        offer_layout = QVBoxLayout(self.offer)
        self.offer_label = _wrapped("Lesson offered")
        offer_buttons = QHBoxLayout()
        self.offer_start = self._button("Start the lesson", "Follow this preset's guided "
                                        "lesson step by step", self._on_start_offered)
        self.offer_dismiss = self._button("Not now", "Hide this hint (Help ▸ Lessons "
                                          "brings the lesson back)", self.dismiss_offer)
        offer_buttons.addWidget(self.offer_start)
        offer_buttons.addWidget(self.offer_dismiss)
        offer_buttons.addStretch(1)
        offer_layout.addWidget(self.offer_label)
        offer_layout.addLayout(offer_buttons)

        # The lesson: title, progress, the steps done, the step now (large), what it
        # waits for.  They scroll when the panel is short.
        self.title = _wrapped("Lesson title", rich=False)
        self.progress_label = _wrapped("Lesson progress")
        self.done_label = _wrapped("Steps done")
        self.step_frame = QFrame()
        self.step_frame.setObjectName("lesson_step")
        self.step_frame.setStyleSheet(
            f"QFrame#lesson_step {{ border: 2px solid {NOW_COLOUR}; border-radius: 8px;"
            " background: #f4f8fc; }")
        step_layout = QVBoxLayout(self.step_frame)
        step_layout.setContentsMargins(10, 8, 10, 8)
        step_layout.setSpacing(6)
        self.step_title = _wrapped("Step title", rich=False)
        self.step_text = _wrapped("What to do now")
        self.step_text.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.waiting = _wrapped("What the lesson waits for", rich=False)
        step_layout.addWidget(self.step_title)
        step_layout.addWidget(self.step_text)
        step_layout.addWidget(self.waiting)
        self.next_label = _wrapped("Coming next")

        scroll_content = QWidget()
        scroll_layout = QVBoxLayout(scroll_content)
        scroll_layout.setContentsMargins(0, 0, 0, 0)
        scroll_layout.setSpacing(6)
        for widget in (self.offer, self.title, self.progress_label, self.done_label,
                       self.step_frame, self.next_label):
            scroll_layout.addWidget(widget)
        scroll_layout.addStretch(1)
        self.scroll = QScrollArea()
        self.scroll.setWidgetResizable(True)
        self.scroll.setFrameShape(QFrame.Shape.NoFrame)
        self.scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.scroll.setWidget(scroll_content)
        self.scroll.setMinimumHeight(40)  # a small screen: the steps scroll
        layout.addWidget(self.scroll, 1)

        self.buttons_row = QWidget()
        buttons = QHBoxLayout(self.buttons_row)
        buttons.setContentsMargins(0, 0, 0, 0)
        self.back_button = self._button("◀ &Back", "The previous step of the lesson",
                                        self.runner.back)
        self.next_button = self._button("&Next ▶", "The next step of the lesson (it also "
                                        "moves on by itself when you do what it says)",
                                        self.runner.next)
        self.stop_button = self._button("Stop", "Leave the lesson (the chooser comes back)",
                                        self.runner.stop)
        buttons.addWidget(self.back_button)
        buttons.addWidget(self.next_button)
        buttons.addStretch(1)
        buttons.addWidget(self.stop_button)
        layout.addWidget(self.buttons_row)

        self.offer_check = QCheckBox("Offer lessons when a preset opens")
        self.offer_check.setChecked(True)
        self.offer_check.setAccessibleName("Offer lessons")
        self.offer_check.setToolTip("When a preset with a lesson is opened, show this panel "
                                    "with a hint to start it")
        self.offer_check.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        layout.addWidget(self.offer_check)
        # as short as the Data dock it shares a tab with may be: the steps scroll
        body.setMinimumHeight(MIN_HEIGHT)
        self.setWidget(body)

        self.runner.changed.connect(self._show)
        self.runner.progress.connect(self._show_waiting)
        self.set_font_scale(1.0)
        self.offered = lesson_for(self.session.scenario, self.lessons)
        self._show()

    def _button(self, text: str, tip: str, slot) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.setAccessibleName(text.replace("&", "").strip("◀▶ "))
        # reached with Tab, but a click leaves the keyboard to the transport (Space, →)
        button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
        button.clicked.connect(slot)
        return button

    # -- public -------------------------------------------------------------------------

    def set_font_scale(self, scale: float) -> None:
        """Lesson text × ``scale`` (View ▸ Larger/Smaller text)."""
        self._font_scale = float(scale)
        # the application font already follows the text size: sizes are relative to it
        base = QFont(QApplication.font())
        size = base.pointSizeF() if base.pointSizeF() > 0 else 12.0
        text = QFont(base)
        text.setPointSizeF(size * TEXT_SCALE)
        heading = QFont(text)
        heading.setBold(True)
        title = QFont(base)
        title.setPointSizeF(size * 1.3)
        title.setBold(True)
        small = QFont(base)
        small.setPointSizeF(max(10.0, size * 0.95))
        self.title.setFont(title)
        self.step_title.setFont(heading)
        self.step_text.setFont(text)
        for label in (self.progress_label, self.done_label, self.waiting, self.next_label):
            label.setFont(small)

    def offer_lesson(self, lesson: Lesson | None) -> None:
        """Show (or with None, hide) the hint to start ``lesson``."""
        self.offered = lesson
        self._show()

    def dismiss_offer(self) -> None:
        self.offered = None
        self._show()
        if not self.runner.running:
            self.hide()

    def start(self, lesson: Lesson) -> bool:
        """Start ``lesson`` from its first step, on its preset as the preset file has it
        (opened again unless the window shows it untouched).  False if the user kept
        the current document (the open asked about unsaved changes)."""
        session = self.session
        fresh = (lesson_for(session.scenario, {lesson.preset: lesson}) is lesson
                 and not session.modified and session.trainer.steps_done == 0)
        if not fresh:
            if self.open_preset is None or not self.open_preset(lesson.preset):
                return False
        self.offered = None
        self.runner.start(lesson)
        self.reveal()
        return True

    def text(self) -> str:
        """What the panel says, as plain text (for tests and screen readers)."""
        parts = [self.offer_label.text()] if self.offer.isVisibleTo(self) else []
        parts += [self.title.text(), self.progress_label.text(), self.step_title.text(),
                  self.step_text.text(), self.waiting.text()]
        return _plain("\n".join(p for p in parts if p))

    # -- reacting ---------------------------------------------------------------------------

    def scenario_opened(self) -> None:
        """The window opened another lesson file or preset: a lesson running for the
        previous one stops, the new one's lesson (if any) is offered, and the panel
        comes forward with the offer (unless offers are turned off or the window
        presents)."""
        lesson = lesson_for(self.session.scenario, self.lessons)
        if self.runner.running and lesson is not self.runner.lesson:
            self.runner.stop()
        if lesson is not None and not self.runner.running:
            self.offered = lesson
            self._show()
            if self.offer_check.isChecked() and self.offers_allowed():
                self.reveal()
        else:
            self.offered = None
            self._show()

    def offers_allowed(self) -> bool:
        """False while the window presents (presentation mode shows no side panels)."""
        teaching = getattr(self.window_, "teaching", None)
        return not (teaching is not None and teaching.presenting)

    def _reveal(self) -> None:
        self.show()
        self.raise_()

    def _on_start_offered(self) -> None:
        if self.offered is not None:
            self.start(self.offered)

    def _on_start_chosen(self) -> None:
        name = self.chooser.currentData()
        if name in self.lessons:
            self.start(self.lessons[name])

    # -- drawing --------------------------------------------------------------------------

    def _show(self) -> None:
        runner = self.runner
        lesson = runner.lesson
        offered = self.offered if not runner.running else None
        self.offer.setVisible(offered is not None)
        if offered is not None:
            self.offer_label.setText(
                f"<b>This preset comes with a lesson:</b> “{html.escape(offered.title)}”, "
                f"{len(offered.steps)} short steps. {lesson_html(offered.summary)}")
        current = lesson if lesson is not None else None
        if current is not None:
            index = self.chooser.findData(current.preset)
            if index >= 0:
                with QSignalBlocker(self.chooser):
                    self.chooser.setCurrentIndex(index)
        elif offered is not None:
            index = self.chooser.findData(offered.preset)
            if index >= 0:
                with QSignalBlocker(self.chooser):
                    self.chooser.setCurrentIndex(index)
        running = lesson is not None
        for widget in (self.title, self.progress_label, self.step_frame, self.buttons_row):
            widget.setVisible(running)
        self.chooser_row.setVisible(not running)
        self.offer_check.setVisible(not running)
        self.back_button.setEnabled(running and runner.index > 0)
        self.next_button.setEnabled(running and not runner.finished)
        self.stop_button.setEnabled(running)
        if not running:
            self.done_label.setVisible(False)
            self.next_label.setVisible(offered is None)
            self.next_label.setText(
                "Choose a lesson above and press <b>Start</b>: it opens its preset and "
                "guides you through it, moving on by itself when you do what it says.")
            return
        total = len(lesson.steps)
        self.title.setText(lesson.title)
        shown = min(runner.index, total)
        dots = "".join(f"<span style='color:{DONE_COLOUR}'>●</span>" if k < shown else
                       f"<span style='color:{NOW_COLOUR}'>◉</span>" if k == shown else
                       "<span style='color:#b0b7bf'>○</span>" for k in range(total))
        where = f"Step {shown + 1} of {total}" if not runner.finished else "Finished"
        self.progress_label.setText(f"{dots}&nbsp;&nbsp;{where}")
        # the steps already done, small and green: what the class has seen so far
        done = lesson.steps[max(0, shown - 1):shown]
        self.done_label.setVisible(bool(done))
        self.done_label.setText("<br>".join(
            f"<span style='color:{DONE_COLOUR}'>✓</span> "
            f"<span style='color:{MUTED_COLOUR}'>{html.escape(s.title or _first_words(s.text))}"
            "</span>" for s in done))
        if runner.finished:
            self.step_title.setText("✓ Lesson complete")
            self.step_text.setText("Well done. Press <b>Back</b> to look at a step again, or "
                                   "choose another lesson above.")
            self.waiting.setText("")
            self.next_label.setVisible(False)
        else:
            step = runner.step
            self.step_title.setText(step.title or f"Step {shown + 1}")
            self.step_text.setText(lesson_html(step.text))
            self._show_waiting()
            following = lesson.steps[shown + 1] if shown + 1 < total else None
            self.next_label.setVisible(following is not None)
            if following is not None:
                self.next_label.setText(
                    f"<span style='color:{MUTED_COLOUR}'>Next: "
                    f"{html.escape(following.title or _first_words(following.text))}</span>")
        self.scroll.ensureWidgetVisible(self.step_frame)

    def _show_waiting(self) -> None:
        kind = self.runner.condition.kind
        mark = "▶ " if kind != "next" else ""
        self.waiting.setText(mark + self.runner.waiting_text())
        self.waiting.setStyleSheet(f"color: {NOW_COLOUR if kind != 'next' else MUTED_COLOUR};")


def _first_words(text: str, count: int = 8) -> str:
    words = re.sub(r"[`*]", "", text).split()
    return " ".join(words[:count]) + ("…" if len(words) > count else "")


def _plain(rich: str) -> str:
    text = re.sub(r"<br\s*/?>", "\n", rich)
    text = html.unescape(re.sub(r"<[^>]+>", "", text)).replace("\xa0", " ")
    return re.sub(r" {2,}", " ", text)
