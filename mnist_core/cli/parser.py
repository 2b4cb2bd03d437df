"""The command line's flags.  Hyperparameter flags are made from the models' Config
field descriptions (and epochs, batch size and seed from TrainConfig's), so their
help is the same sentence the Train page shows."""
from __future__ import annotations

import argparse

from .. import __version__
from ..config import Spec, TrainConfig, specs
from ..data.datasets import DATASET_NAMES
from ..models import MODELS
from . import commands, inside


def hyperparameter_specs() -> dict[str, dict[str, Spec]]:
    """Flag name -> {model kind: that kind's field}, over every model's chosen fields."""
    table: dict[str, dict[str, Spec]] = {}
    for kind, cls in MODELS.items():
        for spec in specs(cls.Config):
            table.setdefault(spec.name, {})[kind] = spec
    return table


def _flag(name: str) -> str:
    return f"--{name.replace('_', '-')}"


def _help(by_kind: dict[str, Spec]) -> str:
    """The field's help, each different sentence once, with the kinds it applies to."""
    kinds_by_text: dict[str, list[str]] = {}
    for kind, spec in by_kind.items():
        kinds_by_text.setdefault(spec.help, []).append(kind)
    return " / ".join(f"{', '.join(kinds)}: {text}" for text, kinds in kinds_by_text.items())


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m mnist_core", description="MNIST studio's engine.")
    p.add_argument("--version", action="version", version=f"mnist_core {__version__}")
    sub = p.add_subparsers(dest="command", required=True)
    training = {s.name: s for s in specs(TrainConfig)}

    def command(name: str, func, help: str, data_dir: bool = True, json: bool = True) -> argparse.ArgumentParser:
        sp = sub.add_parser(name, help=help)
        sp.set_defaults(func=func)
        if data_dir:
            sp.add_argument("--data-dir", help="folder with the MNIST IDX files "
                                               "(default: $MNIST_DATA_DIR, then the cache)")
        if json:
            sp.add_argument("--json", action="store_true", help="end with one JSON object on stdout")
        return sp

    command("info", commands.cmd_info, "where the datasets are and their label counts")
    command("download", commands.cmd_download, "fetch and verify MNIST into the cache (or --data-dir)", json=False)

    sp = command("train", commands.cmd_train, "train a model")
    sp.add_argument("--dataset", choices=DATASET_NAMES, default="mnist")
    sp.add_argument("--model", choices=list(MODELS), default="classic")
    for name in ("epochs", "batch_size", "seed"):
        sp.add_argument(_flag(name), type=int, help=f"{training[name].help} Default: the model's recommended.")
    sp.add_argument("--no-shuffle", action="store_true", help="keep the file order, as the tutorial did")
    sp.add_argument("--augment", action="store_true", help=training["augment"].help)
    for name, by_kind in hyperparameter_specs().items():
        sp.add_argument(_flag(name), dest=f"hp_{name}", metavar=name.upper(), help=_help(by_kind))
    sp.add_argument("--out", help="save the trained model to this .npz file")
    sp.add_argument("--store", action="store_true", help="also save it in the app's model store")

    sp = command("evaluate", commands.cmd_evaluate, "accuracy, per-label table, confusion matrix")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")

    sp = command("mistakes", commands.cmd_mistakes, "the test images a model gets wrong, one line each "
                 "(index, true, predicted, confidence), most confident first")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    sp.add_argument("--true", type=int, choices=range(10), metavar="T", help="only images whose label is T")
    sp.add_argument("--pred", type=int, choices=range(10), metavar="P", help="only images read as P "
                    "(with --true T equal to P: the images of T read right)")
    sp.add_argument("--min-confidence", type=float, default=0.0, metavar="A")
    sp.add_argument("--max-confidence", type=float, default=1.0, metavar="B")

    sp = command("predict", commands.cmd_predict, "recognise digits in image files, each with a verdict: "
                 "blank, not_a_digit, unsure or digit")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    sp.add_argument("images", nargs="+", metavar="IMAGE")

    sp = command("workspaces", commands.cmd_workspaces, "every workspace of this studio home by display name, "
                 "with the key that opens it (for whoever runs the server: a pupil who lost their link)",
                 data_dir=False)
    sp.add_argument("--migrate", action="store_true", help="first give every workspace of before keys (a folder "
                    "named by its name) a key of its own; its old name stops opening it")

    sp = command("bench", commands.cmd_bench, "speed and accuracy against the tutorial")
    sp.add_argument("--model", choices=list(MODELS), default="classic")
    sp.add_argument("--augment", action="store_true", help="train on augmented images (compare the hand-drawn accuracy)")
    sp.add_argument("--tutorial-samples", type=int, default=3000, help="samples to time the tutorial's path on")
    sp.add_argument("--explain", action="store_true", help="instead: time the explain engine (nearest "
                    "neighbours, a prediction with its verdict, saliency, occlusion) and measure the verdicts "
                    "on MNIST, MNIST on the canvas, hand-drawn digits and non-digits, against the targets")

    sp = command("explain", inside.cmd_explain, "an image through the network: every layer's activations "
                 "(the input as the network sees it, each hidden layer, the outputs), and one unit's sum",
                 data_dir=False)
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    sp.add_argument("--unit", metavar="L:J", help="also write out unit J of layer L (0 is the input): every "
                    "weight x input term, the bias, the sum and the activation")
    sp.add_argument("image", metavar="IMAGE")

    sp = command("map", inside.cmd_map, "a 2-D map of the training images in the model's own feature space "
                 "(t-SNE, built once and cached), test images placed on it, and where IMAGE lands")
    sp.add_argument("--model", required=True, help="a saved model (.npz)")
    sp.add_argument("--image", metavar="IMAGE", help="an image file to place on the map")
    return p
