"""The verdict judged on drawings from seeds nothing was tuned on (issue 20).

    python tools/verdict_heldout.py [--model classic] [--handdrawn 5150] [--nondigits 5151] [--json]

Trains KIND with its recommended settings (as ``bench`` does), builds its judge (the
dataset's DigitSpace from the data cache) and judges ``handdrawn_set(per_digit=30)``
and ``nondigit_set(per_kind=25)`` of the given seeds: the shares rejected, by kind,
the hand-drawn digits read right, and each score's AUROC (drawn digits against the
non-trivial non-digits).  ``bench --explain`` measures the development seeds (2026,
2027); the shape detector learnt from seed 1.  Needs MNIST (``MNIST_DATA_DIR``).
"""
from __future__ import annotations

import argparse
import json

import numpy as np

from mnist_core.analysis.benchmarks import REJECTED, _aurocs, _verdict_on_canvas
from mnist_core.data.datasets import load_mnist
from mnist_core.data.handdrawn import handdrawn_set
from mnist_core.data.nondigits import KINDS, TRIVIAL_KINDS, nondigit_set
from mnist_core.explain.verdict import build_judge, digit_space
from mnist_core.models import recommended_training
from mnist_core.training.pipeline import train_model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="classic")
    parser.add_argument("--handdrawn", type=int, default=5150)
    parser.add_argument("--nondigits", type=int, default=5151)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    data = load_mnist()
    model = train_model(args.model, data, config=recommended_training(args.model)).model
    judge = build_judge(model, data, digit_space(data))
    digit_scores: list[dict] = []
    shape_scores: list[dict] = []
    drawings, labels = handdrawn_set(per_digit=30, seed=args.handdrawn)
    drawn = [_verdict_on_canvas(model, judge, d, digit_scores) for d in drawings]
    shapes, kinds = nondigit_set(per_kind=25, seed=args.nondigits)
    verdicts = [_verdict_on_canvas(model, judge, s, None if k in TRIVIAL_KINDS else shape_scores)[0]
                for s, k in zip(shapes, kinds)]
    rejected, kinds_arr = np.isin(verdicts, REJECTED), np.asarray(kinds)
    result = {
        "model": args.model, "seeds": {"handdrawn": args.handdrawn, "nondigits": args.nondigits},
        "handdrawn_rejected": round(float(np.isin([v for v, _ in drawn], REJECTED).mean()), 4),
        "handdrawn_right": round(float(np.mean([v in ("digit", "unsure") and d == int(y)
                                                for (v, d), y in zip(drawn, labels)])), 4),
        "nondigit_rejected": round(float(rejected.mean()), 4),
        "nondigit_rejected_by_kind": {k: round(float(rejected[kinds_arr == k].mean()), 4) for k in KINDS},
        "auroc_handdrawn": _aurocs(digit_scores, shape_scores),
    }
    if args.json:
        print(json.dumps(result))
    else:
        for key, value in result.items():
            print(f"{key:>26}: {value}")


if __name__ == "__main__":
    main()
