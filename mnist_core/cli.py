"""``python -m mnist_core``: everything the app does, scriptable and benchmarkable.

Commands: info, download, train, evaluate, predict, bench.  Errors the user can fix
(bad arguments, missing or corrupted files) end with one line on stderr and exit
status 1 (2 for unusable arguments), never a traceback.  With ``--json`` the last
line of stdout is one JSON object (one per image for ``predict``).
"""
from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from typing import Any, Sequence

import numpy as np

from . import __version__
from .errors import InvalidParameter, MnistError

HIDDEN_FIELDS = {"n_inputs", "n_outputs", "image_shape", "pixel_scale"}


class ProgressPrinter:
    """Training callback: a one-line progress bar on stderr, a line per epoch."""

    def __init__(self, stream=sys.stderr) -> None:
        self.stream, self.tty = stream, stream.isatty()

    def on_batch_end(self, samples_seen: int, logs: dict[str, float]) -> None:
        if not self.tty:
            return
        total = logs.get("total_samples", samples_seen) or 1
        done = int(30 * samples_seen / total)
        rate = samples_seen / max(logs["seconds"], 1e-9)
        self.stream.write(f"\r[{'#' * done}{'.' * (30 - done)}] {samples_seen:,}/{total:,} "
                          f"{rate:,.0f}/s loss {logs['loss']:.4f} acc {logs['accuracy']:.3f}")
        self.stream.flush()

    def on_epoch_end(self, epoch: int, logs: dict[str, float]) -> None:
        self.stream.write(("\r" if self.tty else "") + f"epoch {epoch}: loss {logs['loss']:.4f}, "
                          f"train {logs['train_accuracy']:.4f}, test {logs['test_accuracy']:.4f}, "
                          f"{logs['seconds']:.1f} s{' ' * 30}\n")
        self.stream.flush()


def _parse_value(kind: str, field: dataclasses.Field, text: str) -> Any:
    """Turn a flag's text into the type of the field's default."""
    default = field.default
    try:
        if isinstance(default, bool):
            if text.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError
            return text.lower() in {"1", "true", "yes"}
        if isinstance(default, tuple):
            return tuple(int(v) for v in text.split(",") if v.strip())
        if isinstance(default, (int, float, str)):
            return type(default)(text)
    except ValueError:
        raise InvalidParameter(f"--{field.name.replace('_', '-')} for {kind}: {text!r} is not a valid value.") from None
    return text


def _all_fields() -> dict[str, dataclasses.Field]:
    from .models import MODELS

    fields: dict[str, dataclasses.Field] = {}
    for cls in MODELS.values():
        for f in dataclasses.fields(cls.Config):
            if f.name not in HIDDEN_FIELDS:
                fields.setdefault(f.name, f)
    return fields


def build_parser() -> argparse.ArgumentParser:
    from .models import MODELS

    p = argparse.ArgumentParser(prog="python -m mnist_core", description="MNIST studio's engine.")
    p.add_argument("--version", action="version", version=f"mnist_core {__version__}")
    sub = p.add_subparsers(dest="command", required=True)

    def data_dir(sp: argparse.ArgumentParser) -> None:
        sp.add_argument("--data-dir", help="folder with the MNIST IDX files (default: $MNIST_DATA_DIR, then the cache)")

    sp = sub.add_parser("info", help="where the datasets are and their label counts")
    data_dir(sp)
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("download", help="fetch and verify MNIST")
    sp.add_argument("--data-dir", help="where to put the files (default: the user cache)")
    sp = sub.add_parser("train", help="train a model")
    data_dir(sp)
    sp.add_argument("--dataset", choices=["mnist", "digits"], default="mnist")
    sp.add_argument("--model", choices=list(MODELS), default="classic")
    sp.add_argument("--epochs", type=int)
    sp.add_argument("--batch-size", type=int)
    sp.add_argument("--seed", type=int, default=0)
    sp.add_argument("--no-shuffle", action="store_true", help="keep the file order, as the tutorial did")
    sp.add_argument("--augment", action="store_true", help="random shifts, rotations, scaling per epoch")
    for name, f in _all_fields().items():
        help_text = getattr(_owner(name), "HELP", {}).get(name, "")
        sp.add_argument(f"--{name.replace('_', '-')}", dest=f"hp_{name}", metavar=name.upper(), help=help_text)
    sp.add_argument("--out", help="save the trained model to this .npz file")
    sp.add_argument("--store", action="store_true", help="also save it in the app's model store")
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("evaluate", help="accuracy, per-label table, confusion matrix")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    data_dir(sp)
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("predict", help="recognise digits in image files")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    sp.add_argument("images", nargs="+", metavar="IMAGE")
    sp.add_argument("--json", action="store_true")
    sp = sub.add_parser("bench", help="speed and accuracy against the tutorial")
    data_dir(sp)
    sp.add_argument("--model", choices=list(MODELS), default="classic")
    sp.add_argument("--augment", action="store_true", help="train on augmented images (compare the hand-drawn accuracy)")
    sp.add_argument("--tutorial-samples", type=int, default=3000, help="samples to time the tutorial's path on")
    sp.add_argument("--json", action="store_true")
    return p


def _owner(field_name: str) -> type:
    from .models import MODELS

    for cls in MODELS.values():
        if field_name in {f.name for f in dataclasses.fields(cls.Config)}:
            return cls.Config
    return object


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    from . import commands

    try:
        return getattr(commands, f"cmd_{args.command}")(args, parser)
    except MnistError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
        return 0
    except KeyboardInterrupt:
        print("error: interrupted.", file=sys.stderr)
        return 130


def emit_json(obj: dict[str, Any]) -> None:
    print(json.dumps(obj, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
