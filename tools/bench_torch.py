"""The same network and recipe as ``python -m mnist_core bench --model KIND``, in PyTorch,
for the README's comparison row.  torch is not a dependency: without it this says so
and exits 0.

    MNIST_DATA_DIR=... python tools/bench_torch.py [--model cnn|mlp] [--threads 2] [--seed 0] [--json]

The work is the studio's default for the kind (``Model.training`` and the config's
defaults, read from mnist_core so the two cannot drift): the CNN's conv 5x5 16 ->
pool -> ReLU -> conv 5x5 32 -> pool -> ReLU -> dense 128 -> 10 ('valid' convolutions,
channels-last input reshaped to NCHW once), or the MLP's 384-128; He-normal weights
and zero biases as ours; Adam with the kind's learning rate, cosine-decayed per epoch
as :func:`mnist_core.models.optim.scheduled_lr` does; the same batch size, epochs,
float32 and the same shuffled order (numpy, from the seed).  Training time is the loop
alone (the test evaluation after it is not counted); peak memory is the process's
high-water mark, like ``bench``'s.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from mnist_core.data.datasets import load_mnist  # noqa: E402
from mnist_core.models import model_class, recommended_training  # noqa: E402
from mnist_core.models.optim import scheduled_lr  # noqa: E402
from mnist_core.training.pipeline import peak_rss_mib  # noqa: E402


def build(torch, kind: str, config):
    """The kind's default network as a torch Sequential, initialised as ours."""
    nn = torch.nn
    if kind == "cnn":
        k, layers, c_in, side = config.kernel_size, [], 1, 28
        for c_out in config.channels:
            layers += [nn.Conv2d(c_in, c_out, k), nn.MaxPool2d(2), nn.ReLU()]
            c_in, side = c_out, (side - k + 1) // 2
        layers += [nn.Flatten(), nn.Linear(c_in * side * side, config.hidden), nn.ReLU(),
                   nn.Linear(config.hidden, config.n_outputs)]
    else:
        sizes, layers = (784, *config.hidden), []
        for n_in, n_out in zip(sizes[:-1], sizes[1:]):
            layers += [nn.Linear(n_in, n_out), nn.ReLU()]
        layers.append(nn.Linear(sizes[-1], config.n_outputs))
    net = nn.Sequential(*layers)
    weighted = [m for m in net if isinstance(m, (nn.Conv2d, nn.Linear))]
    for i, m in enumerate(weighted):
        nn.init.kaiming_normal_(m.weight, nonlinearity="relu" if i < len(weighted) - 1 else "linear")
        nn.init.zeros_(m.bias)
    return net


def bench(kind: str, threads: int, seed: int) -> dict:
    import numpy as np
    import torch

    torch.set_num_threads(threads)
    torch.manual_seed(seed)
    config, training = model_class(kind).Config(), recommended_training(kind)
    data = load_mnist()
    shape = (-1, 1, 28, 28) if kind == "cnn" else (-1, 784)
    x_train = torch.from_numpy(data.floats(data.x_train)).reshape(shape)
    y_train = torch.from_numpy(data.y_train.astype(np.int64))
    x_test = torch.from_numpy(data.floats(data.x_test)).reshape(shape)
    net = build(torch, kind, config)
    opt = torch.optim.Adam(net.parameters(), lr=config.lr)
    loss_fn = torch.nn.CrossEntropyLoss()
    rng = np.random.default_rng(seed)
    seconds = 0.0
    for epoch in range(1, training.epochs + 1):
        for group in opt.param_groups:
            group["lr"] = scheduled_lr(config.lr, config.lr_schedule, epoch, training.epochs)
        order = torch.from_numpy(rng.permutation(len(y_train)))
        net.train()
        start = time.perf_counter()
        for s in range(0, len(order), training.batch_size):
            idx = order[s:s + training.batch_size]
            opt.zero_grad(set_to_none=True)
            loss_fn(net(x_train[idx]), y_train[idx]).backward()
            opt.step()
        seconds += time.perf_counter() - start
    net.eval()
    with torch.no_grad():
        pred = torch.cat([net(x_test[s:s + 1000]).argmax(1) for s in range(0, len(x_test), 1000)]).numpy()
    return {"model": kind, "framework": f"torch {torch.__version__}", "threads": threads, "seed": seed,
            "test_accuracy": float((pred == data.y_test).mean()), "train_seconds": round(seconds, 2),
            "peak_rss_mib": round(peak_rss_mib(), 1), "epochs": training.epochs, "batch_size": training.batch_size}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--model", choices=("cnn", "mlp"), default="cnn")
    parser.add_argument("--threads", type=int, default=2, help="torch intra-op threads (default 2)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args()
    try:
        import torch  # noqa: F401
    except ImportError:
        print("torch is not installed: skipped (pip install torch to compare).")
        return 0
    result = bench(args.model, args.threads, args.seed)
    if args.json:
        print(json.dumps(result))
    else:
        print(f"{result['framework']} {args.model}, {args.threads} threads: {result['test_accuracy']:.2%} test, "
              f"{result['train_seconds']:.1f} s training, peak {result['peak_rss_mib']:.0f} MiB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
