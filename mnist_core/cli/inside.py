"""The commands that look inside a model: ``explain`` (every layer's activations for an
image, and one unit's weighted sum written out) and ``map`` (where the model puts every
digit, and an image among them).  Like :mod:`.commands`: parse nothing, print results."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from ..data import load_image, prepare
from ..errors import InvalidParameter
from ..explain import units
from ..explain.digitmap import K, digit_map
from ..i18n import translate
from ..storage import load_model
from .commands import _dataset_for
from .output import emit_json


def cmd_map(args: argparse.Namespace) -> int:
    """The model's map of the digits (built once, then read from the cache), the test
    images placed on it, and with ``--image`` where that image lands."""
    model, meta = load_model(args.model)
    dataset = _dataset_for({"dataset": meta.get("dataset") or ("digits" if model.image_shape == (8, 8) else "mnist")},
                           args.data_dir)
    image_xy = None
    if args.image:  # read before the long build: a bad file fails at once
        seen = prepare(load_image(Path(args.image)), model.image_shape)

    def progress(share: float, stage: str) -> None:
        if sys.stderr.isatty():
            sys.stderr.write(f"\rbuilding the map: {stage} {share:.0%}   ")
            sys.stderr.flush()

    the_map, cached = digit_map(model, dataset, progress=progress)
    if args.image:
        image_xy = the_map.place_images(model, seen[None])[0]
    own = the_map.lands_among_own(the_map.test_xy, the_map.test_labels)
    method = translate(the_map.method, "en", n=len(the_map.train_index), k=K)
    if not args.json:
        print(f"{method}\n{len(the_map.train_index):,} training images, {len(the_map.test_index):,} test images "
              f"placed ({'from the cache' if cached else 'built now'}); {own:.1%} of the test images land among "
              "their own digit (the majority of their 10 nearest training points)")
        if image_xy is not None:
            print(f"{args.image}: x {image_xy[0]:.2f}, y {image_xy[1]:.2f}")
        return 0
    points = [{"index": int(i), "split": "train", "label": int(y), "x": round(float(p[0]), 4), "y": round(float(p[1]), 4)}
              for i, y, p in zip(the_map.train_index, the_map.train_labels, the_map.train_xy)]
    points += [{"index": int(i), "split": "test", "label": int(y), "predicted": int(q),
                "x": round(float(p[0]), 4), "y": round(float(p[1]), 4)}
               for i, y, q, p in zip(the_map.test_index, the_map.test_labels, the_map.test_pred, the_map.test_xy)]
    out = {"method": method, "cached": cached, "test_among_own": round(own, 4), "points": points}
    if image_xy is not None:
        out["image"] = {"x": round(float(image_xy[0]), 4), "y": round(float(image_xy[1]), 4)}
    emit_json(out)
    return 0


def _unit(text: str) -> tuple[int, int]:
    """``L:J`` -> (layer, unit); layer 0 is the input."""
    try:
        layer, index = (int(part) for part in text.split(":"))
    except ValueError:
        raise InvalidParameter("--unit takes LAYER:UNIT, two whole numbers such as 1:42 (got {text!r}).",
                               text=text[:40]) from None
    return layer, index


def cmd_explain(args: argparse.Namespace) -> int:
    """The image as the network sees it, each layer's activations to the outputs, and with
    ``--unit L:J`` that unit's weighted sum term by term (every input of the unit)."""
    unit = _unit(args.unit) if args.unit else None
    model, _ = load_model(args.model)
    seen = prepare(load_image(Path(args.image)), model.image_shape)
    layers = units.layers(model, seen)
    proba = model.predict_proba(seen[None])[0]
    terms = units.unit(model, seen, *unit) if unit else None
    if not args.json:
        print(f"{args.image}: {int(proba.argmax())} ({float(proba.max()):.1%})")
        for layer in layers:
            flat = np.asarray(layer["activations"])
            print(f"  {layer['name']:<10} {flat.size:>6} values, mean {flat.mean():.3f}, max {flat.max():.3f}")
        if terms:
            top = sorted(terms["terms"], key=lambda t: -abs(t[3]))[:10]
            print(f"unit {terms['layer']}:{terms['index']} = {terms['function']}("
                  + " + ".join(f"{w:.3f}*{x:.3f}" for _, w, x, _ in top)
                  + f" + ... + bias {terms['bias']:.3f}) = {terms['function']}({terms['preactivation']:.3f})"
                  f" = {terms['activation']:.4f}")
        return 0
    out = {"file": args.image, "digit": int(proba.argmax()),
           "probabilities": [round(float(v), 6) for v in proba], "layers": layers}
    if terms:
        out["unit"] = terms
    emit_json(out)
    return 0
