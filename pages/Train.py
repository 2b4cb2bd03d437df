"""Train: the form (every registered model), runs on the cluster's workers with live
progress, the workspace's saved models (make active, rename, delete, publish) and
the class gallery."""
import streamlit as st

import studio_ui as ui
from studio_ui import screen
from studio_ui import handwriting as hw
from mnist_core.config import TrainConfig, specs
from mnist_core.models import MODELS, recommended_training
from mnist_core.storage import publish

ui.start_page()
st.title("Train")
name, ds, workspace, jobs = ui.active_name(), ui.dataset(), ui.workspace(), ui.jobs()

kind = st.selectbox("Model", list(MODELS), format_func=lambda k: f"{k}: {MODELS[k].title}", key="train_kind")
recommended = recommended_training(kind, len(ds.x_train))
st.caption(f"**{MODELS[kind].title}.** {MODELS[kind].description}")
with st.form("train_form"):
    st.caption(f"Trains on {ui.LABELS[name]} ({len(ds.x_train):,} images) on a worker of the cluster; "
               "change the dataset on the Dataset page.")
    hyper = ui.hyperparameter_inputs(kind)
    training = ui.config_inputs([s for s in specs(TrainConfig) if s.name != "shuffle"], vars(recommended),
                                f"train_{kind}_{name}")
    add_mine, repeat = hw.train_inputs()
    start = st.form_submit_button("Start training", type="primary")
if start:  # only a click trains, never a plain rerun
    with ui.errors_shown(), st.spinner("Sending the run to a worker (the first run starts the workers)..."):
        jobs.submit(workspace, kind, ds, hyper, recommended.replace(**training), store=ui.store(),
                    handwriting=hw.training_set(ds, repeat) if add_mine else None)

ui.activate_finished_runs()
runs = jobs.jobs(workspace)[:3]
if runs:
    st.subheader("Runs")
    for job in runs:
        with st.container(border=True):
            ui.job_panel(job.id)
    latest = next((r for r in ui.own_records(runs[0].dataset) if r.name == runs[0].saved_name), None)
    if latest is not None and runs[0].status == "done":
        ev = ui.evaluation(latest)
        m1, m2, m3 = st.columns(3)
        m1.metric("Test accuracy", f"{ev.accuracy:.2%}")
        m2.metric("Training time", f"{latest.meta.get('train_seconds', 0):.1f} s")
        m3.metric("Errors", f"{ev.n_errors:,} of {len(ev.y_true):,}")
        ui.per_label_and_confusion(latest, ev)

if not screen.details():
    st.stop()  # presenter mode: the form and the runs only
st.subheader("Your saved models")
recs, active = ui.own_records(name), ui.active_record(name)
if not recs:
    st.info(f"No saved model for {ui.LABELS[name]} in this workspace yet.")
else:
    ui.model_table(recs, active)
    by_name = {r.name: r for r in recs}
    pick = st.selectbox("Model to manage", list(by_name), key="manage_pick")
    c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
    c1.button("Make active", on_click=ui.set_active, args=(by_name[pick], name), key="make_active")
    new = c2.text_input("New name", key="rename_to", placeholder="new-name")
    if c2.button("Rename", key="rename") and new:
        with ui.errors_shown():
            ui.store().rename(pick, new)
            if active is not None and active.key == by_name[pick].key:
                ui.set_active(next(r for r in ui.own_records(name) if r.name == new), name)
            st.rerun()
    if c3.button("Publish to class", key="publish", help="A read-only copy in the class gallery, with your "
                 "workspace's name: everyone can use it on Draw and Compare."):
        with ui.errors_shown():
            st.toast(ui.plain(f"Published as {publish(by_name[pick], workspace).name}."))
    sure = c4.checkbox("Really delete", key="delete_sure")
    if c4.button("Delete", key="delete", disabled=not sure):
        with ui.errors_shown():
            ui.store().delete(pick)
            st.rerun()

broken = ui.unreadable(ui.store())
if broken:
    st.subheader("Files that cannot be used")
    for r in broken:
        left, right = st.columns([5, 1])
        left.text(r.error)
        right.button("Delete", key=f"delete_broken_{r.name}", on_click=ui.store().delete, args=(r.name,))

shared = [r for r in ui.records(name) if r.shared]
if shared:
    st.subheader("Class gallery")
    st.caption("Models published by anyone in the class: read-only, usable on Draw and Compare.")
    ui.model_table(shared, active)
    by_key = {r.key: r for r in shared}
    pick = st.selectbox("Gallery model", list(by_key), format_func=lambda k: by_key[k].label, key="gallery_pick")
    st.button("Make active", on_click=ui.set_active, args=(by_key[pick], name), key="gallery_active")
