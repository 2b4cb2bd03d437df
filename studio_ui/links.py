"""Links that open the Train form prepared, as TensorFlow Playground's teacher links do.

Every setting of the Train form has a URL parameter named like the CLI's flag and the
Config's field (``?model=classic&hidden=50&lr=0.3&epochs=2&dataset=digits``; ``batch-size``
works as well as ``batch_size``), plus ``name`` (the run's name), ``handwriting`` and
``repeat``.  Each value is parsed and checked by the field's own description
(:func:`mnist_core.config.parse_text`, then the Config), so a bad one is refused with the
same sentence the form and the CLI give, shown as a warning, and the form keeps its own
value.  ``?hide=lr,epochs`` hides those controls (unknown names are ignored); a hidden
control keeps the link's value, or its default.

A link is applied once, when the URL's settings differ from the ones last applied or
written here (a new tab, a reload, a link followed): later reruns never undo what the
person changed.  The URL follows the form (its submitted values: a form sends its values
on a click) with the settings that differ from their defaults, so a reload or a bookmark
keeps them; :func:`share_link` is the same link without the workspace, to give to a class.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import streamlit as st

from mnist_core.config import Spec, TrainConfig, parse_text, specs
from mnist_core.data import available_datasets
from mnist_core.errors import MnistError, sentence
from mnist_core.i18n import N_, Text, translate
from mnist_core.models import MODELS, model_class, recommended_training
from mnist_core.storage.store import check_name
from mnist_core.settings import HANDWRITING_REPEAT, check_repeat
from mnist_core.training.pipeline import dataset_hyperparameters

from . import session
from .text import cut, cut_values

#: The Train form's widget keys that are not made from a Config.
KIND_KEY, NAME_KEY, HW_KEY, REPEAT_KEY = session.TRAIN_KIND, session.TRAIN_NAME, session.TRAIN_HW_ADD, session.TRAIN_HW_REPEAT
#: The handwriting repeat factor's default (the form's).
REPEAT_DEFAULT = HANDWRITING_REPEAT
#: Training fields the form shows (shuffle is the CLI's --no-shuffle only).
TRAINING = [s for s in specs(TrainConfig) if s.name != "shuffle"]
_OWN = ("model", "dataset", "name", "handwriting", "repeat")


def hyper_specs(kind: str) -> list[Spec]:
    return list(specs(model_class(kind).Config))


def names() -> list[str]:
    """Every setting's URL name (any model's hyperparameters included)."""
    every = [*_OWN, *(s.name for s in TRAINING)]
    for kind in MODELS:
        every += [s.name for s in hyper_specs(kind) if s.name not in every]
    return every


def hideable(kind: str) -> list[str]:
    """The names ``hide`` can hide for ``kind``, in the form's order."""
    return ["model", "name", *(s.name for s in hyper_specs(kind)), *(s.name for s in TRAINING), "handwriting", "repeat"]


def _canonical(name: str) -> str:
    return name.strip().replace("-", "_")


def _from_url() -> dict[str, str]:
    """The URL's settings (and ``hide``), by canonical name; other parameters left out."""
    known, found = set(names()) | {"hide"}, {}
    for key in st.query_params.keys():
        if _canonical(key) in known:
            found[_canonical(key)] = st.query_params[key]
    return found


@dataclass
class Link:
    """What the last link asked for: the controls to hide and, for its model kind, the
    values of every setting it gave (hidden controls take theirs from here)."""

    kind: str | None = None
    hide: frozenset[str] = frozenset()
    values: dict[str, Any] = field(default_factory=dict)
    applied: dict[str, str] | None = None  # the URL's settings last applied or written
    warnings: list[str] = field(default_factory=list)  # i18n.Text: shown in the page's language
    sharing: bool = False  # "Copy link" was clicked: the link stays shown

    def defaults(self, kind: str) -> dict[str, Any]:
        """The link's values for ``kind``'s form ({} for another kind)."""
        return dict(self.values) if kind == self.kind else {}


def state() -> Link:
    return st.session_state.setdefault(session.LINK, Link())


def _widget_value(spec: Spec, value: Any) -> Any:
    return ",".join(map(str, value)) if spec.type == "ints" else value


def apply() -> Link:
    """Apply the URL's settings to the Train form once (see the module docstring); call
    before the form.  A dataset the link changes reruns the page (the sidebar shows it)."""
    link, url = state(), _from_url()
    if not url or url == link.applied:
        return link
    link.applied, link.warnings, values = url, [], {}
    asked = {k: v for k, v in url.items() if k != "hide"}

    def refuse(key: str, text: str, why: str) -> None:
        link.warnings.append(Text(N_("The link's {key}={value} was ignored: {why}"), key=cut(key), value=cut(text),
                                  why=cut_values(why)))

    name = session.active_name()
    if "dataset" in asked:
        wanted = asked.pop("dataset")
        if wanted in available_datasets():
            name = wanted
        else:
            refuse("dataset", wanted, Text(N_("choose one of {choices}."), choices=", ".join(available_datasets())))
    kind = st.session_state.get(KIND_KEY, next(iter(MODELS)))
    if "model" in asked:
        wanted = asked.pop("model")
        if wanted in MODELS:
            kind = st.session_state[KIND_KEY] = wanted
        else:
            refuse("model", wanted, Text(N_("choose one of {choices}."), choices=", ".join(MODELS)))
    if "name" in asked:
        text = asked.pop("name")
        try:
            check_name(text)
            st.session_state[NAME_KEY] = values["name"] = text
        except MnistError as err:
            refuse("name", text, sentence(err))
    if "handwriting" in asked:
        text = asked.pop("handwriting")
        try:
            st.session_state[HW_KEY] = values["handwriting"] = parse_text(
                Spec("handwriting", N_("Add my handwriting"), "", False, "bool"), text)
        except MnistError as err:
            refuse("handwriting", text, sentence(err))
    if "repeat" in asked:
        text = asked.pop("repeat")
        try:
            repeat = check_repeat(parse_text(Spec("repeat", N_("Repeat factor"), "", REPEAT_DEFAULT, "int"), text))
            st.session_state[REPEAT_KEY] = values["repeat"] = repeat
        except MnistError as err:
            refuse("repeat", text, sentence(err))
    own, training = {s.name: s for s in hyper_specs(kind)}, {s.name: s for s in TRAINING}
    derived = dataset_hyperparameters(kind, session.dataset(name)) if own else {}
    for key, text in asked.items():
        try:
            if key in own:
                value = parse_text(own[key], text)
                model_class(kind).Config(**{**derived, key: value})  # the range, choices and cross-field checks
                st.session_state[session.widget_key(session.HYPER, kind, key)] = _widget_value(own[key], value)
            elif key in training:
                value = parse_text(training[key], text)
                TrainConfig(**{key: value})
                st.session_state[session.widget_key(session.TRAINING, kind, name, key)] = value
            else:
                refuse(key, text, Text(N_("the {kind} model has no such setting."), kind=kind))
                continue
            values[key] = value
        except MnistError as err:
            refuse(key, text, sentence(err))
    link.kind, link.values = kind, values
    link.hide = frozenset(n for n in (_canonical(p) for p in url.get("hide", "").split(",")) if n in names())
    if name != session.active_name():
        st.session_state[session.DATASET] = name
        st.rerun()  # the sidebar and the form's keys follow the dataset
    return link


def warnings() -> None:
    """The last link's refused settings, one warning each (shown until the next link)."""
    from .lang import lang
    from .text import plain

    for text in state().warnings:
        st.warning(plain(translate(text, lang())), icon=":material/link_off:")


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.10g}"
    if isinstance(value, (list, tuple)):
        return ",".join(map(str, value))
    return str(value)


def settings(kind: str, dataset_name: str, n_train: int, run_name: str, hyper: dict[str, Any],
             training: dict[str, Any], handwriting: bool, repeat: int) -> dict[str, str]:
    """The form's settings as URL parameters: model and dataset, then every setting that
    differs from its default."""
    out = {"model": kind, "dataset": dataset_name}
    if run_name:
        out["name"] = run_name
    for spec in hyper_specs(kind):
        value = hyper.get(spec.name, spec.default)
        if _text(value).replace(" ", "") != _text(spec.default):
            out[spec.name] = _text(value).replace(" ", "")
    recommended = vars(recommended_training(kind, n_train))
    for spec in TRAINING:
        value = training.get(spec.name, recommended[spec.name])
        if _text(value) != _text(recommended[spec.name]):
            out[spec.name] = _text(value)
    if handwriting:
        out["handwriting"] = "true"
        if repeat != REPEAT_DEFAULT:
            out["repeat"] = str(repeat)
    return out


def sync(current: dict[str, str]) -> None:
    """Make the URL say ``current`` (and the page's ``hide``): a reload or a bookmark
    keeps the form's settings.  Other parameters (the workspace...) are left alone."""
    link = state()
    wanted = {**current, **({"hide": ",".join(sorted(link.hide))} if link.hide else {})}
    for key in list(st.query_params.keys()):
        if (_canonical(key) in names() or key == "hide") and wanted.get(key) != st.query_params[key]:
            del st.query_params[key]
    for key, value in wanted.items():
        if st.query_params.get(key) != value:
            st.query_params[key] = value
    link.applied = {k: v for k, v in wanted.items()}


def share_link(current: dict[str, str], hide: list[str]) -> str:
    """The link to these settings, for a class: no workspace (each person keeps their
    own), with ``hide`` if given; absolute where the server knows its address."""
    query = urlencode({**current, **({"hide": ",".join(hide)} if hide else {})}, safe=",")
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 -- no browser (a test): a link relative to the page
        base = ""
    return f"{base}?{query}"


def workspace_link(key: str) -> str:
    """The link that opens workspace ``key`` (its owner asked for it: it IS the key)."""
    try:
        base = st.context.url or ""
    except Exception:  # noqa: BLE001 -- no browser (a test)
        base = ""
    return f"{base}?{urlencode({'workspace': key})}"
