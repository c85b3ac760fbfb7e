"""The network canvas: ``NetworkCanvas(session)``, a QGraphicsView of the network.

Default behaviour (automatic, from the session's signals): edges show the current
weights (blue = positive, orange = negative, thickness ∝ |w|), neurons show the
forward pass of the current sample (inputs x in the input layer, ŷ and the target y
beside the outputs), a "b = …" label under each non-input neuron shows its bias.
Items are built on ``structure_changed`` only; ``parameters_changed``,
``sample_changed`` and ``data_changed`` restyle them (texts, colours, widths).

Selection and editing: click an edge / neuron / bias label → ``selection_changed``
with ``None``, ``("weight", l, j, i)``, ``("bias", l, j)`` or ``("neuron", l, j)``
(``W⁽ˡ⁾ = network.weights[l-1]`` connects neuron i of layer l−1 to neuron j of
layer l; the inputs are layer 0); ``select(selection)`` sets it.  Double-click (or
Enter/F2 on the selection) edits in place through undo commands: an edge → its
weight, a bias label or a hidden/output neuron → its bias, an input neuron → x of
the current sample, the "ŷ / y" text → the target y (literal samples only).

View: ``zoom_fit()``, ``zoom_in()``, ``zoom_out()``, wheel zoom, drag to pan,
``set_font_scale(f)``, ``set_show_weights(bool)``, ``export_png(path)``,
``export_svg(path)``.

Hooks for animation (cheap enough to call every frame; none rebuilds items):

``set_edge_values(values_per_layer, mode="weight")``
    Colour/width/labels of the edges from any per-layer arrays shaped like
    ``network.weights`` (e.g. the weights before an update, or ∂J/∂W⁽ˡ⁾ with
    ``mode="gradient"``: sign colour, width ∝ log₁₀|g| over 4 decades below the
    largest).  ``None`` returns to the current weights.
``set_neuron_texts(texts_per_layer)``
    Text inside the neurons, per layer 0..L: ``None`` (automatic) or a sequence of
    numbers (formatted with 4 significant digits) or strings (``""`` blanks a
    neuron, e.g. a layer the forward pass has not reached yet).  ``None`` = all
    automatic.
``set_output_texts(texts)``
    Text beside the output neurons (default ``"ŷ = …\\ny = …"``); ``None``: automatic.
``set_bias_values(values_per_layer)``
    The "b = …" labels from per-layer arrays like ``network.biases`` (e.g. the biases
    a replayed step used); ``None``: the current biases.
``set_edge_label_texts(texts_per_layer)``
    Edge-label texts per layer 1..L: ``None`` (the value shown) or an (n_l, n_{l-1})
    nested sequence of strings (``""`` hides a label, e.g. a gradient not computed
    yet); applied at the next ``set_edge_values``.  ``None``: automatic.
``highlight_layer(l, dim_other_edges=True)``
    A band behind layer l and, for l ≥ 1, W⁽ˡ⁾'s edges in full colour with the
    others dimmed; ``None`` clears.
``clear_overrides()``
    Back to the automatic display.

``show_notice(text, error=False)`` puts a short message on the canvas (refused typed
values appear under the editor this way).

Big networks (more than 200 edges) draw their edges without antialiasing while
values change and smooth again 250 ms after the last change, which keeps animation
fluid; the bias boxes and the neuron circles are drawn by one backdrop item.

Drawings the window adds over the canvas (the selected weight's path, the gradient
check's colours): :mod:`bpsim.ui.canvas.highlights`.

Read-back for tests and other views: ``neuron_text(l, j)``, ``bias_text(l, j)``,
``edge_label_text(l, j, i)``, ``output_text(j)``, ``edge_midpoint(l, j, i)``,
``editor`` (the open in-place QLineEdit or None), ``notice_text``, ``selection``.
"""

from .view import NetworkCanvas

__all__ = ["NetworkCanvas"]
