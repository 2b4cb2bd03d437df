"""``python -m mnist_core``: everything the app does, scriptable and benchmarkable.

Commands: info, download, train, evaluate, predict, bench, workspaces.  Errors the user can fix
(bad arguments, missing or corrupted files) end with one line on stderr and exit
status 1 (2 for unusable arguments), never a traceback.  With ``--json`` the last
line of stdout is one JSON object (one per image for ``predict``).

The modules import in one direction: this ``main`` -> :mod:`.parser` (the flags) ->
:mod:`.commands` (one function per command) -> :mod:`.output`.
"""
from __future__ import annotations

import sys
from typing import Sequence

from .. import settings
from ..errors import MnistError, sentence
from .parser import build_parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130
    except Exception as err:  # noqa: BLE001 -- a sentence, never a traceback
        if settings.debug() and not isinstance(err, MnistError):
            raise
        print(f"error: {sentence(err)}", file=sys.stderr)
        return 1


__all__ = ["main", "build_parser"]
