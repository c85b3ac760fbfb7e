import os

# Tests never need a screen: Qt renders offscreen.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
