"""What every model offers, so training, evaluation, persistence, CLI and app treat
them alike.

A model is built from a frozen dataclass of hyperparameters (its ``config``, a
:class:`mnist_core.config.Params`), takes images as float32 in [0, 1] of shape
(n, h, w) or (n, h*w) and does its own scaling.  Iterative models learn one
mini-batch at a time through :meth:`Model.train_batch`; the loop in
:mod:`mnist_core.training` shuffles, reports and stops them.  A model whose solver
runs in one go (scikit-learn's) sets ``iterative = False`` and implements
:meth:`Model.fit_all` instead.

Everything a caller may ask of any model has a default here -- the epoch hook, the
BLAS thread count, notes, the description -- so nobody probes with ``hasattr``.

**What explanations ask of a model.**  Each kind answers for itself, beside its own
forward and backward passes, so nothing outside :mod:`mnist_core.models` switches on
``kind`` and a new kind is its module plus one registry line.  ``images`` below are
(n, h, w) or (n, h*w) floats in [0, 1]; ``x`` the same, checked by :meth:`Model.inputs`.

* :meth:`inputs`, :meth:`features` (n, F) with :attr:`feature_space`, :meth:`logits`
  (n, 10) and :meth:`squash` (logits -> predict_proba's scores);
* :meth:`input_gradient` (n, n_inputs): the training backward pass one step further;
* :meth:`layer_names` and :meth:`layer_activations`: from the input the network sees to
  its outputs; :meth:`unit_terms`: one unit's weighted sum written out;
* :meth:`first_layer_images`, :meth:`unit_drive`, :meth:`unit_activity`,
  :meth:`feature_maps`: what the first layer looks for and does with one image;
* :meth:`imagine_digits` with :attr:`imagine_method` and :attr:`imagined_signed`.
"""
from __future__ import annotations

import dataclasses
import math
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from ..config import TrainConfig, param
from ..errors import InvalidParameter
from ..i18n import N_

if TYPE_CHECKING:
    from .part_helpers import PartHelpers

#: One unit's weighted sum (see :meth:`Model.unit_terms`): ``terms`` are
#: (input_index, weight, input, product) over every input of the unit.
UnitTerms = dict[str, Any]


def n_inputs_param(low: int = 1) -> int:
    return param(784, "Input size", "Pixels per image (set from the dataset).", low=low, high=1_000_000, derived=True)


def n_outputs_param() -> int:
    return param(10, "Outputs", "One output per digit.", low=2, high=10, derived=True)


class Model:
    """Base class: subclasses set the class attributes and the methods below."""

    kind: ClassVar[str] = ""
    title: ClassVar[str] = ""
    #: A paragraph for the Train page: what the model is and why it works.
    description: ClassVar[str] = ""
    Config: ClassVar[type]
    #: Recommended training on MNIST: the CLI's, the form's and the benchmark's default.
    training: ClassVar[TrainConfig] = TrainConfig()
    iterative: ClassVar[bool] = True
    #: BLAS threads while training: small GEMMs run fastest on one (numpy's and
    #: scipy's OpenBLAS copies spin against each other on two cores).
    blas_threads: ClassVar[int] = 1
    #: Threads a training batch may be split over (:mod:`mnist_core.models.threads`):
    #: the loop sets ``threads`` to this or the usable cores, whichever is fewer.
    max_threads: ClassVar[int] = 1
    threads: int = 1
    #: While training on Linux with ``threads`` > 1: forked processes that compute the
    #: later parts of each batch (:mod:`mnist_core.models.part_helpers`), else None.
    helpers: PartHelpers | None = None
    #: Images per chunk in :meth:`predict_proba` (bounds the memory of inference).
    predict_chunk: ClassVar[int] = 4096
    #: What :meth:`features` is, for a page to say (English, marked with ``N_``).
    feature_space: ClassVar[str] = ""
    #: How :meth:`imagine_digits` pictures a digit, for a page to say (English, ``N_``).
    imagine_method: ClassVar[str] = N_("class visualisation: gradient ascent on log p(digit) from a blank image")
    #: True when the imagined digits are signed weights (drawn red/blue), not images in [0, 1].
    imagined_signed: ClassVar[bool] = False

    def __init__(self, config: Any, seed: int = 0) -> None:
        self.config = config
        self.rng = np.random.default_rng(seed)
        #: Remarks about the last fit (a solver that stopped early), saved with the model.
        self.notes: list[str] = []

    @property
    def image_shape(self) -> tuple[int, int]:
        """(h, w) of the square images the model takes: 28x28 for MNIST, 8x8 for the digits."""
        side = math.isqrt(self.config.n_inputs)
        return side, side

    # -- inference -------------------------------------------------------
    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(n, h, w) or (n, h*w) floats in [0, 1] -> (n, 10) scores that sum to 1,
        computed ``predict_chunk`` images at a time."""
        return self._in_chunks(self.proba_chunk, images)

    def _in_chunks(self, chunk: Any, images: np.ndarray) -> np.ndarray:
        """``chunk`` (B, n_inputs) -> (B, K) applied ``predict_chunk`` checked rows at a time."""
        x = self.inputs(images)
        parts = [np.asarray(chunk(x[s:s + self.predict_chunk]), np.float32)
                 for s in range(0, len(x), self.predict_chunk)]
        if parts:
            return parts[0] if len(parts) == 1 else np.concatenate(parts)
        return np.zeros((0, len(chunk(np.zeros((1, self.config.n_inputs), np.float32))[0])), np.float32)

    def proba_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) float32 -> (B, 10) probabilities."""
        raise NotImplementedError

    def predict(self, images: np.ndarray) -> np.ndarray:
        """(n, ...) images -> (n,) predicted digits."""
        return np.argmax(self.predict_proba(images), axis=1)

    # -- training ----------------------------------------------------------
    def on_epoch_start(self, epoch: int, epochs: int) -> None:
        """Called before each epoch (1-based): models with a learning-rate schedule set it here."""

    def train_batch(self, x: np.ndarray, y: np.ndarray) -> tuple[float, int]:
        """One update on a mini-batch: x (B, n_inputs) floats, y (B,) labels.
        Returns (summed loss over the batch, number classified right before the update)."""
        raise NotImplementedError

    def fit_all(self, x: np.ndarray, y: np.ndarray) -> None:
        """Non-iterative models: fit on all of x (n, n_inputs), y (n,) at once."""
        raise NotImplementedError

    # -- persistence ---------------------------------------------------------
    def get_params(self) -> dict[str, np.ndarray]:
        """The learned arrays, by name (saved in the .npz)."""
        raise NotImplementedError

    @classmethod
    def shapes(cls, config: Any) -> dict[str, tuple]:
        """Name -> shape of every learned array, from the config alone (nothing is
        allocated: a model file is checked against it before it is read).  A dimension
        that may vary is a (low, high) pair."""
        raise NotImplementedError

    def param_shapes(self) -> dict[str, tuple]:
        return type(self).shapes(self.config)

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        """Restore learned arrays; raises KeyError/ValueError on a mismatch."""
        raise NotImplementedError

    def n_parameters(self) -> int:
        return int(sum(math.prod(shape) for shape in self.param_shapes().values()))  # fixed shapes

    def hyperparameters(self) -> dict[str, Any]:
        return dataclasses.asdict(self.config)

    @classmethod
    def run_cost(cls, config: Any, training: TrainConfig, n_train: int) -> tuple[float, float]:
        """(bytes, FLOPs): an estimate, from the settings alone, of the memory the model's own
        arrays take while it trains and of the arithmetic of the whole run, so a run too large
        for the class's workers is refused before it starts.  This default counts the weights
        four times (weights, gradients, two optimiser moments, float32) and 6 FLOPs per
        weight and sample (forward 2, backward 4); kinds with activations add theirs."""
        weights = sum(math.prod(d if isinstance(d, int) else d[1] for d in s) for s in cls.shapes(config).values())
        return 16.0 * weights, 6.0 * weights * n_train * training.epochs

    # -- what explanations ask (see the module docstring) --------------------------------
    def inputs(self, images: np.ndarray) -> np.ndarray:
        """(n, h, w) or (n, h*w) -> float32 (n, n_inputs), checking the size matches the model
        (no copy when the images already are float32 rows)."""
        x = np.asarray(images, dtype=np.float32)
        x = x.reshape(len(x), -1)
        if x.shape[1] != self.config.n_inputs:
            raise InvalidParameter("This model takes {pixels} pixels per image, got {got}: "
                                   "it was trained on a dataset of another image size.",
                                   pixels=self.config.n_inputs, got=x.shape[1])
        return x

    def features(self, images: np.ndarray) -> np.ndarray:
        """(n, ...) images -> (n, F) float32: the model's own view of them (its last hidden
        layer, where the digits lie far apart; see :attr:`feature_space`), in chunks."""
        return self._in_chunks(self.features_chunk, images)

    def features_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) -> (B, F)."""
        raise NotImplementedError

    def logits(self, images: np.ndarray) -> np.ndarray:
        """(n, ...) images -> (n, 10) float32 scores before the output squashing
        (:meth:`squash` turns them into :meth:`predict_proba`'s), in chunks."""
        return self._in_chunks(self.logits_chunk, images)

    def logits_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) -> (B, 10)."""
        raise NotImplementedError

    def squash(self, logits: np.ndarray) -> np.ndarray:
        """(n, 10) logits -> (n, 10) scores summing to 1, as :meth:`predict_proba` gives them
        (a softmax unless the kind says otherwise)."""
        z = np.asarray(logits, np.float64)
        z = np.exp(z - z.max(axis=1, keepdims=True))
        return (z / z.sum(axis=1, keepdims=True)).astype(np.float32)

    def input_gradient(self, images: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        """d(sum(upstream * logits)) / d(pixels): images (n, ...), upstream (n, 10) ->
        (n, n_inputs) float32, with respect to the [0, 1] pixels the caller gave (the
        model's own scaling included).  One-hot on digit d: the saliency of d's score."""
        raise NotImplementedError

    def layer_names(self) -> list[str]:
        """Every layer's name, the input first and the outputs last (layer L of
        :meth:`unit_terms` is ``layer_names()[L]``)."""
        raise NotImplementedError

    def layer_activations(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """(name, activations) per layer: the input as the network sees it (n, n_inputs),
        after the model's own scaling; each hidden layer ((n, units), or (n, c, h, w)
        feature maps); the outputs (n, 10).  float32."""
        raise NotImplementedError

    def unit_terms(self, image: np.ndarray, layer: int, index: int) -> UnitTerms:
        """One unit's weighted sum for one image (h, w) or (n_inputs,), written out:
        ``{"layer", "index", "terms": [(input_index, weight, input, product), ...],
        "bias", "preactivation", "function", "activation"}``.  The terms cover every input
        of the unit (``input_index`` into layer L-1's activations, flattened); layer 0 is
        the input and has no unit.  sum(products) + bias == preactivation, and
        ``activation`` is the unit's value in :meth:`layer_activations`."""
        raise NotImplementedError

    def _check_unit(self, layer: int, index: int, n_units: int) -> None:
        """Refuse a layer or unit that does not exist, in one sentence."""
        last = len(self.layer_names()) - 1
        if not 1 <= layer <= last:
            raise InvalidParameter("Layer {layer} has no units to show: choose a layer from 1 to {last} "
                                   "(0 is the input).", layer=layer, last=last)
        if not 0 <= index < n_units:
            raise InvalidParameter("Layer {layer} has {count} units: choose one from 0 to {last}.",
                                   layer=layer, count=n_units, last=n_units - 1)

    def first_layer_images(self) -> np.ndarray:
        """(n_units, h, w) float32: the first layer's weights as images (a dense unit's one
        weight per pixel, a CNN's k x k filters, a linear model's templates)."""
        raise NotImplementedError

    def unit_drive(self) -> np.ndarray:
        """(n_units, 10): how strongly each first-layer unit pushes each output per unit of
        its activation, whatever the image -- for ranking units (dense first layers only)."""
        raise InvalidParameter("Units are ranked only for a model whose first layer is dense.")

    def unit_activity(self, image: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """For one image (h, w): each first-layer unit's activation (n_units,) and how much
        it pushed each output's logit (n_units, 10) (dense first layers only)."""
        raise InvalidParameter("Units are ranked only for a model whose first layer is dense.")

    def feature_maps(self, image: np.ndarray) -> list[np.ndarray]:
        """For one image (h, w): each convolution's maps (C_i, h_i, w_i) after its ReLU;
        empty for a model with no convolution."""
        return []

    def imagine_digits(self) -> np.ndarray | None:
        """(10, h, w) float32: the model's own picture of every digit when it has one (a
        back-query, a template), else None: explain then climbs :meth:`input_gradient`
        (see :attr:`imagine_method`)."""
        return None


def check_shapes(params: dict[str, np.ndarray], expected: dict[str, tuple[int, ...]]) -> None:
    """Raise ValueError unless ``params`` holds every expected array, each of its expected shape
    (arrays beyond those are refused earlier, when a model file is read)."""
    for name, shape in expected.items():
        if name not in params:
            raise ValueError(f"{name} is missing")
        if tuple(params[name].shape) != tuple(shape):
            raise ValueError(f"{name} has shape {params[name].shape}, expected {tuple(shape)}")
