"""Train: the form (every registered model), a background run with live progress, the
result, and the saved models (make active, rename, delete)."""
import pandas as pd
import streamlit as st

import studio_ui as ui
from mnist_core.analysis import charts
from mnist_core.config import TrainConfig, specs
from mnist_core.models import MODELS, recommended_training
from mnist_core.training import JobStatus, TrainingJob

ui.start_page()
st.title("Train")
name, ds = ui.active_name(), ui.dataset()
job = st.session_state.get(ui.JOB)
running = job is not None and not job.snapshot().finished

kind = st.selectbox("Model", list(MODELS), format_func=lambda k: f"{k}: {MODELS[k].title}", key="train_kind")
recommended = recommended_training(kind, len(ds.x_train))
st.caption(f"**{MODELS[kind].title}.** {MODELS[kind].description}")
with st.form("train_form"):
    st.caption(f"Trains on {ui.LABELS[name]} ({len(ds.x_train):,} images); change it on the Dataset page.")
    hyper = ui.hyperparameter_inputs(kind)
    training = ui.config_inputs([s for s in specs(TrainConfig) if s.name != "shuffle"], vars(recommended),
                                f"train_{kind}_{name}")
    start = st.form_submit_button("Start training", type="primary", disabled=running)

if start and not running:  # only a click trains, never a plain rerun
    with ui.errors_shown():
        job = TrainingJob(kind, ds, hyper, recommended.replace(**training), store=ui.store()).start()
        st.session_state[ui.JOB], running = job, True


def show_progress() -> None:
    snap = st.session_state[ui.JOB].snapshot()
    if snap.finished and running:
        st.rerun(scope="app")  # the result, the sidebar and the table of models change
    eta = f"{snap.eta_seconds:.0f} s left" if snap.eta_seconds is not None else "starting..."
    st.progress(snap.fraction, text=f"{snap.status.value}: {snap.samples_seen:,} of {snap.total:,} samples, "
                                    f"{snap.samples_per_second:,.0f} samples/s, {eta}")
    if not MODELS[st.session_state[ui.JOB].kind].iterative and not snap.finished:
        st.info("scikit-learn's solver fits in one call and reports no progress on the way: "
                "about 20 s on MNIST, under a second on the digits.")
    if running:
        st.button("Stop", on_click=st.session_state[ui.JOB].stop, key="stop_training")
    left, right = st.columns(2)
    if snap.curve:
        curve = pd.DataFrame(snap.curve).set_index("samples_seen")[["loss", "accuracy"]]
        left.caption("Loss and training accuracy (each over the latest 2 % of an epoch)")
        left.line_chart(curve, x_label="samples seen")
    if snap.epochs:
        right.caption("Test accuracy after each epoch")
        right.altair_chart(charts.epoch_chart(pd.DataFrame(snap.epochs)), width="stretch")


if job is not None:
    st.subheader("Training run")
    st.fragment(show_progress, run_every=0.5 if running else None)()
    snap = job.snapshot()
    if snap.error:
        st.error(snap.error)
    if snap.saved_name and st.session_state.get(ui.ACTIVATED) != snap.saved_name:
        st.session_state[ui.ACTIVATED] = snap.saved_name
        ui.set_active(snap.saved_name, job.dataset.name)
        st.rerun()
    rec = next((r for r in ui.records(job.dataset.name) if r.name == snap.saved_name), None)
    if snap.status in (JobStatus.DONE, JobStatus.STOPPED) and rec is not None:
        ev = ui.evaluation(rec)
        st.success(f"Saved as **{rec.name}** and made active{' (stopped early)' if snap.status == JobStatus.STOPPED else ''}.")
        m1, m2, m3 = st.columns(3)
        m1.metric("Test accuracy", f"{ev.accuracy:.2%}")
        m2.metric("Training time", f"{snap.result.history.train_seconds:.1f} s")
        m3.metric("Errors", f"{ev.n_errors:,} of {len(ev.y_true):,}")
        ui.per_label_and_confusion(rec, ev)

st.subheader("Saved models")
recs = ui.records(name)
if not recs:
    st.info(f"No saved model for {ui.LABELS[name]} yet.")
else:
    active = ui.active_record(name)
    st.dataframe(pd.DataFrame([{
        "active": "●" if active and r.name == active.name else "", "name": r.name, "model": r.meta.get("model"),
        "test accuracy": r.meta.get("test_accuracy"), "epochs": len(r.meta.get("history", [])),
        "augmented": "yes" if (r.meta.get("training") or {}).get("augment") else "",
        "trained": r.created, "seconds": r.meta.get("train_seconds"), "KiB": round(r.size_kib),
    } for r in recs]), hide_index=True, column_config={"test accuracy": st.column_config.NumberColumn(format="percent")})
    pick = st.selectbox("Model to manage", [r.name for r in recs], key="manage_pick")
    c1, c2, c3 = st.columns([1, 2, 1])
    c1.button("Make active", on_click=ui.set_active, args=(pick, name), key="make_active")
    new = c2.text_input("New name", key="rename_to", placeholder="new-name")
    if c2.button("Rename", key="rename") and new:
        with ui.errors_shown():
            ui.store().rename(pick, new)
            if active and active.name == pick:
                ui.set_active(new, name)
            st.rerun()
    sure = c3.checkbox("Really delete", key="delete_sure")
    if c3.button("Delete", key="delete", disabled=not sure):
        with ui.errors_shown():
            ui.store().delete(pick)
            st.rerun()
