"""Hyperparameters as frozen dataclasses whose fields describe themselves.

Every setting a person can choose is declared once, with :func:`param`: its default,
its label, a sentence of help, its range or its choices, and whether it is *derived*
(it follows from the dataset -- the input size, say -- and is never asked for).  The
CLI's flags, the Train page's form and validation all read these descriptions, so
a range lives in one place: "learning rate 0" is refused by the form's widget, by
the CLI and by the constructor alike, with the same sentence.

:class:`Params` validates every field from its description after ``__init__``;
a Config adds checks that involve several fields in ``check()``.
:class:`TrainConfig` is how to train (epochs, batch size, seed...), as opposed to a
model's own hyperparameters; each model class carries its recommended one.
"""
from __future__ import annotations

import dataclasses
import numbers
from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from .errors import InvalidParameter
from .i18n import Text


def param(default: Any, label: str, help: str, *, low: float | None = None, high: float | None = None,
          choices: tuple[str, ...] | None = None, count: tuple[int, int] | None = None,
          derived: bool = False) -> Any:
    """A dataclass field that carries its description.

    ``low``/``high``: the closed range of a number (of each entry, for a tuple of
    ints such as layer sizes, whose length must lie in ``count``); ``choices``: the
    allowed strings; ``derived``: set from the dataset, not chosen by a person."""
    meta = {"label": label, "help": help, "low": low, "high": high, "choices": choices,
            "count": count, "derived": derived}
    return dataclasses.field(default=default, metadata=meta)


@dataclass(frozen=True)
class Spec:
    """What a form or a parser needs to know about one field."""

    name: str
    label: str
    help: str
    default: Any
    type: str  # "int", "float", "bool", "str", "choice" or "ints" (a tuple of ints)
    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] | None = None
    count: tuple[int, int] | None = None
    derived: bool = False


def specs(config_class: type, include_derived: bool = False) -> Iterator[Spec]:
    """The described fields of a Params class (derived ones only when asked)."""
    for f in dataclasses.fields(config_class):
        m = f.metadata
        if "label" not in m or (m["derived"] and not include_derived):
            continue
        default = f.default
        kind = ("choice" if m["choices"] else "bool" if isinstance(default, bool) else
                "ints" if isinstance(default, tuple) else type(default).__name__)
        yield Spec(f.name, m["label"], m["help"], default, kind, m["low"], m["high"], m["choices"],
                   m["count"], m["derived"])


def derived_names(config_class: type) -> frozenset[str]:
    """Fields that follow from the dataset (left out of forms, flags and summaries)."""
    return frozenset(s.name for s in specs(config_class, include_derived=True) if s.derived)


def _is_bool(value: Any) -> bool:
    return isinstance(value, (bool, np.bool_))


def check_range(label: str, value: Any, low: float | None, high: float | None) -> None:
    """Raise :class:`InvalidParameter` with a sentence unless ``low <= value <= high``
    (a bool or a NaN is never in range)."""
    try:
        ok = (not _is_bool(value) and value == value and (low is None or value >= low)
              and (high is None or value <= high))
    except TypeError:
        ok = False
    if not ok:
        shown, label = _shown(value), Text(label)  # the label is a message too: it is translated with the sentence
        if low is not None and high is not None:
            raise InvalidParameter("{label} must be between {low:g} and {high:g} (got {shown}).", label=label,
                                   low=low, high=high, shown=shown)
        if low is not None:
            raise InvalidParameter("{label} must be at least {low:g} (got {shown}).", label=label, low=low, shown=shown)
        if high is not None:
            raise InvalidParameter("{label} must be at most {high:g} (got {shown}).", label=label, high=high,
                                   shown=shown)
        raise InvalidParameter("{label} must be a number (got {shown}).", label=label, shown=shown)


def _shown(value: Any) -> str:
    """A value as a sentence quotes it: its repr, cut at 40 characters."""
    return f"{value!r}" if len(repr(value)) <= 40 else f"{repr(value)[:37]}..."


class _LowerLabel(Text):
    """A field's label in lower case inside an English sentence ("hidden layers"); in
    another language, the label's own translation."""

    def __new__(cls, label: str) -> "_LowerLabel":
        self = str.__new__(cls, label.lower())
        self.message, self.params = str(label), {}
        return self

    def __reduce__(self):
        return _LowerLabel, (self.message,)


def _whole(value: Any) -> int:
    """An int from an int, a numpy integer or a float with no fraction; ValueError otherwise."""
    if _is_bool(value):
        raise ValueError(value)
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return int(value)
    raise ValueError(value)


def as_int_tuple(value: object, label: str) -> tuple[int, ...]:
    """JSON gives lists, the CLI and the form "512,256": both become a tuple of ints."""
    given = value
    if isinstance(value, str):
        value = [int(v) if v.lstrip("-").isdigit() else v for v in value.replace(" ", "").split(",") if v]
    try:
        if not isinstance(value, (list, tuple)):
            raise ValueError(value)
        return tuple(_whole(v) for v in value)
    except (TypeError, ValueError, OverflowError):
        raise InvalidParameter("{label} must be whole numbers such as 512,256 (got {shown}).", label=Text(label),
                               shown=_shown(given)) from None


def parse_text(spec: Spec, text: str) -> Any:
    """A value typed as text (a CLI flag) -> the field's type; ranges are checked later."""
    try:
        if spec.type == "bool":
            if text.lower() not in {"1", "0", "true", "false", "yes", "no"}:
                raise ValueError
            return text.lower() in {"1", "true", "yes"}
        if spec.type == "ints":
            return as_int_tuple(text, spec.label)
        if spec.type in ("int", "float"):
            return {"int": int, "float": float}[spec.type](text)
    except ValueError:
        raise InvalidParameter("{label}: {text!r} is not a valid value.", label=Text(spec.label), text=text) from None
    return text


@dataclass(frozen=True)
class Params:
    """Base of every hyperparameter dataclass: checks each field against its
    description (range, choices, tuple length) after ``__init__``."""

    def __post_init__(self) -> None:
        for s in specs(type(self), include_derived=True):
            value = getattr(self, s.name)
            if s.type == "ints":
                value = as_int_tuple(value, s.label)
                object.__setattr__(self, s.name, value)
                low, high = s.count  # type: ignore[misc]
                if not low <= len(value) <= high:
                    raise InvalidParameter("The number of entries in {label} must be between {low:g} and {high:g} "
                                           "(got {shown}).", label=_LowerLabel(s.label), low=low, high=high,
                                           shown=_shown(len(value)))
                for v in value:
                    check_range(s.label, v, s.low, s.high)
            elif s.type == "choice":
                if value not in s.choices:  # type: ignore[operator]
                    raise InvalidParameter("{label} must be one of {choices} (got {value!r}).", label=Text(s.label),
                                           choices=", ".join(s.choices), value=value)  # type: ignore[arg-type]
            elif s.type == "bool":
                if not _is_bool(value):
                    raise InvalidParameter("{label} must be true or false (got {value!r}).", label=Text(s.label),
                                           value=value)
                object.__setattr__(self, s.name, bool(value))
            elif s.type in ("int", "float"):
                if s.type == "int":
                    try:
                        value = _whole(value)
                    except (ValueError, OverflowError):
                        raise InvalidParameter("{label} must be a whole number (got {value!r}).",
                                               label=Text(s.label), value=value) from None
                check_range(s.label, value, s.low, s.high)
                object.__setattr__(self, s.name, int(value) if s.type == "int" else float(value))
        self.check()

    def check(self) -> None:
        """Checks across fields (e.g. the CNN's blocks fit the image); none by default."""

    def replace(self, **changes: Any) -> "Params":
        return dataclasses.replace(self, **changes)


@dataclass(frozen=True)
class TrainConfig(Params):
    """How to train, as opposed to the model's own hyperparameters.  Each model class
    has its recommended one (``Model.training``)."""

    epochs: int = param(5, "Epochs", "How many times training goes through every training image.",
                        low=1, high=1000)
    batch_size: int = param(16, "Batch size", "Images per weight update (their updates are summed "
                            "or averaged, depending on the model).", low=1, high=65536)
    seed: int = param(0, "Seed", "Fixes the random start and order: the same seed trains the same model.",
                      low=0, high=2**31 - 1)
    shuffle: bool = param(True, "Shuffle", "Visit the training images in a new random order each epoch "
                          "(the tutorial kept the file's order).")
    augment: bool = param(False, "Augment training images", "Each epoch sees every training image slightly "
                          "shifted, rotated and resized: slower to learn, better at digits it has never seen.")
