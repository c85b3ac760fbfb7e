"""The window's dialogs: the gradient check and the Compare lab."""
