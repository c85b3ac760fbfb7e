"""What the window shows of held-out test data and of a weight penalty: the status
bar's training and test loss, and the Math dock's "+ λ·w" for a selected weight."""

from __future__ import annotations

from dataclasses import replace

from bpsim import io
from bpsim.notation.numbers import format_number
from bpsim.ui import commands


def test_the_status_bar_gives_the_training_and_the_test_loss(window):
    session = window.session
    session.replace_scenario(io.load_builtin("overfit"))
    commands.train(session, 300)
    # the engine's data loss on each set, with the weights as they are now
    check = io.load_builtin("overfit")
    trainer = check.trainer()
    trainer.network.set_parameters(session.network.weights, session.network.biases)
    train = trainer.train_indices
    train_loss = trainer.network.loss(trainer.x[train], trainer.y[train], check.training.loss)
    test_loss = trainer.test_loss()
    text = window.loss_label.text()
    assert (f"train {format_number(train_loss)} · test {format_number(test_loss)}"
            in text), text
    # 300 steps on ten noisy samples: the net fits them better than the held-out ones
    assert test_loss > train_loss


def test_without_test_data_the_status_bar_speaks_of_all_samples(window):
    session = window.session
    session.replace_scenario(io.load_builtin("sine"))
    text = window.loss_label.text()
    assert f"all {len(session.dataset)} samples = " in text and "test" not in text


def test_the_math_dock_writes_the_penalty_term_of_a_selected_weight(window):
    session = window.session
    scenario = io.load_builtin("lecture-example")
    scenario.training = replace(scenario.training, regularization="l2",
                                regularization_rate=0.01)
    session.replace_scenario(scenario)
    window.canvas.select(("weight", 1, 0, 0))
    record = commands.train(session, 1)[-1]
    text = window.math_dock.text()
    # ∂J/∂w = δ·a + λ·w with the engine's numbers: λ = 0.01, w = 0.1 before the update
    gradient = record.backward_for(1).grad_weights[0, 0]
    assert "λ · w" in text and "0.01 · 0.1" in text, text
    assert format_number(gradient) in text
    # the chain rule through the network adds up the data loss's part, and says so
    data_part = record.backward_for(1).data_grad_weights[0, 0]
    assert f"✓ engine: {format_number(data_part)}" in text and "✗" not in text, text
