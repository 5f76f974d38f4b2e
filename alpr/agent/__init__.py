"""The edge agent (``alpr agent``): turns a camera's video into frame uploads that survive network loss.

It needs only OpenCV (headless), NumPy and requests (``pip install --no-deps alpr-platform`` plus
``opencv-python-headless numpy requests``; the plate gate also needs onnxruntime); it imports nothing else
from the platform, and no Pillow (EXIF is parsed here), which ``tests/agent/test_parts.py`` checks in a fresh
interpreter.
"""

AGENT_VERSION = "0.1.0"
