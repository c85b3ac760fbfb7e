"""The maths written once: how numbers, indices and formulas are shown.

- :mod:`.numbers`: the one number formatter and parser (significant digits set once);
- :mod:`.scripts`: superscripts and subscripts.
"""
