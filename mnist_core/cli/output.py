"""What the commands print: a progress bar for training, and JSON lines."""
from __future__ import annotations

import json
import sys
from typing import Any

import numpy as np


class ProgressPrinter:
    """Training callback: a one-line progress bar on stderr (on a terminal), a line per epoch."""

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


def emit_json(obj: dict[str, Any]) -> None:
    """One JSON object on one line of stdout (numpy scalars as numbers)."""
    print(json.dumps(obj, default=lambda o: o.item() if isinstance(o, np.generic) else str(o)))
