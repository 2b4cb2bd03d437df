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
from typing import TYPE_CHECKING, Callable, ClassVar

import numpy as np
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from sklearn.linear_model import LogisticRegression
    from sklearn.multiclass import OneVsRestClassifier

from ..errors import MnistError
from .base import Model, check_range
from .mlp import check_choice

SOLVERS = ("lbfgs", "liblinear")


@dataclass(frozen=True)
class LogRegConfig:
    """Hyperparameters, saved with the weights."""

    n_inputs: int = 784
    solver: str = "lbfgs"
    C: float = 1.0
    max_iter: int = 100
    pixel_scale: float = 1.0

    CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"solver": SOLVERS}
    HELP: ClassVar[dict[str, str]] = {
        "solver": "lbfgs fits one softmax model; liblinear one model per digit (the tutorial's).",
        "C": "Inverse regularisation strength: smaller values keep the weights smaller.",
        "max_iter": "Most solver iterations before it stops, converged or not.",
        "pixel_scale": "Factor applied to the [0, 1] pixels (16 gives the 8x8 digits' raw 0-16 values).",
    }

    def __post_init__(self) -> None:
        check_range("n_inputs", self.n_inputs, 1, 1_000_000, "Input size")
        check_choice("solver", self.solver, SOLVERS, "Solver")
        check_range("C", self.C, 1e-6, 1e6, "C")
        check_range("max_iter", self.max_iter, 1, 100_000, "Maximum iterations")
        check_range("pixel_scale", self.pixel_scale, 1e-3, 1e3, "Pixel scale")


class LogisticRegressionModel(Model):
    """A fitted scikit-learn estimator in ``self.estimator`` (None until fitted)."""

    kind = "logreg"
    title = "Logistic regression (scikit-learn)"
    Config = LogRegConfig
    iterative = False
    blas_threads: ClassVar[int] = 1  # fit_all runs outside the training loop's limit

    def __init__(self, config: LogRegConfig = LogRegConfig(), seed: int = 0) -> None:
        super().__init__(config, seed)
        self.estimator: LogisticRegression | OneVsRestClassifier | None = None
        self.notes: list[str] = []

    def _inputs(self, images: np.ndarray) -> np.ndarray:
        """float64 (n, n_inputs), scaled: scikit-learn's solvers work in float64 anyway."""
        x = self._flat(images).astype(np.float64)
        x *= self.config.pixel_scale  # in place: MNIST in float64 is 376 MB
        return x

    def _new_estimator(self) -> LogisticRegression | OneVsRestClassifier:
        from sklearn.linear_model import LogisticRegression  # scikit-learn costs ~130 MiB: load on use
        from sklearn.multiclass import OneVsRestClassifier

        c = self.config
        base = LogisticRegression(solver=c.solver, C=c.C, max_iter=c.max_iter, random_state=0)
        return OneVsRestClassifier(base) if c.solver == "liblinear" else base

    def fit_all(self, x: np.ndarray, y: np.ndarray, report: Callable[[str], None] = lambda m: None) -> None:
        from sklearn.exceptions import ConvergenceWarning

        """Fit on everything; a solver that stops before converging is noted, not shouted."""
        estimator = self._new_estimator()
        report(f"Fitting logistic regression ({self.config.solver}) on {len(x):,} images...")
        with warnings.catch_warnings(record=True) as caught, \
                threadpool_limits(limits=self.blas_threads, user_api="blas"):
            warnings.simplefilter("always", ConvergenceWarning)
            estimator.fit(self._inputs(x), np.asarray(y))
        self.estimator = estimator
        self.notes = []
        if any(issubclass(w.category, ConvergenceWarning) for w in caught):
            self.notes.append(f"The {self.config.solver} solver stopped after max_iter={self.config.max_iter} "
                              "iterations before converging; raise max_iter for a (slightly) better fit.")
        for note in self.notes:
            report(note)

    def predict_proba(self, images: np.ndarray) -> np.ndarray:
        """(n, 10): scikit-learn's probabilities, in columns by digit even if a digit was
        missing from the training set (its column is then 0)."""
        if self.estimator is None:
            raise MnistError("This logistic regression has not been trained yet.")
        x = self._flat(images)
        if not len(x):
            return np.zeros((0, 10), np.float32)
        with threadpool_limits(limits=self.blas_threads, user_api="blas"):
            proba = np.concatenate([self.estimator.predict_proba(self._inputs(x[s:s + 10_000]))
                                    for s in range(0, len(x), 10_000)])
        classes = np.asarray(self.estimator.classes_, dtype=np.intp)
        out = np.zeros((len(proba), max(10, int(classes.max()) + 1)), np.float32)
        out[:, classes] = proba
        return out

    def n_parameters(self) -> int:
        """One weight per pixel and a bias, per digit (known before fitting, for the form)."""
        return (self.config.n_inputs + 1) * 10

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
