"""Only for ``studio_ui.inside``'s ``from .widgets import plain`` until that import
reads ``from .text import plain`` (inside.py is changed on another branch): the pieces
of page that lived here moved by job to :mod:`.sidebar`, :mod:`.forms`, :mod:`.runs`,
:mod:`.results`, :mod:`.download` and :mod:`.text`.  Delete this file then."""
from .text import plain

__all__ = ["plain"]
