"""Logistic regression with scikit-learn, as the second tutorial trains it.

The tutorial ran ``LogisticRegression()`` of scikit-learn 0.21 on the 8x8 digits
(raw pixel values 0..16, an 80/20 split with ``random_state=42``) and got 0.9611.
That version's default was the liblinear solver fitting one binary classifier per
digit (one-vs-rest).  Today's liblinear refuses multi-class problems, so
``solver="liblinear"`` wraps it in :class:`~sklearn.multiclass.OneVsRestClassifier`,
which reproduces the tutorial's accuracy and predictions exactly; ``"lbfgs"``
(today's default) fits one multinomial (softmax) model instead.

Only arrays are saved -- ``coef_`` (one row per classifier), ``intercept_``,
``classes_`` -- never a pickle; loading rebuilds a fitted estimator from them, so
``predict_proba`` is scikit-learn's own either way.
"""
from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

from ..config import Params, TrainConfig, param
from ..errors import MnistError
from ..i18n import N_, Text
from .base import Model, UnitTerms, n_inputs_param, n_outputs_param
from .terms import dense_terms, unit_sum

SOLVERS = ("lbfgs", "liblinear")


@dataclass(frozen=True)
class LogRegConfig(Params):
    """Hyperparameters, saved with the weights."""

    n_inputs: int = n_inputs_param()
    n_outputs: int = n_outputs_param()
    solver: str = param("lbfgs", "Solver", "lbfgs fits one softmax model; liblinear one model per digit "
                        "(the tutorial's).", choices=SOLVERS)
    C: float = param(1.0, "C", "Inverse regularisation strength: smaller values keep the weights smaller.",
                     low=1e-6, high=1e6)
    max_iter: int = param(100, "Maximum iterations", "Most solver iterations before it stops, converged or not.",
                          low=1, high=100_000)
    pixel_scale: float = param(1.0, "Pixel scale", "Factor applied to the [0, 1] pixels (16 gives the 8x8 "
                               "digits' raw 0-16 values).", low=1e-3, high=1e3, derived=True)


class LogisticRegressionModel(Model):
    """A fitted scikit-learn estimator in ``self.estimator`` (None until fitted)."""

    kind = "logreg"
    title = N_("Logistic regression (scikit-learn)")
    description = N_("One weight per pixel and digit, and a softmax: the second tutorial's model. Solver "
                     "liblinear reproduces the second tutorial exactly (96.1 % on the 8x8 digits, scikit-learn 0.21's "
                     "default, one-vs-rest); lbfgs is today's default (multinomial).")
    Config = LogRegConfig
    training = TrainConfig(epochs=1, batch_size=256)  # one fit: neither is used
    iterative = False
    predict_chunk = 10_000
    feature_space = N_("its ten class scores (it has no hidden layer)")
    imagine_method = N_("each digit's weight template (red: ink there raises the digit's score)")
    imagined_signed = True

    def __init__(self, config: LogRegConfig = LogRegConfig(), seed: int = 0) -> None:
        super().__init__(config, seed)
        self.estimator: LogisticRegression | OneVsRestClassifier | None = None

    def _inputs(self, images: np.ndarray) -> np.ndarray:
        """float64 (n, n_inputs), scaled: scikit-learn's solvers work in float64 anyway."""
        x = self.inputs(images).astype(np.float64)
        x *= self.config.pixel_scale  # in place: MNIST in float64 is 376 MB
        return x

    def _new_estimator(self) -> LogisticRegression | OneVsRestClassifier:
        from sklearn.linear_model import LogisticRegression  # scikit-learn costs ~130 MiB: load on use
        from sklearn.multiclass import OneVsRestClassifier

        c = self.config
        base = LogisticRegression(solver=c.solver, C=c.C, max_iter=c.max_iter, random_state=0)
        return OneVsRestClassifier(base) if c.solver == "liblinear" else base

    def fit_all(self, x: np.ndarray, y: np.ndarray) -> None:
        """Fit on everything; a solver that stops before converging is noted, not shouted."""
        from sklearn.exceptions import ConvergenceWarning

        estimator = self._new_estimator()
        with warnings.catch_warnings(record=True) as caught, \
                threadpool_limits(limits=self.blas_threads, user_api="blas"):
            warnings.simplefilter("always", ConvergenceWarning)
            estimator.fit(self._inputs(x), np.asarray(y))
        self.estimator = estimator
        self.notes = []
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            self.notes.append(Text(N_("The {solver} solver stopped after max_iter={max_iter} iterations before "
                                      "converging; raise max_iter for a (slightly) better fit."),
                                   solver=self.config.solver, max_iter=self.config.max_iter))

    def proba_chunk(self, x: np.ndarray) -> np.ndarray:
        """(B, 10): scikit-learn's probabilities, in columns by digit even if a digit was
        missing from the training set (its column is then 0)."""
        if self.estimator is None:
            raise MnistError("This logistic regression has not been trained yet.")
        with threadpool_limits(limits=self.blas_threads, user_api="blas"):
            proba = self.estimator.predict_proba(self._inputs(x))
        out = np.zeros((len(proba), self.config.n_outputs), np.float32)
        out[:, np.asarray(self.estimator.classes_, dtype=np.intp)] = proba
        return out

    # -- explanations (see mnist_core.models.base) ---------------------------------------
    def weights_by_digit(self) -> tuple[np.ndarray, np.ndarray]:
        """Each digit's linear score, whatever the solver: weights (10, n_inputs) and biases
        (10,) float64, on the scaled pixels.  A digit missing from training has zeros;
        with two classes the one classifier scores the second, its negation the first."""
        params = self.get_params()
        n = self.config.n_outputs
        coef, intercept = np.zeros((n, self.config.n_inputs)), np.zeros(n)
        classes = np.asarray(params["classes_"], np.intp)
        if len(params["coef_"]) == 1:
            coef[classes[1]], coef[classes[0]] = params["coef_"][0], -params["coef_"][0]
            intercept[classes[1]], intercept[classes[0]] = params["intercept_"][0], -params["intercept_"][0]
        else:
            coef[classes], intercept[classes] = params["coef_"], params["intercept_"]
        return coef, intercept

    def logits_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) -> (B, 10) linear scores (scikit-learn's ``decision_function``)."""
        coef, intercept = self.weights_by_digit()
        return self._inputs(x) @ coef.T + intercept

    def squash(self, logits: np.ndarray) -> np.ndarray:
        """lbfgs (multinomial): a softmax; one-vs-rest (and two classes): each score's
        sigmoid, normalised to sum to 1, as scikit-learn does.  Digits never seen score 0."""
        present = np.zeros(self.config.n_outputs, bool)
        present[np.asarray(self.estimator.classes_, np.intp)] = True
        z = np.asarray(logits, np.float64)
        if self._multinomial():
            p = np.exp(z - z[:, present].max(axis=1, keepdims=True))
        else:
            p = 1.0 / (1.0 + np.exp(-z))
        p[:, ~present] = 0.0
        return (p / p.sum(axis=1, keepdims=True)).astype(np.float32)

    def _multinomial(self) -> bool:
        """One softmax model (lbfgs on more than two classes), else one sigmoid per class."""
        return self.config.solver != "liblinear" and len(self.estimator.classes_) > 2

    def features_chunk(self, x: np.ndarray) -> np.ndarray:
        """x (B, n_inputs) -> (B, 10): the log-probabilities (it has no hidden layer)."""
        return np.log(np.maximum(self.proba_chunk(x), 1e-12))

    def input_gradient(self, images: np.ndarray, upstream: np.ndarray) -> np.ndarray:
        """(n, ...) images, upstream (n, 10) -> (n, n_inputs): upstream @ weights, times the
        pixel scale -- the same for every image, as a linear score's gradient is."""
        self.inputs(images)  # checks the size
        coef = self.weights_by_digit()[0]
        return (np.asarray(upstream, np.float64) @ coef * self.config.pixel_scale).astype(np.float32)

    def layer_names(self) -> list[str]:
        return ["input", "output"]

    def layer_activations(self, images: np.ndarray) -> list[tuple[str, np.ndarray]]:
        """input (n, n_inputs) times the pixel scale, output (n, 10) probabilities."""
        x = self.inputs(images)
        return [("input", self._inputs(x).astype(np.float32)), ("output", self.predict_proba(x))]

    def unit_terms(self, image: np.ndarray, layer: int, index: int) -> UnitTerms:
        """Its one layer is the outputs: digit ``index``'s weight on every scaled pixel, its
        bias, the linear score, then the squashing (see :meth:`squash`)."""
        self._check_unit(layer, index, self.config.n_outputs)
        coef, intercept = self.weights_by_digit()
        acts = self.layer_activations(np.asarray(image)[None])
        function = "softmax" if self._multinomial() else "sigmoid, normalised"
        terms = dense_terms(coef[index], acts[0][1][0])
        return unit_sum(layer, index, terms, intercept[index], function, acts[1][1][0, index])

    def first_layer_images(self) -> np.ndarray:
        """Each digit's weights as an image (10, h, w), signed: its template."""
        return self.weights_by_digit()[0].astype(np.float32).reshape(-1, *self.image_shape)

    def imagine_digits(self) -> np.ndarray:
        """The templates: the linear model's answer is the template the image matches best."""
        return self.first_layer_images()

    @classmethod
    def shapes(cls, config: LogRegConfig) -> dict[str, tuple]:
        """One row per binary classifier: 1 for two classes, else one per class (at most n_outputs)."""
        rows = (1, config.n_outputs)
        return {"coef_": (rows, config.n_inputs), "intercept_": (rows,), "classes_": ((2, config.n_outputs),)}

    def n_parameters(self) -> int:
        """One weight per pixel and a bias, per digit (known before fitting, for the form)."""
        return (self.config.n_inputs + 1) * self.config.n_outputs

    @classmethod
    def run_cost(cls, config: LogRegConfig, training: TrainConfig, n_train: int) -> tuple[float, float]:
        """The training set in float64 twice (the scaled copy and the solver's: measured
        +625 MiB for lbfgs, +755 MiB for liblinear on MNIST), and at most ``max_iter``
        iterations, each a forward and a gradient pass over it (2 x 2 FLOPs per pixel and digit);
        liblinear's one classifier per digit costs the same."""
        pixels = float(n_train) * config.n_inputs
        return 2.0 * 8 * pixels, 4.0 * pixels * config.n_outputs * config.max_iter

    # -- persistence: arrays in, a fitted estimator out --------------------------------
    def get_params(self) -> dict[str, np.ndarray]:
        if self.estimator is None:
            raise MnistError("This logistic regression has not been trained yet: there is nothing to save.")
        if hasattr(self.estimator, "estimators_"):  # one-vs-rest
            coef = np.vstack([e.coef_ for e in self.estimator.estimators_])
            intercept = np.concatenate([e.intercept_ for e in self.estimator.estimators_])
        else:
            coef, intercept = self.estimator.coef_, self.estimator.intercept_
        return {"coef_": coef, "intercept_": intercept, "classes_": np.asarray(self.estimator.classes_)}

    def set_params(self, params: dict[str, np.ndarray]) -> None:
        coef = np.asarray(params["coef_"], np.float64)
        intercept = np.asarray(params["intercept_"], np.float64)
        classes = np.asarray(params["classes_"])
        if coef.ndim != 2 or coef.shape[1] != self.config.n_inputs or intercept.shape != (len(coef),):
            raise ValueError(f"coef_ {coef.shape} / intercept_ {intercept.shape} do not fit "
                             f"{self.config.n_inputs} inputs")
        if self.config.solver == "liblinear":
            self.estimator = _rebuild_ovr(self._new_estimator(), coef, intercept, classes)
        else:
            self.estimator = _fitted(self._new_estimator(), coef, intercept, classes)


def _fitted(estimator: LogisticRegression, coef: np.ndarray, intercept: np.ndarray,
            classes: np.ndarray) -> LogisticRegression:
    """Give an unfitted LogisticRegression the attributes ``fit`` would have set."""
    estimator.coef_, estimator.intercept_, estimator.classes_ = coef, intercept, classes
    estimator.n_features_in_ = coef.shape[1]
    estimator.n_iter_ = np.zeros(1, np.int32)
    return estimator


def _rebuild_ovr(ovr: OneVsRestClassifier, coef: np.ndarray, intercept: np.ndarray,
                 classes: np.ndarray) -> OneVsRestClassifier:
    """One binary classifier per row of ``coef`` (two classes: one row only), and the
    label binarizer that maps their columns back to the classes, as ``fit`` sets them."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.preprocessing import LabelBinarizer

    if len(coef) != (1 if len(classes) == 2 else len(classes)):
        raise ValueError(f"{len(coef)} classifiers for {len(classes)} classes")
    ovr.label_binarizer_ = LabelBinarizer(sparse_output=True).fit(classes)
    ovr.classes_ = ovr.label_binarizer_.classes_
    ovr.estimators_ = [_fitted(LogisticRegression(solver="liblinear"), coef[i:i + 1], intercept[i:i + 1],
                               np.array([0, 1])) for i in range(len(coef))]
    ovr.n_features_in_ = coef.shape[1]
    return ovr
