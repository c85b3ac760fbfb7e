"""Samples of one's own: a CSV file (or rows pasted from a spreadsheet) read into
literal samples, and the samples written back out as CSV.

Reading is all or nothing: a cell that is no finite number, a row of the wrong length,
or too many rows raises :class:`DataImportError` naming the row (as a spreadsheet
numbers it: the header is row 1) and the column, and no sample is made.

:func:`imported_scenario` puts the samples into a scenario.  When the chosen columns
are not as many as the network's inputs and outputs, the input and output layers are
resized to fit (as the Layers dock resizes them: the other weights are kept, new
neurons get incoming weights from the initializer and outgoing weights 0); what the
loss cannot use (bce targets outside 0..1) is refused with :meth:`Scenario.check`'s
reason, moved to the CSV row it came from.
"""

from __future__ import annotations

import csv
import io
import itertools
import math
import re
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from . import edits, settings_spec
from .notation.numbers import parse_number
from .scenario import DataSpec, Scenario, ScenarioError

#: the most samples a scenario holds (the sample count's maximum)
MAX_ROWS = int(settings_spec.get("sample_count").maximum)
#: the largest CSV file read: 100,000 rows of many columns fit well within it
MAX_FILE_BYTES = 64 * 1024 * 1024
#: the delimiters a spreadsheet writes, in the order they are tried
DELIMITERS = ("\t", ";", ",")


class DataImportError(ValueError):
    """Why the rows cannot be imported, in one sentence that names the row and the
    column where there is one."""


@dataclass(frozen=True)
class Table:
    """The cells of a CSV text, as text: nothing is a number until columns are chosen
    (a column of names beside the numbers does no harm unless it is chosen)."""

    #: the header row's column names
    names: tuple[str, ...]
    #: the data rows' cells, each row as long as ``names``
    rows: tuple[tuple[str, ...], ...]
    #: the row number of each data row as a spreadsheet shows it (the header is row 1)
    row_numbers: tuple[int, ...]

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> int:
        try:
            return self.names.index(name)
        except ValueError:
            raise DataImportError(f"no column “{name}”; the columns are "
                                  f"{', '.join(self.names)}") from None

    def samples(self, inputs, targets) -> list[tuple[tuple, tuple]]:
        """((x, y), ...) from the columns named ``inputs`` and ``targets`` (in that
        order); DataImportError at the first cell that is no finite number."""
        inputs, targets = list(inputs), list(targets)
        if not inputs:
            raise DataImportError("choose at least one input column")
        if not targets:
            raise DataImportError("choose at least one target column")
        for name in inputs:
            if name in targets:
                raise DataImportError(f"column “{name}” cannot be both an input and "
                                      "a target")
        for names in (inputs, targets):
            for name in names:
                if names.count(name) > 1:
                    raise DataImportError(f"column “{name}” is chosen twice")
        x_columns = [self.column(name) for name in inputs]
        y_columns = [self.column(name) for name in targets]
        samples = []
        for cells, row in zip(self.rows, self.row_numbers):
            x = tuple(self._number(cells, k, row) for k in x_columns)
            y = tuple(self._number(cells, k, row) for k in y_columns)
            samples.append((x, y))
        return samples

    def _number(self, cells, column: int, row: int) -> float:
        text = cells[column]
        try:
            return number(text)
        except ValueError as refusal:
            raise DataImportError(f"row {row}, column “{self.names[column]}”: "
                                  f"{refusal}") from None


def number(text: str) -> float:
    """A cell's number: what :func:`parse_number` reads (also "0,5" and "−1"), only
    faster for the plain "1.5e-3" a spreadsheet writes."""
    if "_" not in text:  # float() reads "1_000"; parse_number (a person's typing) not
        try:
            value = float(text)
        except ValueError:
            pass
        else:
            if math.isfinite(value):
                return value
    return parse_number(text)


def _delimiter(first_line: str) -> str:
    # a header row of names has no decimal commas: the first delimiter it holds is it
    for delimiter in DELIMITERS:
        if delimiter in first_line:
            return delimiter
    return ","


def _blank(cells) -> bool:
    return all(not cell.strip() for cell in cells)


def _rows(text: str):
    """(row number, cells) of each non-blank row of ``text``, cells stripped of
    spaces, trailing empty cells dropped (a spreadsheet pads rows with them)."""
    text = text.removeprefix("\ufeff")  # the byte order mark Excel writes
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # newline="": a quoted cell may hold a line break (the csv module's rule)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(first_line))
    try:
        for cells in reader:
            if _blank(cells):
                continue
            cells = [cell.strip() for cell in cells]
            while cells and not cells[-1]:
                cells.pop()
            yield reader.line_num, cells
    except csv.Error as error:
        raise DataImportError(f"row {reader.line_num + 1}: cannot be read as CSV "
                              f"({error})") from None


def _table(names: list[str], header_row: int | None, rows) -> Table:
    """The table of ``rows`` (an iterator of (row number, cells)) under ``names``."""
    where = f"row {header_row}: " if header_row is not None else ""
    for k, name in enumerate(names):
        if not name:
            raise DataImportError(f"{where}column {k + 1} has no name")
        if name in names[:k]:
            raise DataImportError(f"{where}two columns are named “{name}”")
    cells, numbers = [], []
    for row, values in rows:
        if len(cells) == MAX_ROWS:
            raise DataImportError(f"more than {MAX_ROWS:,} rows: a scenario holds at "
                                  f"most {MAX_ROWS:,} samples")
        if len(values) != len(names):
            raise DataImportError(f"row {row}: {len(values)} cells, but there are "
                                  f"{len(names)} columns")
        cells.append(tuple(values))
        numbers.append(row)
    if not cells:
        raise DataImportError("no samples: a header row but no rows below it")
    return Table(tuple(names), tuple(cells), tuple(numbers))


def parse_csv(text: str) -> Table:
    """The table of a CSV text whose first non-blank row names the columns.  Commas,
    semicolons or tabs part the cells; quoted cells, blank rows and a byte order mark
    are allowed.  DataImportError when it holds no data or more than MAX_ROWS rows."""
    rows = _rows(text)
    try:
        header_row, names = next(rows)
    except StopIteration:
        raise DataImportError("the file is empty: expected a header row naming the "
                              "columns, then one row per sample") from None
    return _table(names, header_row, rows)


def _is_number(text: str) -> bool:
    try:
        number(text)
        return True
    except ValueError:
        return False


def parse_pasted(text: str) -> Table:
    """Rows copied from a spreadsheet (tab-separated, or commas): the first row is a
    header when none of its cells is a number; without one the columns are called
    "1", "2", … (rows keep their numbers as pasted)."""
    rows = _rows(text)
    try:
        first_row, first = next(rows)
    except StopIteration:
        raise DataImportError("nothing to paste: copy rows of numbers from a "
                              "spreadsheet") from None
    if not any(_is_number(cell) for cell in first):
        return _table(first, first_row, rows)
    names = [str(k + 1) for k in range(len(first))]
    return _table(names, None, itertools.chain([(first_row, first)], rows))


def read_csv(path) -> Table:
    """The table of the CSV file at ``path`` (UTF-8, or Latin-1 when it is not)."""
    path = Path(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise DataImportError(f"{path.name} is {size / 2**20:.0f} MB; at most "
                              f"{MAX_FILE_BYTES // 2**20} MB can be imported")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")  # an older spreadsheet's export; never fails
    return parse_csv(text)


def column_names(inputs: int, targets: int) -> list[str]:
    """x1 … xn, y1 … ym: the header of exported samples (plain letters, so a
    spreadsheet and ``--inputs x1,x2`` can name them)."""
    return [f"x{k + 1}" for k in range(inputs)] + [f"y{k + 1}" for k in range(targets)]


def samples_csv(x: np.ndarray, y: np.ndarray) -> str:
    """The samples as CSV text: a header row, then one row per sample with each number
    written exactly (repr reads back as the same float)."""
    x, y = np.atleast_2d(x), np.atleast_2d(y)
    lines = [",".join(column_names(x.shape[1], y.shape[1]))]
    for row in np.hstack([x, y]):
        lines.append(",".join(repr(float(v)) for v in row))
    return "\n".join(lines) + "\n"


def _neurons(n: int) -> str:
    return f"{n} neuron" if n == 1 else f"{n} neurons"


_SAMPLE_PLACE = re.compile(r"data\.samples\[(\d+)\]")


def imported_scenario(scenario: Scenario, samples, row_numbers=None) -> tuple[Scenario, str]:
    """(the scenario with ``samples`` as its data, what changed in the network: "" or
    "the input layer 2 → 3 neurons, ..."); ``scenario`` is untouched.

    The input and output layers take the samples' widths (class indices, one target
    column, keep a softmax output of any width for cross-entropy).  ScenarioError when
    the result breaks a rule of :meth:`Scenario.check`; a sample's problem names its
    row (``row_numbers``, default 1, 2, ...)."""
    if not samples:
        raise DataImportError("no samples to import")
    if len(samples) > MAX_ROWS:
        raise DataImportError(f"{len(samples):,} samples: at most {MAX_ROWS:,}")
    inputs, targets = len(samples[0][0]), len(samples[0][1])
    network = scenario.network
    changes = []
    if network.layers[0] != inputs:
        changes.append(f"the input layer {network.layers[0]} → {_neurons(inputs)}")
        network = edits.resized(network, 0, inputs, scenario.init)
    outputs = network.layers[-1]
    if not edits.targets_fit(targets, outputs, scenario.training.loss):
        changes.append(f"the output layer {outputs} → {_neurons(targets)}")
        network = edits.resized(network, network.depth, targets, scenario.init)
    result = replace(scenario, network=network, data=DataSpec.from_samples(
        samples, test_fraction=scenario.data.test_fraction, seed=scenario.data.seed))
    try:
        result.check()
    except ScenarioError as refusal:
        place = _SAMPLE_PLACE.match(refusal.where)
        if place is None:
            raise
        index = int(place.group(1))
        row = row_numbers[index] if row_numbers is not None else index + 1
        raise DataImportError(f"row {row}: {refusal.problem}") from None
    return result, ", ".join(changes)
