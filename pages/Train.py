"""Train: the form (every registered model; any setting can come from a link, see
studio_ui.links), runs on the cluster's workers with live progress, the ready
experiments, the workspace's saved models (make active, rename, delete, publish) and
the class gallery."""
import streamlit as st

import studio_ui as ui
from studio_ui import handwriting as hw
from studio_ui import links, lost_runs, screen, session, train
from studio_ui.lang import num, t
from mnist_core.models import MODELS, recommended_training

ui.start_page(activate_runs=True)  # a finished run active before the sidebar names it
link = links.apply()  # a link's settings, once (?model=classic&hidden=50&hide=lr)
st.title(t("Train"))
links.warnings()
name, ds, workspace, jobs = ui.active_name(), ui.dataset(), ui.workspace(), ui.jobs()

hide = link.hide
if "model" in hide and link.kind in MODELS:
    kind = link.kind
else:
    kind = st.selectbox(t("Model"), list(MODELS), format_func=lambda k: f"{k}: {t(MODELS[k].title)}",
                        key=session.TRAIN_KIND)
recommended = recommended_training(kind, len(ds.x_train))
given = link.defaults(kind)  # the values of controls a link hides
st.caption(t("**{title}.** {description}", title=t(MODELS[kind].title), description=t(MODELS[kind].description)))
with st.form("train_form"):
    st.caption(t("Trains on {dataset} ({count} images) on a worker of the cluster; change the dataset on the "
                 "{page} page.", dataset=t(ui.LABELS[name]), count=num(len(ds.x_train)), page=t("Dataset")))
    run_name = given.get("name", "") if "name" in hide else st.text_input(
        t("Name (optional)"), key=session.TRAIN_NAME, max_chars=64,
        placeholder=t("automatic: e.g. {example}", example="classic h200 lr0.1 e5 · 3"),
        help=t("Your own name for the model this run saves: letters, digits, '.', '_' or '-', e.g. tiny-net. "
               "Left empty, the model is named for what it is (kind, main settings, epochs) and a number."))
    hyper = ui.hyperparameter_inputs(kind, given, hide)
    training = ui.config_inputs(links.TRAINING, {**vars(recommended), **given}, (session.TRAINING, kind, name), hidden=hide)
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
    train.share_panel(kind, current, hide)
lost_runs.interrupted_runs(jobs, workspace)  # runs a stopped server left behind
train.experiments_panel(name, ds, workspace, jobs)
train.latest_runs(jobs, workspace)
if not screen.details():
    st.stop()  # presenter mode: the form and the runs only
train.saved_models(name, workspace)
train.gallery(name, workspace)
