"""Samples of one's own: CSV text read into samples (all or nothing, refusals naming
row and column), samples written out as CSV, and `bpsim import-data`."""

import json

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bpsim import cli, data_import, io
from bpsim.data_import import DataImportError, parse_csv, parse_pasted


def test_header_names_the_columns_and_cells_become_numbers():
    table = parse_csv("a,b,c\n1,2,0\n-0.5,1e-3,1\n")
    assert table.names == ("a", "b", "c")
    assert table.samples(["a", "b"], ["c"]) == [((1.0, 2.0), (0.0,)),
                                                 ((-0.5, 0.001), (1.0,))]
    # any order, any subset: a column not chosen may hold text
    assert parse_csv("name,x,y\nann,1,2\n").samples(["y"], ["x"]) == [((2.0,), (1.0,))]


@pytest.mark.parametrize("text", [
    "\ufeffa,b\n1,2\n",                 # the byte order mark Excel writes
    'a,"b"\n"1", 2 \n',                 # quoted cells, spaces around a number
    "\n\na,b\n\n1,2\n\n",               # blank rows anywhere
    "a\tb\n1\t2\n",                     # tab-separated
    "a;b\n1;2\n",                       # semicolons
    "a;b\n1,0;2\n",                     # semicolons with a decimal comma
    "a,b\r\n1,2\r\n",                   # Windows line ends
    "a,b,\n1,2,\n",                     # empty cells a spreadsheet pads rows with
])
def test_spreadsheet_dialects_read_the_same(text):
    assert parse_csv(text).samples(["a"], ["b"]) == [((1.0,), (2.0,))]


def test_a_quoted_cell_may_hold_the_delimiter():
    table = parse_csv('"x, cm",y\n"1,5",2\n')
    assert table.names == ("x, cm", "y")
    assert table.samples(["x, cm"], ["y"]) == [((1.5,), (2.0,))]


@pytest.mark.parametrize("text, inputs, message", [
    ("a,b\n1,2\n3,4\n4,5\n5,6\n6,7\n7,8\n1,abc\n", ["a"], "row 8, column “b”: “abc” is not a number"),
    ("a,b\n1,2\n\n1,nan\n", ["a"], "row 4, column “b”: “nan” is not a finite number"),
    ("a,b\n1,2\n,3\n", ["a"], "row 3, column “a”: Enter a number"),
    ("a,b\n1,2\n1,2,3\n", ["a"], "row 3: 3 cells, but there are 2 columns"),
    ("a,b\n1,2\n", ["z"], "no column “z”; the columns are a, b"),
    ("a,b\n1,2\n", ["b"], "column “b” cannot be both an input and a target"),
    ("a,a\n1,2\n", ["a"], "row 1: two columns are named “a”"),
    ("", ["a"], "the file is empty"),
    ("a,b\n", ["a"], "no samples"),
])
def test_bad_rows_are_named_and_nothing_is_read(text, inputs, message):
    with pytest.raises(DataImportError) as refusal:
        parse_csv(text).samples(inputs, ["b"])
    assert str(refusal.value).startswith(message)


def test_at_most_100000_rows():
    rows = "\n".join(f"{k},{k % 2}" for k in range(data_import.MAX_ROWS))
    table = parse_csv("x,y\n" + rows + "\n")
    assert len(table) == data_import.MAX_ROWS == 100_000
    assert table.samples(["x"], ["y"])[-1] == ((99_999.0,), (1.0,))
    with pytest.raises(DataImportError, match="more than 100,000 rows"):
        parse_csv("x,y\n" + rows + "\n1,1\n")


def test_export_then_import_gives_the_same_samples():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(50, 3)) * 10.0 ** rng.integers(-20, 20, (50, 3)), \
        rng.normal(size=(50, 2))
    text = data_import.samples_csv(x, y)
    assert text.splitlines()[0] == "x1,x2,x3,y1,y2"
    samples = parse_csv(text).samples(["x1", "x2", "x3"], ["y1", "y2"])
    assert np.array_equal(np.array([s[0] for s in samples]), x)
    assert np.array_equal(np.array([s[1] for s in samples]), y)


def test_pasted_rows_need_no_header():
    table = parse_pasted("1\t2\n3\t4\n")
    assert table.names == ("1", "2") and table.row_numbers == (1, 2)
    assert parse_pasted("a\tb\n1\t2\n").names == ("a", "b")
    with pytest.raises(DataImportError, match="row 2, column “2”: “x” is not a number"):
        parse_pasted("1\t2\n3\tx\n").samples(["1"], ["2"])


def test_import_fits_the_input_and_output_layers_keeping_the_other_weights():
    scenario = io.load_builtin("xor")  # 2 → 2 → 1
    before = scenario.network.copy()
    samples = [((1.0, 2.0, 3.0), (0.5, 0.25))]
    new, changes = data_import.imported_scenario(scenario, samples)
    assert new.network.layers == [3, 2, 2]
    assert changes == "the input layer 2 → 3 neurons, the output layer 1 → 2 neurons"
    assert np.array_equal(new.network.weights[0][:, :2], before.weights[0])
    assert scenario.network.layers == [2, 2, 1]  # untouched
    same, changes = data_import.imported_scenario(scenario, [((1.0, 2.0), (1.0,))])
    assert changes == "" and same.network.layers == [2, 2, 1]


def test_targets_the_loss_cannot_use_are_refused_at_their_row():
    circles = io.load_builtin("circles")  # bce
    table = parse_csv("a,b,c\n1,2,0\n1,2,1\n3,4,2\n")
    with pytest.raises(DataImportError, match="row 4: bce needs targets between 0 and 1"):
        data_import.imported_scenario(circles, table.samples(["a", "b"], ["c"]),
                                      table.row_numbers)


def test_import_data_command_writes_a_file_that_loads_and_trains(tmp_path, capsys):
    csv_file = tmp_path / "and.csv"
    csv_file.write_text("p;q;label\n0;0;0\n0;1;0\n1;0;0\n1;1;1\n")
    out = tmp_path / "and.bpsim.json"
    code = cli.main(["import-data", "xor", str(csv_file), "--inputs", "p,q",
                     "--targets", "label", "--out", str(out)])
    assert code == 0
    assert "4 samples" in capsys.readouterr().out
    scenario = io.load(out)
    assert scenario.data.samples[3] == ((1.0, 1.0), (1.0,))
    losses = [r.loss.loss for r in scenario.trainer().train(200)]
    assert losses[-1] < losses[0]


def test_import_data_command_refuses_a_bad_cell_and_writes_nothing(tmp_path, capsys):
    csv_file = tmp_path / "bad.csv"
    csv_file.write_text("a,b\n1,2\n3,four\n")
    out = tmp_path / "out.bpsim.json"
    code = cli.main(["import-data", "xor", str(csv_file), "--inputs", "a",
                     "--targets", "b", "--out", str(out)])
    assert code == 1
    assert "row 3, column “b”: “four” is not a number" in capsys.readouterr().err
    assert not out.exists()


def test_import_data_is_listed_and_suggested(capsys):
    assert cli.main(["--help"]) == 0
    assert "import-data" in capsys.readouterr().out
    assert cli.main(["import-dta"]) == 2
    assert "did you mean 'import-data'" in capsys.readouterr().err


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=st.sampled_from(list("abc1.-e,;\t\"\n\r \ufeff\x00é")),
               max_size=200) | st.text(),
       st.lists(st.sampled_from(["a", "b", "1", "2"]), max_size=2))
def test_hostile_text_is_read_or_refused_never_crashes(text, inputs):
    for parse in (parse_csv, parse_pasted):
        try:
            table = parse(text)
            samples = table.samples(inputs, ["c"])
        except DataImportError:
            continue
        assert all(np.isfinite(v) for x, y in samples for v in x + y)


def test_a_saved_import_reads_back(tmp_path):
    scenario, _ = data_import.imported_scenario(
        io.load_builtin("lecture-example"), parse_csv("x,y\n1,2\n3,4\n").samples(["x"], ["y"]))
    path = tmp_path / "mine.bpsim.json"
    io.save(scenario, path)
    assert json.loads(path.read_text())["data"]["samples"][1] == {"x": [3.0], "y": [4.0]}
