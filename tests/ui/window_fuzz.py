"""Random editing sessions in the real window, as a careless or hostile user would make
them: actions by name, typed values (valid and not), layers and neurons, losses,
generators and samples, the Inspector, steps and play, the timeline, undo and redo,
Compare, the gradient check, presentation mode, save and reopen.

A session is a seeded list of actions.  Each action is data (a name and a few random
numbers in [0, 1) or strings) read against the window as it is when the action runs, so
a list with actions removed still runs: that is how a failure is cut down to a minimal
reproducer.

What must hold (issue "nothing a user does crashes bpsim or loses work"):
after every action no exception reached the event loop, the scenario passes
``Scenario.check`` (the window never builds a state its loader refuses) and every
weight is finite; at the end, undo of everything restores the start exactly, redo of
everything the end exactly; every file the window saves opens again with the same
weights and settings.

``python tests/ui/window_fuzz.py --minutes 10`` runs sessions until the time is up,
each batch in a child process (a segfault ends the child, not the run), prints a
one-line summary and keeps each distinct failure's seed and minimal action list in
``build/fuzz-window/``.
"""

from __future__ import annotations

import json
import os
import random
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import numpy as np  # noqa: E402

#: what a user types into a number field: valid, invalid, huge, tiny, signed zero
TYPED = ("abc", "nan", "inf", "-inf", "1e308", "-1e308", "1e400", "-0", "0", "1", "2",
         "5", "-3", "0.5", "0.01", "1e-320", "3.7", "12", "0.999", "1000",
         "99999999999999999999999", "-99999999999999999999999", "12345678901234567890",
         "", " ", "1,5", "½", "0x10", "7e15", "-1")

#: trigger-able actions and how often they are picked (weights)
STEP_ACTIONS = ("next_phase", "previous_phase", "forward_step", "backward_step",
                "update_step", "full_step", "reset", "undo", "redo")
BUILTINS = ("lecture-example", "xor", "deep-sigmoid", "circles", "sine", "spiral")

#: (kind, weight): how often each kind of action is drawn
KINDS = (("trigger", 14), ("play", 3), ("type_field", 10), ("type_spin", 4),
         ("size_button", 6), ("activation", 4), ("loss", 4), ("batch", 2),
         ("train_biases", 1), ("layer_button", 3), ("reinitialize", 3), ("generator", 3),
         ("sample_button", 3), ("sample_edit", 5), ("next_sample", 2), ("select", 4),
         ("inspector_type", 6), ("slider_drag", 3), ("timeline", 3), ("undo_many", 3),
         ("redo_many", 2), ("compare", 1), ("gradcheck", 2), ("presentation", 1),
         ("save", 3), ("reopen", 1), ("speed", 1))


def draw_actions(seed: int, count: int | None = None) -> list[list]:
    """The seeded action list of one session: each ``[kind, *arguments]``."""
    rng = random.Random(seed)
    count = count if count is not None else rng.randint(30, 80)
    kinds = [k for k, _ in KINDS]
    weights = [w for _, w in KINDS]
    actions = []
    for _ in range(count):
        kind = rng.choices(kinds, weights)[0]
        actions.append([kind, rng.random(), rng.random(), rng.choice(TYPED),
                        rng.choice(STEP_ACTIONS)])
    return actions


def _pick(items, u: float):
    return items[min(int(u * len(items)), len(items) - 1)] if items else None


# -- the state compared ------------------------------------------------------------------


def scenario_state(scenario) -> tuple:
    """Everything undo must put back and a saved file must hold: architecture, every
    weight and bias (bit for bit), training settings, initializer, data."""
    net = scenario.network
    return (tuple(net.layers), tuple(net.activations), net.leaky_slope,
            tuple(w.tobytes() for w in net.weights), tuple(b.tobytes() for b in net.biases),
            scenario.training, scenario.init, scenario.data)


def describe_difference(a: tuple, b: tuple) -> str:
    names = ("layers", "activations", "leaky slope", "weights", "biases", "training",
             "initializer", "data")
    return ", ".join(n for n, x, y in zip(names, a, b) if x != y) or "nothing"


# -- one session -------------------------------------------------------------------------


class Failure(Exception):
    """An invariant broken (the message says which)."""


@dataclass
class Outcome:
    seed: int
    actions: list
    #: None when every invariant held; else a one-line kind and the details
    failure: str | None = None
    details: str = ""
    done: int = 0  # actions run
    saved: int = 0
    exceptions: list = field(default_factory=list)


def _no_dialogs(window, outcome_sink: list):
    """Modal dialogs answered without a screen: a warning is recorded (the window
    refused a file it saved itself, or a save failed); "save changes?" is answered
    Discard."""
    from PySide6.QtWidgets import QMessageBox

    window._warn = lambda title, text: outcome_sink.append(f"dialog {title}: {text}")
    window._ask_save_changes = lambda: QMessageBox.StandardButton.Discard
    window._confirm_revert = lambda: True


class Runner:
    """Runs action lists on one fresh window each."""

    def __init__(self, folder: Path, builtin: str | None = None):
        self.folder = folder

    def run(self, seed: int, actions: list, check_each: bool = True) -> Outcome:
        from PySide6.QtWidgets import QApplication

        from bpsim.ui.app import build_window

        outcome = Outcome(seed, actions)
        caught: list[str] = []

        def hook(kind, value, tb):
            caught.append("".join(traceback.format_exception(kind, value, tb)))

        previous_hook = sys.excepthook
        sys.excepthook = hook
        restore_dialogs = _answer_dialogs(caught)
        window = None
        try:
            builtin = BUILTINS[seed % len(BUILTINS)]
            window = build_window(builtin, restore_layout=False)
            _no_dialogs(window, caught)
            window.load_deferred_docks()
            QApplication.processEvents()
            session = window.session
            start = scenario_state(session.scenario)
            #: the state when the undo stack was last at its top: redo of everything
            #: must come back to it
            self._top = start
            self._saved: list[tuple[Path, tuple]] = []
            for number, action in enumerate(actions):
                try:
                    start = self._act(window, action, number, start)
                except Failure:
                    raise
                except Exception:  # noqa: BLE001 (an exception in a user action)
                    caught.append(f"in {action[0]}: " + traceback.format_exc())
                QApplication.processEvents()
                outcome.done = number + 1
                if caught:
                    raise Failure(f"exception after {action[0]}")
                if check_each:
                    self._check_state(window)
                stack = session.undo_stack
                if stack.index() == stack.count():
                    self._top = scenario_state(session.scenario)
            self._check_state(window)
            self._check_undo_redo(window, start)
            if caught:
                raise Failure("exception during undo/redo of everything")
        except Failure as failure:
            outcome.failure = str(failure)
            outcome.details = "\n".join(caught)
            if caught:
                outcome.failure += ": " + _last_line(caught[-1])
        finally:
            sys.excepthook = previous_hook
            restore_dialogs()
            outcome.saved = len(getattr(self, "_saved", []))
            if window is not None:
                _close(window)
        return outcome

    # -- invariants ---------------------------------------------------------------------

    def _check_state(self, window) -> None:
        from bpsim.scenario import ScenarioError

        scenario = window.session.scenario
        for w in (*scenario.network.weights, *scenario.network.biases):
            if not np.all(np.isfinite(w)):
                raise Failure("a weight or bias is not finite")
        try:
            scenario.check()
        except ScenarioError as error:
            raise Failure(f"the window holds a scenario its loader refuses: {error}")

    def _check_undo_redo(self, window, start: tuple) -> None:
        session = window.session
        window.animator.pause()
        session.abandon_step()
        end = self._top
        stack = session.undo_stack
        self.stack_texts = [stack.text(i) for i in range(stack.count())]
        stack.setIndex(0)
        now = scenario_state(session.scenario)
        if now != start:
            raise Failure(f"undo of everything did not restore the start "
                          f"({describe_difference(start, now)}) "
                          f"after {self.stack_texts}")
        stack.setIndex(stack.count())
        now = scenario_state(session.scenario)
        if now != end:
            raise Failure(f"redo of everything did not restore the end "
                          f"({describe_difference(end, now)}) "
                          f"after {self.stack_texts}")

    # -- the actions --------------------------------------------------------------------

    def _act(self, window, action, number: int, start: tuple) -> tuple:
        """Run one action; returns the state undo of everything must restore (a
        reopened file starts a new undo history)."""
        from PySide6.QtCore import Qt
        from PySide6.QtTest import QTest

        kind, u, v, text, name = action
        session = window.session
        if kind == "trigger":
            window.action(name).trigger()
        elif kind == "play":
            window.action("play_pause").trigger()
            QTest.qWait(20 + int(80 * u))
            window.animator.pause()
        elif kind == "speed":
            slider = window.transport.speed_slider
            slider.setValue(int(u * (slider.maximum() + 1)))
        elif kind == "type_field":
            _type(_pick(self._fields(window), u), text)
        elif kind == "type_learning_rate":  # for the fuzzer's own test
            _type(window.docks["training"].learning_rate, text)
        elif kind == "type_spin":
            boxes = [b for b in window.docks["layers"].widget().findChildren(
                type(window.docks["training"].batch))] + [window.docks["training"].batch]
            box = _pick(boxes, u)
            if box is not None and box.isEnabled():
                line = box.lineEdit()
                line.setFocus()
                line.selectAll()
                QTest.keyClicks(line, text)
                QTest.keyClick(line, Qt.Key.Key_Return)
        elif kind == "size_button":
            layers = window.docks["layers"]
            editor = _pick(layers.size_editors, u)
            if editor is not None:
                button = editor.plus if v < 0.6 else editor.minus
                if button.isEnabled():
                    button.click()
        elif kind == "activation":
            combo = _pick([c for c in window.docks["layers"].activation_boxes if c], u)
            if combo is not None:
                combo.setCurrentIndex(int(v * combo.count()))
        elif kind == "loss":
            combo = window.docks["training"].loss
            combo.setCurrentIndex(int(u * combo.count()))
        elif kind == "batch":
            box = window.docks["training"].batch
            box.setValue(int(u * 6))
        elif kind == "train_biases":
            window.docks["training"].train_biases.click()
        elif kind == "layer_button":
            layers = window.docks["layers"]
            layers.select_layer(int(u * len(session.network.layers)))
            button = layers.add_layer_button if v < 0.6 else layers.remove_layer_button
            if button.isEnabled():
                button.click()
        elif kind == "reinitialize":
            training = window.docks["training"]
            training.scheme.setCurrentIndex(int(u * training.scheme.count()))
            if v < 0.5:
                _type(_pick(list(training.init_params.values()) + [training.init_seed], v * 2),
                      text)
            training.reinitialize_button.click()
        elif kind == "generator":
            data = window.docks["data"]
            data.generator_button.click()
            data.generator.setCurrentIndex(int(u * data.generator.count()))
            if v < 0.5:
                _type(_pick([data.count, data.noise, data.seed], v * 2), text)
            if data.apply_button.isEnabled():
                data.apply_button.click()
        elif kind == "sample_button":
            data = window.docks["data"]
            data.samples_button.click()
            button = data.add_sample_button if u < 0.5 else data.remove_sample_button
            button.click()
        elif kind == "sample_edit":
            data = window.docks["data"]
            data.samples_button.click()
            model = data.model
            if model.rowCount() and model.columnCount():
                index = model.index(int(u * model.rowCount()), int(v * model.columnCount()))
                model.setData(index, text if v < 0.5 else str(round(u * 3 - 1)))
        elif kind == "next_sample":
            data = window.docks["data"]
            (data.next_button if u < 0.5 else data.previous_button).click()
        elif kind == "select":
            window.canvas.select(_selection(session.network, u, v))
        elif kind == "inspector_type":
            inspector = window.docks["inspector"]
            if window.canvas.selection is None:
                window.canvas.select(_selection(session.network, u, v))
            if inspector.selection is not None and inspector.selection[0] == "neuron":
                _type(inspector.neuron_bias, text)
            else:
                _type(inspector.parameter_editor.field, text)
        elif kind == "slider_drag":
            inspector = window.docks["inspector"]
            if window.canvas.selection is None or window.canvas.selection[0] == "neuron":
                window.canvas.select(_selection(session.network, u, min(v, 0.66)))
            slider = inspector.parameter_editor.slider
            slider.setSliderDown(True)
            for k in range(1 + int(v * 4)):
                slider.setValue(int(((u + 0.3 * k) % 1.0) * slider.maximum()))
            slider.setSliderDown(False)
        elif kind == "timeline":
            timeline = window.timeline
            if timeline.slider.isEnabled():
                timeline.slider.setValue(int(u * (timeline.slider.maximum() + 1)))
                if v < 0.5 and timeline.continue_action.isEnabled():
                    timeline.continue_action.trigger()
                elif v > 0.8:
                    timeline.to_now()
        elif kind == "undo_many":
            for _ in range(1 + int(u * 8)):
                window.action("undo").trigger()
        elif kind == "redo_many":
            for _ in range(1 + int(u * 8)):
                window.action("redo").trigger()
        elif kind == "compare":
            window.action("compare").trigger()
            QTest.qWait(int(30 * u))
            if window.compare_dialog is not None:
                window.compare_dialog.close()
        elif kind == "gradcheck":
            window.action("gradient_check").trigger()
            QTest.qWait(int(30 * u))
            dialog = window.gradcheck_dialog
            if dialog is not None and v < 0.7:
                dialog.close()
        elif kind == "presentation":
            window.action("presentation").trigger()
        elif kind == "save":
            start = self._save(window, number, start)
        elif kind == "reopen" and self._saved:
            start = self._reopen(window, start)
        return start

    def _fields(self, window) -> list:
        from bpsim.ui.widgets import NumberField

        fields = []
        for name in ("training", "data", "layers"):
            fields += window.docks[name].widget().findChildren(NumberField)
        fields += window.transport.findChildren(NumberField)
        return [f for f in fields if f.isEnabled()]

    def _save(self, window, number: int, start: tuple) -> tuple:
        from bpsim import io

        path = self.folder / f"saved-{number}{io.EXTENSION}"
        window._ask_save_path = lambda: path
        window.action("save_as").trigger()
        if not path.exists():
            raise Failure("save wrote no file")
        state = scenario_state(window.session.scenario)
        try:
            loaded = io.load(path)
        except io.ScenarioError as error:
            raise Failure(f"the window saved a file it refuses: {error}")
        if scenario_state(loaded) != state:
            raise Failure("the saved file holds other values: "
                          + describe_difference(state, scenario_state(loaded)))
        self._saved.append((path, state))
        return start

    def _reopen(self, window, start: tuple) -> tuple:
        path, state = self._saved[-1]
        if not window.open_path(path):
            raise Failure(f"the window refused to reopen {path.name}")
        now = scenario_state(window.session.scenario)
        if now != state:
            raise Failure("the reopened file shows other values: "
                          + describe_difference(state, now))
        return now


def _answer_dialogs(sink: list):
    """Every modal dialog a session opens is recorded as a failure and answered
    Cancel (none may wait for a screen).  Returns what puts the originals back."""
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    saved = []

    def replace(owner, name, answer):
        saved.append((owner, name, owner.__dict__.get(name, getattr(owner, name))))

        def refuse(*args, **kwargs):
            sink.append(f"unexpected dialog {owner.__name__}.{name}: {args[1:3]}")
            return answer

        setattr(owner, name, refuse)

    for name in ("question", "warning", "critical", "information"):
        replace(QMessageBox, name, QMessageBox.StandardButton.Cancel)
    replace(QMessageBox, "exec", QMessageBox.StandardButton.Cancel)
    for name in ("getOpenFileName", "getSaveFileName"):
        replace(QFileDialog, name, ("", ""))
    replace(QFileDialog, "getExistingDirectory", "")

    def restore():
        for owner, name, original in saved:
            setattr(owner, name, original)

    return restore


def _selection(network, u: float, v: float):
    """A weight, a bias or a neuron of ``network`` (``v`` picks the kind)."""
    layer = 1 + int(u * network.depth)
    rows, columns = network.weights[layer - 1].shape
    j = int((u * 7.3 % 1.0) * rows)
    if v < 0.5:
        return ("weight", layer, j, int((v * 13.1 % 1.0) * columns))
    if v < 0.75:
        return ("bias", layer, j)
    return ("neuron", layer, j)


def _type(field, text: str) -> None:
    """Select what the field shows, type ``text``, press Enter."""
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    if field is None or not field.isEnabled():
        return
    edit = field.edit
    edit.setFocus()  # as a person types: Enter then confirms, runs no step
    edit.selectAll()
    if text:
        QTest.keyClicks(edit, text)
    else:
        edit.clear()
    QTest.keyClick(edit, Qt.Key.Key_Return)


def _close(window) -> None:
    from PySide6.QtCore import QEvent
    from PySide6.QtWidgets import QApplication

    window.animator.pause()
    window.session.undo_stack.setClean()
    window.close()
    window.deleteLater()
    # outside an event loop deferred deletes wait for this call: no timer of the old
    # window may fire in the next session
    QApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    QApplication.processEvents()


def _last_line(text: str) -> str:
    lines = [line for line in text.strip().splitlines() if line.strip()]
    return lines[-1].strip() if lines else ""


def signature(outcome: Outcome) -> str:
    """What makes two failures the same: the invariant and the exception's type and
    place (its last frame), without numbers that vary."""
    import re

    where = ""
    frames = re.findall(r'File "([^"]+)", line \d+, in (\w+)', outcome.details)
    if frames:
        file, function = frames[-1]
        where = f" at {Path(file).name}:{function}"
    kind = re.sub(r"[-+]?\d[\d.e+-]*", "#", outcome.failure or "")
    return (kind.split(":")[0] + ":" + _last_line(outcome.details).split(":")[0]
            + where)[:200]


def minimize(runner: Runner, outcome: Outcome, budget: float = 60.0) -> list:
    """A shorter action list that fails the same way (one action removed at a time,
    within ``budget`` seconds)."""
    target = signature(outcome)
    actions = list(outcome.actions[:outcome.done])
    deadline = time.monotonic() + budget
    chunk = max(1, len(actions) // 2)
    while chunk >= 1 and time.monotonic() < deadline:
        i, removed = 0, False
        while i < len(actions) and time.monotonic() < deadline:
            trial = actions[:i] + actions[i + chunk:]
            result = runner.run(outcome.seed, trial)
            if result.failure and signature(result) == target:
                actions, removed = trial, True
            else:
                i += chunk
        if not removed:
            chunk //= 2
    return actions


# -- the long run ----------------------------------------------------------------------


def _worker(seeds: list[int], folder: Path, progress: Path) -> None:
    """Run ``seeds`` in this process, writing one JSON line per session to
    ``progress`` (a "start" line first, so a crash names its seed)."""
    runner = Runner(folder)
    with progress.open("a", encoding="utf-8") as out:
        for seed in seeds:
            out.write(json.dumps({"start": seed}) + "\n")
            out.flush()
            actions = draw_actions(seed)
            outcome = runner.run(seed, actions)
            record = {"seed": seed, "actions": outcome.done, "failure": outcome.failure}
            if outcome.failure:
                record["signature"] = signature(outcome)
                record["details"] = outcome.details[-4000:]
                record["minimal"] = minimize(runner, outcome, 40.0)
            out.write(json.dumps(record) + "\n")
            out.flush()


def long_run(minutes: float, first_seed: int, out_folder: Path) -> int:
    import subprocess

    out_folder.mkdir(parents=True, exist_ok=True)
    deadline = time.monotonic() + minutes * 60
    seed = first_seed
    sessions = actions = crashes = 0
    failures: dict[str, dict] = {}
    failed_sessions = 0
    while time.monotonic() < deadline:
        seeds = list(range(seed, seed + 10))
        with tempfile.TemporaryDirectory() as scratch:
            progress = Path(scratch) / "progress.jsonl"
            progress.touch()
            child = subprocess.run(
                [sys.executable, __file__, "--worker", ",".join(map(str, seeds)),
                 "--folder", scratch, "--progress", str(progress)],
                capture_output=True, text=True, timeout=1800)
            started = None
            for line in progress.read_text(encoding="utf-8").splitlines():
                record = json.loads(line)
                if "start" in record:
                    started = record["start"]
                    continue
                started = None
                sessions += 1
                actions += record["actions"]
                seed = record["seed"] + 1
                if record["failure"]:
                    failed_sessions += 1
                    failures.setdefault(record["signature"], record)
            if started is not None:  # the child died in this session
                sessions += 1
                crashes += 1
                failed_sessions += 1
                key = f"crash (exit {child.returncode})"
                failures.setdefault(key, {"seed": started, "failure": key,
                                          "details": child.stderr[-4000:],
                                          "minimal": draw_actions(started)})
                seed = started + 1
            elif child.returncode != 0 and seed == seeds[0]:
                print(child.stderr[-2000:], file=sys.stderr)
                return 2
    for number, (key, record) in enumerate(sorted(failures.items())):
        (out_folder / f"failure-{number:02d}.json").write_text(
            json.dumps({"signature": key, **record}, indent=1), encoding="utf-8")
    print(f"window fuzz: {sessions} sessions, {actions} actions, "
          f"{failed_sessions} failed ({crashes} crashes), {len(failures)} distinct"
          + (f", kept in {out_folder}" if failures else ""))
    return 1 if failures else 0


def main(argv=None) -> int:
    import argparse

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--seed", type=int, default=int(time.time()) % 1_000_000)
    parser.add_argument("--out", type=Path, default=Path("build/fuzz-window"))
    parser.add_argument("--replay", type=Path, help="a kept failure-NN.json to run again")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--folder", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--progress", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    _isolate_settings()
    if args.worker:
        _worker([int(s) for s in args.worker.split(",")], args.folder, args.progress)
        return 0
    if args.replay:
        record = json.loads(args.replay.read_text(encoding="utf-8"))
        with tempfile.TemporaryDirectory() as scratch:
            outcome = Runner(Path(scratch)).run(record["seed"], record["minimal"])
        print(outcome.failure or "passes now", outcome.details, sep="\n")
        return 1 if outcome.failure else 0
    return long_run(args.minutes, args.seed, args.out)


def _isolate_settings() -> None:
    """Remembered settings (recent files, text size) in a scratch folder."""
    from PySide6.QtCore import QSettings

    folder = tempfile.mkdtemp(prefix="bpsim-fuzz-settings-")
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, folder)
    os.environ["XDG_CONFIG_HOME"] = folder


if __name__ == "__main__":
    sys.exit(main())
