"""Every colour of the window, once, named by what it means.

Plain ``#rrggbb`` strings: Qt style sheets and rich text take them as they are,
``QColor(theme.X)`` and ``pg.mkPen(theme.X)`` turn them into colours.  A view that
needs a colour takes it from here (a test refuses a hex colour anywhere else in
``ui/``); ``resources/style.qss`` cannot import Python and repeats a few of them.

Two names may share one value when they mean different things (the soft yellow of
a highlighted layer and of a tour offer): changing one then does not change the
other by accident.
"""

from __future__ import annotations

# ---------------------------------------------------------------------------------------
# Signs: weights, gradients, δ, classes
# ---------------------------------------------------------------------------------------

# A colour-blind-safe diverging pair (the ends of ColorBrewer's RdBu and PuOr): blue
# and orange differ in hue and in lightness, so they stay apart for every kind of
# colour blindness and in a grey-scale print.
#: a positive value; class 1 in the plots
POSITIVE = "#2166ac"
#: a negative value; class 0 in the plots
NEGATIVE = "#e66101"
#: exactly zero: grey, neither end of the pair
ZERO = "#9a9a9a"
#: the pale tones between the ends (ColorBrewer's second steps)
LIGHT_POSITIVE = "#92c5de"
LIGHT_NEGATIVE = "#fdb863"

#: the decision surface, class 0 → undecided → class 1: the strong ends softened so
#: the samples (drawn in POSITIVE / NEGATIVE) stand out on top of it
SURFACE_NEGATIVE = "#f0a060"
SURFACE_UNDECIDED = "#f7f7f7"
SURFACE_POSITIVE = "#5a8fc4"
#: samples whose targets are not classes: plain grey, no sign claimed
UNCLASSED = "#888888"
#: a neuron map (View ▸ Neuron maps), from a neuron's lowest output to its highest: the
#: decision plot's surface colours
NEURON_MAP_COLOURS = (SURFACE_NEGATIVE, LIGHT_NEGATIVE, SURFACE_UNDECIDED, LIGHT_POSITIVE,
                      SURFACE_POSITIVE)

# ---------------------------------------------------------------------------------------
# Ink and paper
# ---------------------------------------------------------------------------------------

#: text, axes and outlines: near black, softer than pure black on a white screen
INK = "#1a1a1a"
#: secondary text: notes, the steps already done, the plots' timeline cursor
MUTED = "#555555"
TIMELINE_CURSOR = MUTED
#: numbers tagged on the canvas during a phase when they carry no sign colour (z, a
#: zero δ): darker than ZERO, since they are text
VALUE_INK = "#444444"
#: the background of the canvas, the plots and their exported images
PAPER = "#ffffff"

# ---------------------------------------------------------------------------------------
# The network canvas
# ---------------------------------------------------------------------------------------

NEURON_OUTLINE = "#3c3c3c"
NEURON_FILL = PAPER
#: input units: a pale blue-grey, not computed, only given
INPUT_FILL = "#eef2f6"
LABEL_BACKGROUND = "#fdfdfd"
#: the frame of value labels and of the canvas legend
LABEL_BORDER = "#c8c8c8"
# Selection: a warm yellow halo with a dark ring, visible next to blue and orange.
SELECTION = "#ffcc33"
SELECTION_RING = "#111111"
#: the band behind a highlighted layer
LAYER_BAND = "#fff3cf"
#: a thin frame around a legend or a key cap (resources/style.qss: disabled tool text)
FRAME = "#8c959f"
#: a short note on the canvas (not an error), on a pale yellow
NOTICE_BACKGROUND = "#fff8e1"

# ---------------------------------------------------------------------------------------
# Right and wrong
# ---------------------------------------------------------------------------------------

# Green ✓ and red ✗ are hard to tell apart with red-green colour blindness: the marks
# carry the meaning, the colour only repeats it.
#: ✓: backprop agrees with the engine or the central difference; a tour step done
AGREES = "#1b7837"
#: ✗ and refused input: a mismatch, a field's reason for refusing a value, the
#: in-place editor's invalid border
ERROR = "#b2182b"
#: behind refused text in the in-place editor and in a canvas refusal notice
ERROR_BACKGROUND = "#fdecea"

# The divergence banner: the training blew up (a loss of inf or nan).
#: the alarm's mark drawn on the canvas, the banner's border
DIVERGENCE = ERROR
DIVERGENCE_BACKGROUND = "#fbe3e4"
#: a dark red: readable on the pale red background
DIVERGENCE_TEXT = "#7a0c12"
#: the banner when all is well: a quiet grey-blue strip
BANNER_BACKGROUND = "#f4f6f9"
BANNER_BORDER = "#c8cdd4"

#: the loss tag of the loss phase: the same dark red, it is the number that can blow up
LOSS_INK = DIVERGENCE_TEXT

# ---------------------------------------------------------------------------------------
# Gradient check: relative error |backprop − central difference| / (|backprop| + |…|)
# ---------------------------------------------------------------------------------------

# The error classes on the canvas: blue = agrees, orange = wrong (the sign pair's two
# ends, colour-blind safe), the pale tones between.
GRADCHECK_AGREES = POSITIVE          # ≤ 1e−9
GRADCHECK_CLOSE = LIGHT_POSITIVE     # ≤ 1e−7
GRADCHECK_LOOSE = LIGHT_NEGATIVE     # ≤ 1e−5, the tolerance
GRADCHECK_WRONG = NEGATIVE           # above the tolerance
#: a parameter at a ReLU kink, left out of the check: neutral grey
GRADCHECK_KINK = ZERO
#: the table: rows above the tolerance (a pale orange, the "wrong" end's tint)
GRADCHECK_FAILED_ROW = "#fdd0a2"
#: the table: text of the rows at a kink (darker than GRADCHECK_KINK: it is text)
GRADCHECK_KINK_TEXT = "#666666"
#: the verdict "✗ above the tolerance": PuOr's dark orange, the wrong end's hue dark
#: enough for text
GRADCHECK_FAILED_TEXT = "#b35806"

# ---------------------------------------------------------------------------------------
# Plots
# ---------------------------------------------------------------------------------------

#: the frame of a plot legend
PLOT_LEGEND_BORDER = "#999999"

#: Compare's variants, Okabe-Ito: told apart with every kind of colour blindness
VARIANTS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00",
            "#000000", "#F0E442")

# ---------------------------------------------------------------------------------------
# The tours dock
# ---------------------------------------------------------------------------------------

#: the step now: the sign pair's blue
TOUR_NOW = POSITIVE
#: a step done: the ✓ green
TOUR_DONE = AGREES
#: a step still to come (a hollow dot)
TOUR_AHEAD = "#b0b7bf"
#: the offer of a tour: the soft yellow of a hint, with a darker gold frame
TOUR_OFFER_BACKGROUND = "#fff3cf"
TOUR_OFFER_BORDER = "#e0b84a"
#: behind the step now
TOUR_STEP_BACKGROUND = "#f4f8fc"
#: a key cap in tour text (`Space`)
KEY_CAP_BACKGROUND = INPUT_FILL
KEY_CAP_BORDER = FRAME

# ---------------------------------------------------------------------------------------
# The window's own palette (ui/app.py): bpsim draws on white paper, so the widgets
# around the canvas are light too, whatever the system's colour scheme; a dark system
# palette would put its light text on the style sheet's light toolbars and status bar
# ---------------------------------------------------------------------------------------

#: windows, docks, toolbars and buttons
WINDOW = "#f3f4f6"
#: fields, tables, lists: the paper
FIELD = PAPER
#: every row's second shade in tables
ALTERNATE_ROW = "#f6f8fa"
BUTTON = "#f8f9fa"
#: a selected row or item, and its text (white on it: 5.9:1)
HIGHLIGHT = POSITIVE
HIGHLIGHTED_TEXT = PAPER
#: links in help texts and tours
LINK = POSITIVE
TOOLTIP_BACKGROUND = "#ffffe1"
#: placeholder text in empty fields (4.6:1 on white)
PLACEHOLDER = "#767676"
#: disabled text and icons (3.4:1 on the window: readable, visibly off)
DISABLED = "#8c959f"
#: the bevels of buttons and frames, light to dark
BEVEL_LIGHT = PAPER
BEVEL_MIDLIGHT = "#e4e7eb"
BEVEL_MID = "#b8bec6"
BEVEL_DARK = "#8c959f"
BEVEL_SHADOW = "#5a6069"

# ---------------------------------------------------------------------------------------
# Presentation mode: a projector washes colours out
# ---------------------------------------------------------------------------------------

# Black on white and a dark blue selection: text at a contrast of 7:1 and more (WCAG
# AAA; white on the selection 10:1), which survives a dim projector in a lit room.
HIGH_CONTRAST_PAPER = "#ffffff"
HIGH_CONTRAST_INK = "#000000"
#: alternate rows and the light bevel: barely off white
HIGH_CONTRAST_ALTERNATE = "#f0f0f0"
HIGH_CONTRAST_MIDLIGHT = "#e0e0e0"
#: placeholder text and mid-tone frames: dark enough to read at the back
HIGH_CONTRAST_SOFT_INK = "#333333"
HIGH_CONTRAST_SELECTION = "#0b3d91"
#: disabled controls stay readable on a projector, just lighter (5:1 on white)
HIGH_CONTRAST_DISABLED = "#6e6e6e"
