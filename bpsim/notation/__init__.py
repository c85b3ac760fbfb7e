"""The maths written once: how numbers, indices and formulas are shown.

- :mod:`.numbers`: the one number formatter and parser (significant digits set once);
- :mod:`.scripts`: superscripts and subscripts;
- :mod:`.expr`: formulas as small expression trees (Sym, Num, Row, Frac, …);
- :mod:`.render`: each tree as plain text, LaTeX, Qt rich text or MathML;
- :mod:`.symbols`: how the lecture names a network's quantities (W⁽ˡ⁾ᵢⱼ, δ, ŷ, …);
- :mod:`.chain_rule`: a parameter's gradient in the δ form and as a sum over paths;
- :mod:`.formulas`: a neuron's forward computation and the loss, with numbers;
- :mod:`.update`: the gradient-descent update, with numbers;
- :mod:`.handout`: the worked example of one training step, as Markdown or HTML.

Activations and losses write their own symbols and formulas
(:mod:`bpsim.activations`, :mod:`bpsim.losses`).
"""
