"""Playing a training step: the animator (which record is shown, and t from 0 to 1),
the drawing of a phase on the canvas, the transport bar and the history timeline.
Presentation only: nothing here changes a weight."""
