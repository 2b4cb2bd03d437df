"""One unit's weighted sum written out, term by term, for each kind of layer: what a
learner reads in the microscope (``Model.unit_terms``) and ``explain --unit`` prints.

A term is (input_index, weight, input, product), ``input_index`` counted in the previous
layer's activations as ``Model.layer_activations`` gives them, flattened.  The terms
cover every input of the unit, so their products plus the bias are its preactivation.
"""
from __future__ import annotations

from typing import Any

import numpy as np

Term = tuple[int, float, float, float]


def unit_sum(layer: int, index: int, terms: list[Term], bias: float, function: str,
             activation: float) -> dict[str, Any]:
    """The dict ``Model.unit_terms`` returns; the preactivation is the terms' sum plus the bias."""
    return {"layer": layer, "index": index, "terms": terms, "bias": float(bias),
            "preactivation": float(sum(t[3] for t in terms)) + float(bias), "function": function,
            "activation": float(activation)}


def conv_terms(kernel: np.ndarray, prev: np.ndarray, top: int, left: int) -> list[Term]:
    """kernel (k, k, C_in) over the input maps prev (C_in, H, W) at the patch whose corner
    is (top, left) (negative in the padding): the terms of the positions inside the maps."""
    k = kernel.shape[0]
    return [(int(np.ravel_multi_index((c, top + dy, left + dx), prev.shape)), float(kernel[dy, dx, c]),
             float(prev[c, top + dy, left + dx]), float(kernel[dy, dx, c]) * float(prev[c, top + dy, left + dx]))
            for c in range(prev.shape[0]) for dy in range(k) for dx in range(k)
            if 0 <= top + dy < prev.shape[1] and 0 <= left + dx < prev.shape[2]]


def pool_terms(prev: np.ndarray, at: tuple) -> list[Term]:
    """The 2x2 window of the conv maps prev (C, H, W) under pooled unit (c, y, x): weight 1
    on the first maximum (the one ``maxpool_forward`` passes on), 0 on the others."""
    c, y, x = at
    window = [(c, 2 * y + a, 2 * x + b) for a in (0, 1) for b in (0, 1)]
    taken = int(np.argmax([prev[w] for w in window]))
    return [(int(np.ravel_multi_index(w, prev.shape)), float(k == taken), float(prev[w]),
             float(k == taken) * float(prev[w])) for k, w in enumerate(window)]


def dense_terms(weights: np.ndarray, prev: np.ndarray) -> list[Term]:
    """One dense unit's weights (fan_in,) over its input: a vector (fan_in,), or a CNN's
    last pooled maps (C, H, W), which its forward pass flattens in (h, w, c) order: each
    term's input_index is counted in (c, h, w) order, as layer_activations gives them."""
    rows = at = np.arange(len(weights))
    if prev.ndim == 3:
        h, w, c = np.unravel_index(rows, (prev.shape[1], prev.shape[2], prev.shape[0]))
        at = np.ravel_multi_index((c, h, w), prev.shape)
    flat = prev.ravel()
    return sorted((int(at[r]), float(weights[r]), float(flat[at[r]]), float(weights[r]) * float(flat[at[r]]))
                  for r in rows)
