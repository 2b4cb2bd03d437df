"""Forms built from a Config's field descriptions (the Train form's hyperparameters and
training settings): one widget per field, its label, help, range and choices from the
engine, its key from :func:`session.widget_key` (a link sets the same keys)."""
from __future__ import annotations

from typing import Any, Collection

import streamlit as st

from mnist_core.config import Spec, specs
from mnist_core.models import model_class

from . import screen, session
from .lang import t


def config_inputs(fields: list[Spec], defaults: dict[str, Any], key: tuple[object, ...], columns: int = 3,
                  hidden: Collection[str] = ()) -> dict[str, Any]:
    """One widget per described field (inside a form), ``columns`` to a row; returns the
    values entered.  A tuple of layer sizes is typed as "512,256" and checked by the
    Config on Start.  Fields named in ``hidden`` get no widget and keep their value in
    ``defaults`` (or their own).  ``key``: the parts of the fields' keys before their names."""
    values = {f.name: defaults.get(f.name, f.default) for f in fields if f.name in hidden}
    cols = screen.columns(columns, key=session.widget_key("form", *key))
    for i, f in enumerate(f for f in fields if f.name not in hidden):
        col, value, k = cols[i % columns], defaults.get(f.name, f.default), session.widget_key(*key, f.name)
        label, help_ = t(f.label), t(f.help) if f.help else None  # the engine's label and help, in the catalogue
        preset = k in st.session_state  # set already (a link, an earlier run): no second default beside it
        if f.type == "choice":
            values[f.name] = col.selectbox(label, f.choices, 0 if preset else f.choices.index(value), help=help_,
                                           key=k)
        elif f.type == "bool":
            values[f.name] = col.checkbox(label, False if preset else value, help=help_, key=k)
        elif f.type == "int":
            values[f.name] = int(col.number_input(label, f.low, f.high, "min" if preset else int(value), help=help_,
                                                  key=k))
        elif f.type == "float":
            step = float(value) / 10 if value else (float(f.high) - float(f.low)) / 100  # 0 (off): steps that count
            values[f.name] = col.number_input(label, f.low, f.high, "min" if preset else float(value), format="%g",
                                              step=step, help=help_, key=k)
        else:  # "ints" and free text
            text = "" if preset else ",".join(map(str, value)) if f.type == "ints" else value
            values[f.name] = col.text_input(label, text, help=help_, key=k)
    return values


def hyperparameter_inputs(kind: str, defaults: dict[str, Any] | None = None,
                          hidden: Collection[str] = ()) -> dict[str, Any]:
    """The model kind's own settings (its Config's fields)."""
    return config_inputs(list(specs(model_class(kind).Config)), defaults or {}, (session.HYPER, kind), hidden=hidden)
