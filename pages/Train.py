"""Train: the form (every registered model; any setting can come from a link, see
studio_ui.links), runs on the cluster's workers with live progress, the ready
experiments, the workspace's saved models (make active, rename, delete, publish) and
the class gallery."""
import streamlit as st

import studio_ui as ui
from studio_ui import screen
from studio_ui import handwriting as hw
from studio_ui import links, session
from studio_ui.lang import num, pct, t
from mnist_core.models import MODELS, recommended_training
from mnist_core.storage import publish
from mnist_core.training import experiments

ui.start_page()
link = links.apply()  # a link's settings, once (?model=classic&hidden=50&hide=lr)
st.title(t("Train"))
links.warnings()
name, ds, workspace, jobs = ui.active_name(), ui.dataset(), ui.workspace(), ui.jobs()

hide = link.hide
if "model" in hide and link.kind in MODELS:
    kind = link.kind
else:
    shown = {k: f"{k}: {t(MODELS[k].title)}" for k in MODELS}  # in this run's language (a widget keeps its format_func)
    kind = st.selectbox(t("Model"), list(MODELS), format_func=shown.get, key=links.KIND_KEY)
recommended = recommended_training(kind, len(ds.x_train))
given = link.defaults(kind)  # the values of controls a link hides
st.caption(t("**{title}.** {description}", title=t(MODELS[kind].title), description=t(MODELS[kind].description)))
with st.form("train_form"):
    st.caption(t("Trains on {dataset} ({count} images) on a worker of the cluster; change the dataset on the "
                 "{page} page.", dataset=t(ui.LABELS[name]), count=num(len(ds.x_train)), page=t("Dataset")))
    run_name = given.get("name", "") if "name" in hide else st.text_input(
        t("Name (optional)"), key=links.NAME_KEY, max_chars=64,
        placeholder=t("automatic: e.g. {example}", example="classic h200 lr0.1 e5 · 3"),
        help=t("Your own name for the model this run saves: letters, digits, '.', '_' or '-', e.g. tiny-net. "
               "Left empty, the model is named for what it is (kind, main settings, epochs) and a number."))
    hyper = ui.hyperparameter_inputs(kind, given, hide)
    training = ui.config_inputs(links.TRAINING, {**vars(recommended), **given}, f"train_{kind}_{name}", hidden=hide)
    add_mine, repeat = hw.train_inputs(hide, given.get("handwriting", False), given.get("repeat", links.REPEAT_DEFAULT))
    with st.container(horizontal=True):
        start = st.form_submit_button(t("Start training"), type="primary")
        share = st.form_submit_button(t("Copy link"), icon=":material/link:",
                                      help=t("A link that opens this form with these settings, to bookmark or "
                                             "give to a class (each person trains in their own workspace)."))
current = links.settings(kind, name, len(ds.x_train), run_name.strip(), hyper, training, add_mine, repeat)
links.sync(current)  # the URL follows the form: a reload or a bookmark keeps its settings
if start:  # only a click trains, never a plain rerun
    with ui.errors_shown(), st.spinner(t("Sending the run to a worker (the first run starts the workers)...")):
        jobs.submit(workspace, kind, ds, hyper, recommended.replace(**training), store=ui.store(),
                    name=run_name.strip() or None, handwriting=hw.training_set(ds, repeat) if add_mine else None)
if share or link.sharing:
    link.sharing = True
    with st.container(border=True):
        options = links.hideable(kind)
        hidden = st.multiselect(t("Controls the link hides"), options, default=[n for n in options if n in hide],
                                key=f"link_hide_{kind}", help=t("Whoever opens the link sees the form without "
                                "these controls; they keep the link's values (or their defaults)."))
        st.caption(t("The link to the settings above (the button at its right copies it). It opens the {page} page "
                     "with them in each person's own workspace.", page=t("Train")))
        st.code(links.share_link(current, hidden), language=None, wrap_lines=True)

st.subheader(t("Ready experiments"))
st.caption(t("Each queues its runs on the workers, in your workspace, on {dataset}, and opens {page} on them when "
             "they have all finished. The runs are short: a few epochs on MNIST.", dataset=t(ui.LABELS[name]),
             page=t("Compare")))
for exp in experiments.EXPERIMENTS.values():
    left, right = st.columns([2, 5], vertical_alignment="center")
    if left.button(t(exp.title), key=f"experiment_{exp.key}", width="stretch"):
        with ui.errors_shown(), st.spinner(t("Sending the runs to the workers...")):
            queued = experiments.queue(jobs, workspace, exp, ds, ui.store())
            st.session_state[session.EXPERIMENT] = {"key": exp.key, "jobs": [j.id for j in queued], "dataset": name}
    plan = exp.plan(len(ds.x_train))
    epochs = sorted({c.epochs for k, _, c in plan if MODELS[k].iterative})
    right.caption(t("{question} {runs} runs of {epochs} epochs.", question=t(exp.question), runs=len(plan),
                    epochs="/".join(map(str, epochs))))
under_way = st.session_state.get(session.EXPERIMENT)
if under_way:
    exp, runs = experiments.EXPERIMENTS[under_way["key"]], [jobs.get(i) for i in under_way["jobs"]]
    if all(j is None or j.status.finished for j in runs):  # all ended: Compare, on exactly these
        del st.session_state[session.EXPERIMENT]
        st.session_state[session.COMPARE] = {"keys": [f"mine/{j.saved_name}" for j in runs if j and j.saved_name],
                                             "experiment": exp.key, "dataset": under_way["dataset"]}
        st.switch_page("pages/Compare.py")
    st.info(t("Experiment “{title}” under way: {page} opens on its {runs} runs when they have all finished.",
              title=t(exp.title), page=t("Compare"), runs=len(runs)), icon=":material/science:")

ui.activate_finished_runs()
runs = jobs.jobs(workspace)[:3]  # an experiment's three, or the latest
if runs:
    st.subheader(t("Runs"))
    for job in runs:
        with st.container(border=True):
            ui.job_panel(job.id)
    latest = next((r for r in ui.own_records(runs[0].dataset) if r.name == runs[0].saved_name), None)
    if latest is not None and runs[0].status == "done":
        ev = ui.evaluation(latest)
        m1, m2, m3 = st.columns(3)
        m1.metric(t("Test accuracy"), pct(ev.accuracy, 2))
        m2.metric(t("Training time"), t("{seconds} s", seconds=num(latest.meta.get("train_seconds", 0), 1)))
        m3.metric(t("Errors"), t("{errors} of {total}", errors=num(ev.n_errors), total=num(len(ev.y_true))))
        ui.per_label_and_confusion(latest, ev)

if not screen.details():
    st.stop()  # presenter mode: the form and the runs only
st.subheader(t("Your saved models"))
recs, active = ui.own_records(name), ui.active_record(name)
if not recs:
    st.info(t("No saved model for {dataset} in this workspace yet.", dataset=t(ui.LABELS[name])))
else:
    ui.model_table(recs, active)
    by_name = {r.name: r for r in recs}
    titles = {n: t(r.title) for n, r in by_name.items()}
    pick = st.selectbox(t("Model to manage"), list(by_name), format_func=titles.get, key="manage_pick")
    c1, c2, c3, c4 = st.columns([1, 2, 1, 1])
    c1.button(t("Make active"), on_click=ui.set_active, args=(by_name[pick], name), key="make_active")
    new = c2.text_input(t("New name"), key="rename_to", placeholder=t("new-name"))
    if c2.button(t("Rename"), key="rename") and new:
        with ui.errors_shown():
            ui.store().rename(pick, new)
            if active is not None and active.key == by_name[pick].key:
                ui.set_active(next(r for r in ui.own_records(name) if r.name == new), name)
            st.rerun()
    if c3.button(t("Publish to class"), key="publish", help=t(
            "A read-only copy in the class gallery, with your workspace's name: everyone can use it on {draw} and "
            "{compare}.", draw=t("Draw"), compare=t("Compare"))):
        with ui.errors_shown():
            st.toast(ui.plain(t("Published as {name}.", name=publish(by_name[pick], workspace).name)))
    sure = c4.checkbox(t("Really delete"), key="delete_sure")
    if c4.button(t("Delete"), key="delete", disabled=not sure):
        with ui.errors_shown():
            ui.store().delete(pick)
            st.rerun()

broken = ui.unreadable(ui.store())
if broken:
    st.subheader(t("Files that cannot be used"))
    for r in broken:
        left, right = st.columns([5, 1])
        left.text(t(r.error))
        right.button(t("Delete"), key=f"delete_broken_{r.name}", on_click=ui.store().delete, args=(r.name,))

shared = [r for r in ui.records(name) if r.shared]
if shared:
    st.subheader(t("Class gallery"))
    st.caption(t("Models published by anyone in the class: read-only, usable on {draw} and {compare}.",
                 draw=t("Draw"), compare=t("Compare")))
    ui.model_table(shared, active)
    by_key = {r.key: r for r in shared}
    labels = {k: t(r.label) for k, r in by_key.items()}
    pick = st.selectbox(t("Gallery model"), list(by_key), format_func=labels.get, key="gallery_pick")
    st.button(t("Make active"), on_click=ui.set_active, args=(by_key[pick], name), key="gallery_active")
