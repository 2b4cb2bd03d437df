"""Pieces of page the pages share: the page start (sidebar), the download panel, the
form built from a Config's field descriptions, the per-label/confusion block, the
"no model yet" trainer and the error display."""
from __future__ import annotations

import math
import re
import time
from contextlib import contextmanager
from typing import Any, Collection, Iterator

import pandas as pd
import streamlit as st
from streamlit.runtime.pages_manager import PagesManager

from mnist_core.analysis import Evaluation
from mnist_core.config import Spec, specs
from mnist_core.data import default_cache_dir, mnist_folder
from mnist_core.errors import sentence
from mnist_core.i18n import N_, translate
from mnist_core.storage import ModelRecord, gallery
from mnist_core.storage.store import display_name

from . import cache, screen, session
from .lang import lang, language_picker, num, pct, t


def start_page() -> None:
    """Call first on every page: hands a legacy run to the navigation, shows the
    sidebar and any message left for this run."""
    # Streamlit runs the files in pages/ by themselves (its older multipage mode) when
    # the very first request after the server starts asks for one of them by URL,
    # before st.navigation has ever run: hand such a run to streamlit_app.py's
    # navigation, once per session (a rerun drops the clicks of the run it replaces).
    if PagesManager.uses_pages_directory and not st.session_state.get(session.HANDED_OVER):
        st.session_state[session.HANDED_OVER] = True
        PagesManager.uses_pages_directory = False
        st.rerun()
    workspace = session.workspace()
    session.jobs().touch(workspace)
    st.fragment(run_every=60)(session.jobs().touch)(workspace)  # an open page keeps its runs alive
    if session.TOAST in st.session_state:
        st.toast(plain(translate(st.session_state.pop(session.TOAST), lang())))
    screen.style()  # the layout's stylesheet (and presenter mode's)
    with st.sidebar:
        language_picker()
        screen.toggle()
        st.markdown("### " + t("Active"))
        st.markdown(t("**Workspace:** `{workspace}`", workspace=workspace))
        name = session.active_name()
        st.markdown(t("**Dataset:** {dataset}", dataset=t(session.LABELS[name])))
        st.markdown(t("**Model:**"))
        st.text(describe(session.active_record(name)))
        if name == "digits" and not mnist_folder():
            st.caption(t("MNIST is not on this machine: see the Dataset page to download it."))
        with st.expander(t("Workspace")):
            st.caption(t("Your runs and models live in this workspace; bookmark the page to come back to it. "
                         "Publish a model on the Train page to share it with the class."))
            other = st.text_input(t("Open another workspace"), key="workspace_switch",
                                  placeholder=t("e.g. room-12"))
            st.button(t("Open"), key="workspace_open", on_click=session.switch_workspace, args=(other,),
                      disabled=not other)


_MARKDOWN = re.compile(r"([\\`*_{}\[\]()#+\-.!|<>~$:])")


def plain(text: object) -> str:
    """Text from a file or a person, made safe for elements that render markdown
    (st.error, st.caption...): every markdown character is escaped, so a model name or
    a metadata value shows as written and never as a link, an image or HTML."""
    return _MARKDOWN.sub(r"\\\1", str(text))


def describe(rec: ModelRecord | None) -> str:
    """A model in one line of plain text (names come from users: never markdown)."""
    if rec is None:
        return t("none yet (one is trained when needed)")
    acc = rec.meta.get("test_accuracy")
    acc_text = pct(acc) if isinstance(acc, (int, float)) else "?"
    return f"{t(rec.label)} ({rec.meta.get('model', '?')}, {acc_text}, {rec.created})"


@contextmanager
def errors_shown() -> Iterator[None]:
    """Any failure inside becomes an st.error sentence instead of a traceback."""
    try:
        yield
    except Exception as err:  # noqa: BLE001 -- the user sees a sentence, not a traceback
        st.error(plain(sentence(err, lang())))


def ensure_model() -> ModelRecord:
    """The active model; with none of the workspace's or the gallery's for the active
    dataset, the studio trains its default (the tutorial's network) on a worker, once
    for everybody, into the gallery; this shows its progress, then goes on with it."""
    rec = session.active_record()
    if rec is not None:
        return rec
    name, jobs, job = session.active_name(), session.jobs(), None
    with errors_shown():
        job = jobs.default_job(session.dataset(name), gallery())
    if job is None:
        st.stop()
    st.info(t("No model for {dataset} yet: training the default network, this takes a few seconds.",
              dataset=t(session.LABELS[name])))
    bar = st.progress(0.0, text=t("Waiting for a worker..."))
    snap = jobs.snapshot(job)
    while not snap.finished:
        jobs.touch(job.workspace)  # somebody is waiting for it
        if snap.status == "running":
            bar.progress(snap.fraction, text=t("Training the default model: {seen} of {total} samples",
                                               seen=num(snap.samples_seen), total=num(snap.total)))
        time.sleep(0.25)
        snap = jobs.snapshot(job)
    if snap.saved_name is None:
        st.error(plain(t(snap.error or "The default model could not be trained.")))
        st.stop()
    rec = next(r for r in session.records(name) if r.shared and r.name == snap.saved_name)
    session.set_active(rec, name)
    accuracy = rec.meta.get("test_accuracy")
    st.session_state[session.TOAST] = (  # in this run's language already
        t("Trained and saved {title}: {accuracy} on the test set.", title=t(rec.title), accuracy=pct(accuracy))
        if isinstance(accuracy, (int, float)) else t("Trained and saved {title}.", title=t(rec.title)))
    st.rerun()  # draw the page (and the sidebar) afresh with the new model


def config_inputs(fields: list[Spec], defaults: dict[str, Any], key: str, columns: int = 3,
                  hidden: Collection[str] = ()) -> dict[str, Any]:
    """One widget per described field (inside a form), with its label, help, range and
    choices from the field's description; returns the values entered.  A tuple of
    layer sizes is typed as "512,256" and checked by the Config on Start.  Fields named
    in ``hidden`` get no widget and keep their value in ``defaults`` (or their own)."""
    values, cols = {f.name: defaults.get(f.name, f.default) for f in fields if f.name in hidden}, st.columns(columns)
    for i, f in enumerate(f for f in fields if f.name not in hidden):
        col, value, k = cols[i % columns], defaults.get(f.name, f.default), f"{key}_{f.name}"
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
    from mnist_core.models import model_class

    return config_inputs(list(specs(model_class(kind).Config)), defaults or {}, f"hp_{kind}", hidden=hidden)


def per_label_and_confusion(record: ModelRecord, ev: Evaluation, titles: bool = False) -> None:
    """The tutorial's per-label table beside the confusion-matrix heatmap."""
    left, right = st.columns([2, 3])
    if titles:
        left.subheader(t("Per label"))
        right.subheader(t("Confusion matrix"))
    table = ev.per_label()
    names = {"correct": t("correct"), "count": t("count"), "accuracy": t("accuracy")}  # in the page's language
    table = table.rename(columns=names).rename_axis(index=t("label"))
    left.dataframe(table.style.format({names["accuracy"]: "{:.2%}"}))
    right.image(cache.confusion_png(record), width="stretch")


def download_panel() -> None:
    """Offer to download MNIST when it is missing; a failure says why and changes nothing."""
    if mnist_folder():
        return
    st.info(t("The real MNIST files were not found, so the studio runs on the embedded 8x8 digits. "
              "Download MNIST (about 11 MB) into {folder}?", folder=default_cache_dir()))
    if not st.button(t("Download MNIST"), key="download_mnist"):
        return
    from mnist_core.data.download import fetch_mnist

    bar = st.progress(0.0, text=t("Starting the download..."))

    def progress(filename: str, done: int, total: int) -> None:
        frac = done / total if total else 0.0
        bar.progress(min(1.0, frac), text=t("{file}: {done} of {total} MB", file=filename, done=num(done / 1e6, 1),
                                            total=num(total / 1e6, 1)))

    try:
        fetch_mnist(default_cache_dir(), on_progress=progress)
    except Exception as err:  # noqa: BLE001 -- network stacks raise anything
        bar.empty()
        st.error(plain(t("The download failed: {reason}", reason=sentence(err, lang()))))
        return
    st.session_state[session.DATASET] = "mnist"
    st.success(t("MNIST is downloaded and now the active dataset."))
    time.sleep(0.5)
    st.rerun()


def activate_finished_runs() -> None:
    """A run that finished well becomes this session's active model, once; a stopped,
    diverged or failed one never does by itself."""
    seen = st.session_state.setdefault(session.ACTIVATED, set())
    for job in reversed(session.jobs().jobs(session.workspace())):  # oldest first: the newest wins
        if job.status.finished and job.id not in seen:
            seen.add(job.id)
            rec = next((r for r in session.own_records(job.dataset) if r.name == job.saved_name), None)
            if job.status == "done" and rec is not None:
                session.set_active(rec, job.dataset)


#: How a run that saved a model without finishing ended: the whole sentence, per ending.
_ENDED = {"stopped": N_("Saved as {name}, stopped early: not made active. {why}"),
          "diverged": N_("Saved as {name}, diverged: not made active. {why}")}
_WHY = {"idle": N_("No page of this workspace was open for a while."), "time limit": N_("It reached the time limit.")}


def job_panel(job_id: str) -> None:
    """One run of the workspace: its status (queue position, progress, Stop, how it
    ended) rerunning alone every second while the run goes on, its learning charts
    every three seconds (redrawing charts is what costs a watching browser most), and
    a grid of its first layer's units as they learn, every two."""
    job = session.jobs().get(job_id)
    if job is None:
        return
    live = not job.status.finished
    st.markdown(t("**Run {number}: {kind} on {dataset}**", number=job.number, kind=job.kind,
                  dataset=t(session.LABELS[job.dataset]) if job.dataset in session.LABELS else plain(job.dataset)))
    st.fragment(_job_status, run_every=1.0 if live else None)(job_id)
    st.fragment(_job_charts, run_every=3.0 if live else None)(job_id)
    st.fragment(_job_units, run_every=2.0 if live else None)(job_id)


def _job_status(job_id: str) -> None:
    jobs = session.jobs()
    job = jobs.get(job_id)
    if job is None:
        return
    jobs.touch(job.workspace)  # somebody is watching it
    snap = jobs.snapshot(job)
    if snap.finished and st.session_state.get(f"live_{job_id}"):
        st.session_state.pop(f"live_{job_id}")
        st.rerun(scope="app")  # the sidebar, the saved models and the active model change
    if snap.status == "queued":
        st.info(t("Waiting for a worker: number {position} in the queue.", position=snap.queue_position or 1))
    elif snap.status == "running":
        seen, total, speed = num(snap.samples_seen), num(snap.total), num(snap.samples_per_second)
        st.progress(snap.fraction, text=t("{seen} of {total} samples, {speed} samples/s, starting...", seen=seen,
                                          total=total, speed=speed) if snap.eta_seconds is None else
                    t("{seen} of {total} samples, {speed} samples/s, {seconds} s left", seen=seen, total=total,
                      speed=speed, seconds=num(snap.eta_seconds)))
    if not snap.finished:
        st.session_state[f"live_{job_id}"] = True
        st.button(t("Stop"), key=f"stop_{job_id}", on_click=jobs.stop, args=(job_id,))
    elif snap.error:
        st.error(plain(t(snap.error)))
    elif snap.saved_name:
        meta = snap.meta or {}
        shown = display_name(snap.saved_name, meta)  # an automatic name as what the model is
        if snap.status == "done":
            active = st.session_state.get(session.MODELS, {}).get(job.dataset) == f"mine/{snap.saved_name}"
            st.success(plain(t("Saved as {name} and made active.", name=shown) if active else
                             t("Saved as {name}.", name=shown)))
        else:
            why = meta.get("diverged") or _WHY.get(meta.get("stop_reason"), "")
            st.warning(plain(t(_ENDED[snap.status], name=shown, why=t(why) if why else "").strip()))


def _job_charts(job_id: str) -> None:
    job = session.jobs().get(job_id)
    if job is None:
        return
    snap = session.jobs().snapshot(job)
    if not (snap.curve or snap.epochs):
        return
    from mnist_core.analysis import charts

    left, right = st.columns(2)
    if snap.curve:
        curve = pd.DataFrame(snap.curve).set_index("samples_seen")[["loss", "accuracy"]]
        curve = curve.rename(columns={"loss": t("loss"), "accuracy": t("accuracy")})  # the legend's names
        left.caption(t("Loss and training accuracy (each over the latest 2 % of an epoch)"))
        left.line_chart(curve, x_label=t("samples seen"), height=220)
    if snap.epochs:
        right.caption(t("Test accuracy after each epoch"))
        right.altair_chart(charts.epoch_chart(pd.DataFrame(snap.epochs), height=220, titles=epoch_titles()),
                           width="stretch")


def _job_units(job_id: str) -> None:
    """The sampled first-layer units: the worker's newest snapshot while the run goes
    on, the saved model's last one after it ended (see mnist_core.explain.snapshots)."""
    from mnist_core.explain.snapshots import tile
    from mnist_core.models import model_class

    job = session.jobs().get(job_id)
    if job is None or job.status == "queued" or not model_class(job.kind).iterative:
        return  # nothing yet, or a model fitted in one call: no snapshots
    if not job.status.finished:
        from mnist_core.training.worker import latest_frame

        shot = latest_frame(job_id)
        if shot is None:
            return
        frame, epoch = shot["frame"], shot["epoch"]
    else:
        from mnist_core.storage.modelfile import load_snapshots

        try:
            snapshots = load_snapshots(job.store.path(job.saved_name)) if job.saved_name else None
        except Exception:  # noqa: BLE001 -- renamed or deleted since: nothing to show
            snapshots = None
        if snapshots is None:
            return
        frame, epoch = snapshots.frames[-1], float(snapshots.epoch[-1])
    n, h, _ = frame.shape
    side = math.ceil(math.sqrt(n))
    st.caption(t("{units} units of the first layer after {epochs} epochs: the weights each one gives "
                 "the pixels (red positive, blue negative, white zero)", units=n, epochs=num(epoch, 2)))
    st.image(tile(frame, zoom=max(1, 320 // (side * (h + 1)))))


def model_table(recs: list[ModelRecord], active: ModelRecord | None) -> None:
    """Saved models as a table: their names are shown as text, never as markdown; the
    columns are named in the page's language."""
    status = {"done": t("done"), "stopped": t("stopped"), "diverged": t("diverged")}
    accuracy = t("test accuracy")
    st.dataframe(pd.DataFrame([{
        t("active"): "●" if active and r.key == active.key else "", t("name"): t(r.title),
        t("by"): r.meta.get("published_by", "") if r.shared else "", t("model"): r.meta.get("model"),
        accuracy: r.meta.get("test_accuracy"),
        t("status"): status.get(r.meta.get("status", "done"), r.meta.get("status")),
        t("epochs"): len(r.meta.get("history") or []),
        t("augmented"): t("yes") if (r.meta.get("training") or {}).get("augment") else "",
        t("my handwriting"): "{images} x {repeat}".format(**r.meta["handwriting"]) if r.meta.get("handwriting") else "",
        t("trained"): r.created,
        t("published"): str(r.meta.get("published_at", ""))[:16].replace("T", " ") if r.shared else "",
        t("seconds"): r.meta.get("train_seconds"), "KiB": round(r.size_kib), t("file"): f"{r.name}.npz",
    } for r in recs]), hide_index=True, column_config={accuracy: st.column_config.NumberColumn(format="percent")})


def epoch_titles() -> dict[str, str]:
    """The learning-curve chart's axis and tooltip titles in the page's language."""
    return {"epoch": t("epoch"), "test_accuracy": t("test accuracy"), "model": t("model")}
