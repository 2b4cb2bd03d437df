"""The Mahalanobis score in a model's feature space (Lee, Lee, Lee & Shin 2018, "A
simple unified framework for detecting out-of-distribution samples"): each digit a
Gaussian around its mean, all with one shared covariance; an image is as unusual as
its distance to the nearest of them.

Measured beside the verdict's own scores (``bench --explain`` reports every score's
AUROC, drawn digits against drawn non-digits), not used by it: on the generated
drawings it separates worse than the nearest-neighbour distances and the shape
detector (README, "The explain engine and the verdict").
"""
from __future__ import annotations

import numpy as np


def class_gaussians(vectors: np.ndarray, labels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(n, F) features and (n,) labels -> each digit's mean (10, F) and the precision
    (F, F) of their shared covariance (a little ridge: sigmoid units can be constant)."""
    labels = np.asarray(labels)
    means = np.stack([vectors[labels == d].mean(axis=0) if (labels == d).any() else vectors.mean(axis=0)
                      for d in range(10)]).astype(np.float64)
    centred = vectors - means[labels]
    cov = centred.T.astype(np.float64) @ centred / max(1, len(vectors) - 1)
    return means, np.linalg.inv(cov + 1e-3 * np.trace(cov) / len(cov) * np.eye(len(cov)))


def mahalanobis(vectors: np.ndarray, means: np.ndarray, precision: np.ndarray) -> np.ndarray:
    """(n, F) -> (n,) the smallest Mahalanobis distance to any of the (10, F) means."""
    diff = np.asarray(vectors, np.float64)[:, None, :] - means[None]
    return np.sqrt(np.maximum(np.einsum("ncf,fg,ncg->nc", diff, precision, diff).min(axis=1), 0))
