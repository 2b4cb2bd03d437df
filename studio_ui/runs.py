"""Training runs on the page: the default model trained when there is none
(:func:`ensure_model`), a finished run made active (:func:`activate_finished_runs`),
and one run's live panel (:func:`job_panel`: status, learning charts, first-layer units)."""
from __future__ import annotations

import time

import pandas as pd
import streamlit as st

from mnist_core.analysis import charts
from mnist_core.i18n import N_
from mnist_core.models import model_class
from mnist_core.storage import ModelRecord, gallery
from mnist_core.storage.snapshots import Snapshots
from mnist_core.storage.store import display_name

from . import screen, session
from .lang import name, num, pct, t, titles
from .text import errors_shown, plain


def ensure_model() -> ModelRecord:
    """The active model; with none of the workspace's or the gallery's for the active
    dataset, the studio trains its default (the tutorial's network) on a worker, once
    for everybody, into the gallery; this shows its progress, then goes on with it."""
    rec = session.active_record()
    if rec is not None:
        return rec
    dataset, jobs, job = session.active_name(), session.jobs(), None
    label = t(session.LABELS[dataset])
    # one message at a time: a bar whose line says what is going on (the server started this run already)
    bar = st.progress(0.0, text=t("No model for {dataset} yet: starting the workers to train the studio's default "
                                  "network...", dataset=label))
    with errors_shown():
        job = jobs.default_job(session.dataset(dataset), gallery())
    if job is None:
        bar.empty()  # the error above says why
        st.stop()
    snap = jobs.snapshot(job)
    while not snap.finished:
        jobs.touch(job.workspace)  # somebody is waiting for it
        if snap.status == "running":
            bar.progress(snap.fraction, text=t("No model for {dataset} yet: training the studio's default network, "
                                               "{seen} of {total} samples", dataset=label,
                                               seen=num(snap.samples_seen), total=num(snap.total)))
        else:
            bar.progress(0.0, text=t("No model for {dataset} yet: waiting for a worker to train the studio's "
                                     "default network...", dataset=label))
        time.sleep(0.25)
        snap = jobs.snapshot(job)
    if snap.saved_name is None:
        st.error(plain(t(snap.error or "The default model could not be trained.")))
        st.stop()
    rec = next((r for r in session.records(dataset) if r.shared and r.name == snap.saved_name), None)
    if rec is None:  # saved into another gallery (a run under way for another home): ask again
        st.rerun()
    session.set_active(rec, dataset)
    accuracy, title = rec.meta.get("test_accuracy"), name(session.label(rec))  # "... (by studio)": never a pupil's
    st.session_state[session.TOAST] = (  # in this run's language already
        t("Trained and saved {title}: {accuracy} on the test set.", title=title, accuracy=pct(accuracy))
        if isinstance(accuracy, (int, float)) else t("Trained and saved {title}.", title=title))
    st.rerun()  # draw the page (and the sidebar) afresh with the new model


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
_WHY = {"idle": N_("No page of this workspace was open for a while."), "time limit": N_("It reached the time limit."),
        "teacher": N_("The teacher stopped it."), "server stopped": N_("The server was stopping.")}


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
    _job_units(job_id)  # the playback: a fragment of its own


#: Seconds the status fragment waits for a run its estimate says ends within them, less half
#: a second, so that "Saved as" shows as the run ends rather than at a later tick (traced:
#: near the end the estimate ran ~1 s long, and a tick that missed the old one-second wait
#: showed "Saved as" 0.4-0.7 s late).  The session waits with it, once per run (a run whose
#: end takes longer, saving a large model, is then shown at the next ticks): a click meanwhile
#: is answered 2.5 s later at most.
END_WAIT = 2.5


def _job_status(job_id: str) -> None:
    jobs = session.jobs()
    job = jobs.get(job_id)
    if job is None:
        return
    jobs.touch(job.workspace)  # somebody is watching it
    snap, live = jobs.snapshot(job), session.widget_key(session.LIVE, job_id)
    waited = session.widget_key("end_waited", job_id)
    if snap.status == "running" and snap.eta_seconds is not None and snap.eta_seconds < END_WAIT - 0.5 \
            and not st.session_state.get(waited):
        st.session_state[waited] = True
        if jobs.wait_end(job, END_WAIT):  # it ends before this fragment's next tick or so: say so at once
            snap = jobs.snapshot(job)
    if snap.finished and st.session_state.get(live):
        st.session_state.pop(live)
        st.session_state.pop(waited, None)
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
        st.session_state[live] = True
        st.button(t("Stop"), key=session.widget_key("stop", job_id), on_click=jobs.stop, args=(job_id,))
    elif snap.error:  # a failure, or a run ended for real (its worker restarted): one sentence
        st.error(plain(t(snap.error)))
    elif snap.saved_name is None and snap.status == "stopped":  # stopped while queued: never sent
        why = _WHY.get(job.stop_reason or "", "")
        st.warning(plain(t("Stopped before it started: nothing was saved. {why}", why=t(why) if why else "").strip()))
    elif snap.saved_name:
        meta = snap.meta or {}
        rec = next((r for r in session.own_records(job.dataset) if r.name == snap.saved_name), None)
        # its label among the dataset's models (never the same as the studio's), else what its file name says
        shown = session.label(rec) if rec is not None else display_name(snap.saved_name, meta)
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
    left, right = screen.columns(2, key=session.widget_key("run_charts", job_id))
    if snap.curve:
        curve = pd.DataFrame(snap.curve).set_index("samples_seen")[["loss", "accuracy"]]
        curve = curve.rename(columns=titles("loss", "accuracy"))  # the legend's names
        left.caption(t("Loss and training accuracy (each over the latest 2 % of an epoch)"))
        left.line_chart(curve, x_label=t("samples seen"), height=220)
    if snap.epochs:
        right.caption(t("Test accuracy after each epoch"))
        right.altair_chart(charts.epoch_chart(pd.DataFrame(snap.epochs), height=220, titles=epoch_titles()),
                           width="stretch")


def epoch_titles() -> dict[str, str]:
    """The learning-curve chart's axis and tooltip titles in the page's language."""
    return titles("epoch", "model", test_accuracy="test accuracy")


def _job_units(job_id: str) -> None:
    """The run's training snapshots played (:mod:`.playback`): while it goes, the frames
    recorded so far (the job manager keeps them, see mnist_core.training.job_frames),
    following the newest; after it ended, the saved model's."""
    from .playback import live_panel, playback_panel

    job = session.jobs().get(job_id)
    if job is None or not model_class(job.kind).iterative:
        return  # a model fitted in one call: no snapshots
    if job.status.finished:
        if job.saved_name:
            playback_panel(*run_frames(job_id), job_id)
    else:
        live_panel(lambda: run_frames(job_id), job_id)


def run_frames(job_id: str) -> tuple[Snapshots | None, dict]:
    """The run's snapshots and learning curve: so far while it goes, the saved model's once it ended."""
    jobs = session.jobs()
    job = jobs.get(job_id)
    if job is None:
        return None, {}
    if not job.status.finished:
        snap = jobs.snapshot(job)  # its learning curve so far, as the saved model's metadata has it
        meta = {"curve": snap.curve, "history": snap.epochs, "n_train": snap.total // max(1, job.config.epochs)}
        return jobs.frames(job, snap.frames), meta
    from mnist_core.storage.modelfile import load_snapshots, read_metadata

    try:
        path = job.store.path(job.saved_name) if job.saved_name else None
        return (load_snapshots(path), read_metadata(path)) if path else (None, {})
    except Exception:  # noqa: BLE001 -- renamed or deleted since: nothing to show
        return None, {}
