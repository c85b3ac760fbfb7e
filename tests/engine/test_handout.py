"""The worked-example handout: the lecture's numbers, offline HTML, the CLI command."""

from __future__ import annotations

from html.parser import HTMLParser

import numpy as np
import pytest

from bpsim import cli
from bpsim.notation.handout import explain, training_step
from bpsim.network import Network
from bpsim.scenario import DataSpec, Scenario
from bpsim.training import TrainingSettings


@pytest.fixture
def lecture(lecture_example) -> Scenario:
    # Without its description, so every number below comes from the derivation.
    lecture_example.description = ""
    return lecture_example


def wide(batch_size=None) -> Scenario:
    rng = np.random.default_rng(0)
    layers = [2, 16, 16, 1]
    weights = [rng.normal(0, 0.5, (n, m)) for m, n in zip(layers[:-1], layers[1:])]
    biases = [np.zeros(n) for n in layers[1:]]
    return Scenario(Network(layers, ["tanh", "tanh", "sigmoid"], weights, biases),
                    TrainingSettings("bce", 0.3, momentum=0.9, batch_size=batch_size),
                    DataSpec(generator="spiral", n=40, noise=0.0, seed=1))


class _Markup(HTMLParser):
    """Tags must nest; collects every attribute that could fetch something."""

    VOID = {"meta", "br", "hr", "img", "link", "input", "source"}

    def __init__(self):
        super().__init__()
        self.stack, self.mismatched, self.fetching, self.plain = [], [], [], []
        self._in_plain = False

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("src", "href", "srcset", "poster", "data") or \
                    "url(" in (value or ""):
                self.fetching.append((tag, name, value))
        self._in_plain = ("class", "plain") in attrs
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag):
        self._in_plain = False
        if not self.stack or self.stack[-1] != tag:
            self.mismatched.append(tag)
        else:
            self.stack.pop()

    def handle_data(self, data):
        if self._in_plain:
            self.plain.append(data)


def test_markdown_reads_like_the_lecture(lecture):
    md = explain(lecture, "md")
    assert r"J &= {\left(\hat{y} - y\right)}^{2} \\" in md
    assert r"&= {\left(0.3 - 1\right)}^{2} \\" in md and "&= 0.49" in md
    assert r"&= 2\left(\hat{y} - y\right) \cdot x \\" in md
    assert r"&= 2\left(0.3 - 1\right) \cdot 3 \\" in md and "&= -4.2" in md
    assert r"&= 0.1 - 1 \times \left(-4.2\right) \\" in md and "&= 4.3" in md
    # the summary in words, with real minus signs
    assert "| $w$ | 0.1 | −4.2 | 4.3 |" in md
    assert "0.4899" not in md and "4.3000" not in md and "4.1999" not in md


def test_markdown_writes_each_chain_rule_factor(lecture):
    md = explain(lecture, "md")
    table = md[md.index("| factor |"):]
    assert r"| $\frac{\partial J}{\partial \hat{y}}$ | $2\left(\hat{y} - y\right) = " \
           r"2\left(0.3 - 1\right)$ | $-1.4$ |" in table
    assert r"| $\frac{\partial z}{\partial w}$ | $x$ | $3$ |" in table


def test_html_shows_the_numbers_and_fetches_nothing(lecture):
    page = explain(lecture, "html")
    markup = _Markup()
    markup.feed(page)
    markup.close()
    assert markup.mismatched == [] and markup.stack == []
    assert markup.fetching == []
    assert "http://" not in page and "https://" not in page
    assert "<math" in page and "<mfrac>" in page
    plain = [p.strip() for p in markup.plain]
    # the plain-text fallback of each formula
    for expected in ("(0.3 − 1)²", "0.49", "2(0.3 − 1) · 3", "2(−0.7) · 3", "−4.2",
                     "0.1 − 1 × (−4.2)", "4.3"):
        assert expected in plain, expected
    # MathML numbers: −4.2 as a minus sign and a number
    assert "<mrow><mo>−</mo><mn>4.2</mn></mrow>" in page
    assert "<mn>0.49</mn>" in page and "<mn>4.3</mn>" in page


def test_the_scenario_is_not_changed():
    scenario = wide(batch_size=8)
    before = [w.copy() for w in scenario.network.weights]
    first = explain(scenario)
    assert all(np.array_equal(a, b) for a, b in zip(before, scenario.network.weights))
    assert explain(scenario) == first  # the same next batch every time


def test_trainer_state_continues_with_the_next_batch():
    scenario = wide(batch_size=8)
    trainer = scenario.copy().trainer()
    first = trainer.step()
    _, step = training_step(scenario, trainer.state())
    assert step.step == 1
    assert not np.array_equal(step.sample_indices, first.sample_indices)


def test_big_layers_are_matrices_and_the_page_stays_short():
    md = explain(wide(), "md")
    gradient = r"\frac{\partial J}{\partial W^{(2)}} = \sum_{\text{batch}} \delta^{(2)\top}a^{(1)}"
    assert gradient in md
    assert r"\begin{bmatrix}" in md and r"\ldots" in md
    assert "W^{(2)}_{\\text{new}} = W^{(2)} + v" in md  # momentum
    assert "| layer | weights | ‖∂J/∂W‖ |" in md  # summary per layer
    assert len(md.splitlines()) < 300


def test_unknown_format_is_refused(lecture):
    with pytest.raises(ValueError, match="md, html"):
        explain(lecture, "pdf")


def test_cli_writes_the_handout(tmp_path, capsys):
    out = tmp_path / "f.html"
    assert cli.main(["explain", "lecture-example", "--format", "html", "--out", str(out)]) == 0
    page = out.read_text(encoding="utf-8")
    assert "0.1 − 1 × (−4.2)" in page and "<mn>0.49</mn>" in page
    assert "https://" not in page and "http://" not in page
    assert cli.main(["explain", "lecture-example"]) == 0
    assert r"2\left(0.3 - 1\right) \cdot 3" in capsys.readouterr().out


def test_cli_reports_an_unwritable_output(tmp_path, capsys):
    code = cli.main(["explain", "lecture-example", "--out", str(tmp_path / "no" / "f.md")])
    assert code == 1
    assert "cannot write" in capsys.readouterr().err


def test_every_preset_explains(capsys):
    from bpsim import io

    for name in io.builtin_scenario_names():
        page = explain(io.load_builtin(name), "html")
        assert "NaN" not in page, name
        assert len(page) < 400_000, name  # a handout, not a book


def _penalized(kind, name="lecture-example", rate=0.01):
    from dataclasses import replace

    from bpsim import io
    from bpsim.notation.handout import training_step

    scenario = io.load_builtin(name)
    scenario.training = replace(scenario.training, regularization=kind,
                                regularization_rate=rate)
    return scenario, training_step(scenario)[1]


def test_the_handout_writes_j_as_data_loss_plus_lambda_r_with_the_engines_numbers():
    from bpsim.notation.numbers import format_number as shown

    def format_number(value):  # as LaTeX writes it: a hyphen for the minus sign
        return shown(value).replace("−", "-")

    scenario, step = _penalized("l2")
    text = explain(scenario, step=step)
    loss = step.loss
    assert "R = ½·Σw²" in text
    assert (f"&= {format_number(loss.data_loss)} + 0.01 \\cdot "
            f"{format_number(loss.penalty)}") in text
    # ∂J/∂w = data part + λ·w = the engine's gradient
    back = step.backward_for(1)
    assert (f"&= {format_number(back.data_grad_weights[0, 0])} + 0.01 \\cdot "
            f"{format_number(float(step.update.weights_before[0][0, 0]))}") in text
    assert f"&= {format_number(back.grad_weights[0, 0])}" in text
    assert "λ \\cdot w" in text
    # the chain rule's sum is checked against the data loss's part: they agree
    assert "(largest difference 0)." in text


def test_the_handout_writes_the_l1_term_and_the_matrix_form_of_big_layers():
    scenario, step = _penalized("l1", "overfit", 0.03)
    text = explain(scenario, step=step)
    assert "R = Σ|w|" in text and "sign" in text
    # a 32×32 layer is written as matrices: ∂J/∂W = Σ δᵀa + λ·sign(W)
    matrices = [line for line in text.splitlines()
                if line.startswith("$$\\frac{\\partial J}{\\partial W^{(")]
    assert len(matrices) == 3
    assert all("+ λ \\cdot \\operatorname{sign}\\left(W^{(" in line for line in matrices), matrices


def test_without_a_penalty_the_handout_has_no_lambda():
    scenario, step = _penalized("none")
    assert "λ" not in explain(scenario, step=step)
