"""The ``share`` function (``schema.FUNCTIONS``): the sharing API under /share/ (see ``api.py``)."""

from functions.share.api import handler

__all__ = ["handler"]
