"""The first tutorial's code path, kept verbatim as the yardstick.

This is "Make Your Own Neural Network"'s ``neuralNetwork.train`` as the tutorial runs
it: one sample at a time, float64 column vectors, inputs ``record[1:] / 255.0 * 0.99 +
0.01`` from an int64 row.  The benchmark times it on a slice of MNIST and extrapolates
to the full 5 epochs, so the speed-up of :mod:`mnist_core.models.classic` is measured
in the same run on the same machine, never quoted from memory.
"""
from __future__ import annotations

import time

import numpy as np
import scipy.special


class TutorialNetwork:
    """The tutorial's class, unchanged but for names (``wih``/``who``, shape (out, in))."""

    def __init__(self, inputnodes: int, hiddennodes: int, outputnodes: int, learningrate: float,
                 rng: np.random.Generator | None = None) -> None:
        rng = rng or np.random.default_rng(0)
        self.inodes, self.hnodes, self.onodes, self.lr = inputnodes, hiddennodes, outputnodes, learningrate
        self.wih = rng.normal(0.0, pow(self.inodes, -0.5), (self.hnodes, self.inodes))
        self.who = rng.normal(0.0, pow(self.hnodes, -0.5), (self.onodes, self.hnodes))
        self.activation_function = lambda x: scipy.special.expit(x)

    def train(self, inputs_list: np.ndarray, targets_list: np.ndarray) -> None:
        inputs = np.array(inputs_list, ndmin=2).T
        targets = np.array(targets_list, ndmin=2).T
        hidden_inputs = np.dot(self.wih, inputs)
        hidden_outputs = self.activation_function(hidden_inputs)
        final_inputs = np.dot(self.who, hidden_outputs)
        final_outputs = self.activation_function(final_inputs)
        output_errors = targets - final_outputs
        hidden_errors = np.dot(self.who.T, output_errors)
        self.who += self.lr * np.dot((output_errors * final_outputs * (1.0 - final_outputs)), np.transpose(hidden_outputs))
        self.wih += self.lr * np.dot((hidden_errors * hidden_outputs * (1.0 - hidden_outputs)), np.transpose(inputs))

    def query(self, inputs_list: np.ndarray) -> np.ndarray:
        inputs = np.array(inputs_list, ndmin=2).T
        hidden_outputs = self.activation_function(np.dot(self.wih, inputs))
        return self.activation_function(np.dot(self.who, hidden_outputs))


def train_epoch(net: TutorialNetwork, records: np.ndarray) -> None:
    """The tutorial's inner loop over int64 rows ``[label, 784 pixels]``."""
    for record in records:
        inputs = record[1:] / 255.0 * 0.99 + 0.01
        targets = np.zeros(net.onodes) + 0.01
        targets[int(record[0])] = 0.99
        net.train(inputs, targets)


def seconds_per_sample(images: np.ndarray, labels: np.ndarray, hidden: int = 200, lr: float = 0.1) -> float:
    """Time the tutorial's per-sample training on these images (n, 28, 28) uint8."""
    records = np.column_stack([labels.astype(np.int64), images.reshape(len(images), -1).astype(np.int64)])
    net = TutorialNetwork(records.shape[1] - 1, hidden, 10, lr)
    start = time.perf_counter()
    train_epoch(net, records)
    return (time.perf_counter() - start) / len(records)
