"""What every page of the Streamlit app shares: cached loaders, session keys, the
sidebar, the 'ensure a model exists' helper, the download panel and error display.

Datasets and loaded models are cached per process (st.cache_resource: shared,
read-only); everything about one user (active dataset and model, the training job)
lives in st.session_state under the keys below.
"""
from __future__ import annotations

import dataclasses
import importlib.util
import threading
import time
from contextlib import contextmanager

import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from mnist_core import datasets, plots
from mnist_core.comparison import Entry
from mnist_core.errors import MnistError
from mnist_core.evaluation import Evaluation, evaluate
from mnist_core.models import Model, model_class
from mnist_core.persistence import load_model
from mnist_core.pipeline import default_config, train_model
from mnist_core.store import ModelRecord, ModelStore

# -- startup ------------------------------------------------------------------------
# Streamlit runs the files in pages/ by themselves (its older multipage mode) when the
# very first request after the server starts asks for one of them by URL, before
# st.navigation has ever run; hand such a run to streamlit_app.py's navigation.
if PagesManager.uses_pages_directory:
    PagesManager.uses_pages_directory = False
    st.rerun()


# -- session keys ---------------------------------------------------------------
DATASET = "active_dataset"  # "mnist" | "digits"
MODELS = "active_models"  # {dataset name: model name}
JOB = "train_job"  # the TrainingJob of the Train page
CANVAS = "canvas_key"  # changes to clear the drawing

LABELS = {"mnist": "MNIST (28x28)", "digits": "Digits (8x8, embedded)"}


# -- cached loaders ----------------------------------------------------------------
@st.cache_resource(show_spinner="Loading the dataset...")
def get_dataset(name: str, folder: str | None = None) -> datasets.Dataset:
    """One copy per process; the arrays are made read-only since sessions share them."""
    ds = datasets.load_dataset(name, data_dir=folder)
    for arr in (ds.x_train, ds.y_train, ds.x_test, ds.y_test):
        arr.flags.writeable = False
    return ds


@st.cache_resource(max_entries=16, show_spinner=False)
def _load_model(path: str, mtime: float) -> tuple[Model, dict]:
    return load_model(path)


@st.cache_resource(max_entries=16, show_spinner="Evaluating the model on the test set...")
def _evaluate(path: str, mtime: float, dataset_name: str, folder: str | None) -> Evaluation:
    model, _ = _load_model(path, mtime)
    return evaluate(model, get_dataset(dataset_name, folder))


# Matplotlib figures take ~0.2 s to draw: each is drawn once and kept as PNG bytes.
@st.cache_data(max_entries=4, show_spinner=False)
def _mean_images_png(name: str, folder: str | None) -> bytes:
    return plots.to_png(plots.mean_images(get_dataset(name, folder)))


@st.cache_data(max_entries=64, show_spinner=False)
def _pixels_png(name: str, folder: str | None, split: str, index: int) -> bytes:
    ds = get_dataset(name, folder)
    return plots.to_png(plots.digit_with_values((ds.x_train if split == "train" else ds.x_test)[index], ds.pixel_max))


@st.cache_data(max_entries=16, show_spinner=False)
def _confusion_png(path: str, mtime: float, dataset_name: str, folder: str | None) -> bytes:
    return plots.to_png(plots.confusion_heatmap(_evaluate(path, mtime, dataset_name, folder).confusion()))


@st.cache_resource
def _train_lock() -> threading.Lock:
    """Two sessions asking for the default model at once train it once."""
    return threading.Lock()


def mnist_folder() -> str | None:
    folder = datasets.locate_mnist()
    return str(folder) if folder else None


def available() -> list[str]:
    return ["mnist", "digits"] if mnist_folder() else ["digits"]


def active_name() -> str:
    names = available()
    if st.session_state.get(DATASET) not in names:
        st.session_state[DATASET] = names[0]
    return st.session_state[DATASET]


def dataset(name: str | None = None) -> datasets.Dataset:
    name = name or active_name()
    return get_dataset(name, mnist_folder() if name == "mnist" else None)


def store() -> ModelStore:
    return ModelStore()


def _mtime(record: ModelRecord) -> float:
    try:
        return record.path.stat().st_mtime
    except OSError:
        return 0.0


def model_of(record: ModelRecord) -> Model:
    return _load_model(str(record.path), _mtime(record))[0]


def evaluation_of(record: ModelRecord) -> Evaluation:
    name = record.meta.get("dataset", active_name())
    return _evaluate(str(record.path), _mtime(record), name, mnist_folder() if name == "mnist" else None)


def mean_images_png() -> bytes:
    name = active_name()
    return _mean_images_png(name, mnist_folder() if name == "mnist" else None)


def pixels_png(split: str, index: int) -> bytes:
    name = active_name()
    return _pixels_png(name, mnist_folder() if name == "mnist" else None, split, int(index))


def confusion_png(record: ModelRecord) -> bytes:
    name = record.meta.get("dataset", active_name())
    return _confusion_png(str(record.path), _mtime(record), name, mnist_folder() if name == "mnist" else None)


def per_label_and_confusion(record: ModelRecord, ev: Evaluation, titles: bool = False) -> None:
    """The tutorial's per-label table beside the confusion-matrix heatmap."""
    left, right = st.columns([2, 3])
    if titles:
        left.subheader("Per label")
        right.subheader("Confusion matrix")
    left.dataframe(ev.per_label().style.format({"accuracy": "{:.2%}"}))
    right.image(confusion_png(record), width="stretch")


def comparison_entries(recs: list[ModelRecord]) -> list[Entry]:
    """The saved models as :class:`mnist_core.comparison.Entry` (cached evaluations)."""
    return [Entry(r.name, evaluation_of(r), r.meta, r.size_kib) for r in recs]


# -- the active model ------------------------------------------------------------------
@st.cache_data(max_entries=32, show_spinner=False)
def _listing(root: str, dataset_name: str, stamp: tuple) -> list[ModelRecord]:
    return [r for r in ModelStore(root).list(dataset_name) if r.error is None]


def records(name: str | None = None) -> list[ModelRecord]:
    """The readable saved models of a dataset, newest first.  Every rerun asks (the
    Draw page on each stroke): the files' metadata is read again only when a file of
    the store was added, changed or removed."""
    root = store().root
    try:
        stamp = tuple(sorted((p.name, p.stat().st_mtime_ns) for p in root.glob("*.npz")))
    except OSError:  # a file vanished while we looked: read everything afresh
        stamp = (time.time(),)
    return _listing(str(root), name or active_name(), stamp)


def active_record(name: str | None = None) -> ModelRecord | None:
    name = name or active_name()
    recs = records(name)
    chosen = st.session_state.setdefault(MODELS, {}).get(name)
    for rec in recs:
        if rec.name == chosen:
            return rec
    return recs[0] if recs else None


def set_active(model_name: str, name: str | None = None) -> None:
    st.session_state.setdefault(MODELS, {})[name or active_name()] = model_name


def ensure_model() -> ModelRecord:
    """The active model; with none saved for the active dataset, train the default
    (the tutorial's classic network) right here with a progress bar, save it, go on."""
    rec = active_record()
    if rec is not None:
        return rec
    name = active_name()
    with _train_lock():
        rec = active_record()  # another session may have trained it meanwhile
        if rec is not None:
            return rec
        ds = dataset(name)
        config = default_config("classic", name)
        st.info(f"No model for {LABELS[name]} yet: training the default network "
                f"({config.epochs} epochs), this takes a few seconds.")
        bar = st.progress(0.0, text="Training the default model...")

        class Progress:
            def on_batch_end(self, seen: int, logs: dict) -> None:
                bar.progress(min(1.0, seen / logs["total_samples"]),
                             text=f"Training the default model: epoch {logs['epoch']}, "
                                  f"{logs['accuracy']:.1%} right so far")

            def on_epoch_end(self, epoch: int, logs: dict) -> None:
                pass

        result = train_model("classic", ds, {}, config, callbacks=[Progress()])
        rec = store().save(result.model, result.meta)
        bar.empty()
    set_active(rec.name, name)
    st.session_state["toast"] = f"Trained and saved {rec.name}: {result.test_accuracy:.1%} on the test set."
    st.rerun()  # draw the page (and the sidebar) afresh with the new model


# -- training options ---------------------------------------------------------------------
AUGMENT_HELP = ("Each epoch sees every training image slightly shifted, rotated and resized: "
                "slower to learn, better at digits it has never seen.")


def can_augment() -> bool:
    """Whether mnist_core.augment (training-image augmentation) is available."""
    try:
        return importlib.util.find_spec("mnist_core.augment") is not None
    except (ImportError, ValueError):
        return False


#: Hyperparameters that follow from the dataset: not asked for in the form.
DERIVED = {"n_inputs", "n_outputs", "image_shape", "pixel_scale"}
NAMES = {"hidden": "Hidden nodes", "lr": "Learning rate"}


def hyperparameter_inputs(kind: str) -> dict:
    """One widget per hyperparameter of ``kind``'s Config (inside a form), typed by its
    default, with the Config's HELP text and CHOICES; returns the values entered."""
    Config = model_class(kind).Config
    helps, choices = getattr(Config, "HELP", {}), getattr(Config, "CHOICES", {})
    hyper, cols = {}, st.columns(3)
    shown = [f for f in dataclasses.fields(Config) if f.name not in DERIVED]
    for i, f in enumerate(shown):
        value = f.default if f.default is not dataclasses.MISSING else None
        label, key, col = NAMES.get(f.name, f.name.replace("_", " ").capitalize()), f"hp_{kind}_{f.name}", cols[i % 3]
        if f.name in choices:
            hyper[f.name] = col.selectbox(label, choices[f.name], choices[f.name].index(value),
                                          help=helps.get(f.name), key=key)
        elif isinstance(value, bool):
            hyper[f.name] = col.checkbox(label, value, help=helps.get(f.name), key=key)
        elif isinstance(value, int):
            hyper[f.name] = int(col.number_input(label, 0, 100_000, value, help=helps.get(f.name), key=key))
        elif isinstance(value, float):
            hyper[f.name] = col.number_input(label, 0.0, 1e6, value, step=max(value / 10, 1e-4), format="%g",
                                             help=helps.get(f.name), key=key)
        elif isinstance(value, str):
            hyper[f.name] = col.text_input(label, value, help=helps.get(f.name), key=key)
        elif isinstance(value, (tuple, list)):  # layer sizes: "512,256"
            text = col.text_input("Hidden layers" if f.name == "hidden" else label, ",".join(map(str, value)),
                                  help=helps.get(f.name), key=key)
            parts = [t.strip() for t in text.split(",") if t.strip()]
            hyper[f.name] = [int(t) for t in parts] if all(t.isdigit() for t in parts) else text
    return hyper


# -- layout pieces ---------------------------------------------------------------------
def describe(rec: ModelRecord | None) -> str:
    if rec is None:
        return "none yet (one is trained when needed)"
    acc = rec.meta.get("test_accuracy")
    acc_text = f"{acc:.1%}" if isinstance(acc, (int, float)) else "?"
    return f"**{rec.name}** ({rec.meta.get('model', '?')}, {acc_text}, {rec.meta.get('trained_at', '')})"


def sidebar() -> None:
    if "toast" in st.session_state:
        st.toast(st.session_state.pop("toast"))
    with st.sidebar:
        st.markdown("### Active")
        name = active_name()
        st.markdown(f"**Dataset:** {LABELS[name]}")
        try:
            st.markdown(f"**Model:** {describe(active_record(name))}")
        except MnistError as err:
            st.warning(str(err))
        if name == "digits" and not mnist_folder():
            st.caption("MNIST is not on this machine: see the Dataset page to download it.")


def download_panel() -> None:
    """Offer to download MNIST when it is missing; a failure says why and changes nothing."""
    if mnist_folder():
        return
    st.info("The real MNIST files were not found, so the studio runs on the embedded 8x8 digits. "
            f"Download MNIST (about 11 MB) into {datasets.default_cache_dir()}?")
    if not st.button("Download MNIST", key="download_mnist"):
        return
    from mnist_core.download import fetch_mnist

    bar = st.progress(0.0, text="Starting the download...")

    def progress(filename: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        bar.progress(min(1.0, frac), text=f"{filename}: {done / 1e6:.1f} of {total / 1e6:.1f} MB")

    try:
        fetch_mnist(datasets.default_cache_dir(), on_progress=progress)
    except MnistError as err:
        bar.empty()
        st.error(f"The download failed: {err}")
        return
    except Exception as err:  # noqa: BLE001 -- network stacks raise anything
        bar.empty()
        st.error(f"The download failed ({type(err).__name__}: {err}).")
        return
    st.session_state[DATASET] = "mnist"
    st.success("MNIST is downloaded and now the active dataset.")
    time.sleep(0.5)
    st.rerun()


@contextmanager
def errors_shown():
    """Any failure inside becomes an st.error sentence instead of a traceback."""
    try:
        yield
    except MnistError as err:
        st.error(str(err))
    except Exception as err:  # noqa: BLE001 -- the user sees a sentence, not a traceback
        st.error(f"Something went wrong ({type(err).__name__}: {err}). "
                 "Your saved models are untouched; try again or reload the page.")
