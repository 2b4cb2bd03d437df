"""The Train page's sections below its form: the link to share, the ready experiments,
the latest runs, the workspace's saved models (make active, rename, publish, delete),
files that cannot be used, and the class gallery."""
from __future__ import annotations

from typing import Any

import streamlit as st

from mnist_core.data import Dataset
from mnist_core.models import MODELS
from mnist_core.storage import publish
from mnist_core.storage.publishing import is_publisher, unpublish
from mnist_core.training import experiments

from . import cache, links, screen, session
from .lang import name as shown_name
from .lang import num, pct, t
from .results import model_table, per_label_and_confusion
from .runs import job_panel
from .text import errors_shown, plain


def share_panel(kind: str, current: dict[str, Any], hide: set[str]) -> None:
    """The link to the form's settings, and which controls it hides."""
    with st.container(border=True):
        options = links.hideable(kind)
        hidden = st.multiselect(t("Controls the link hides"), options, default=[n for n in options if n in hide],
                                key=session.widget_key("link_hide", kind), help=t("Whoever opens the link sees the form without "
                                "these controls; they keep the link's values (or their defaults)."))
        st.caption(t("The link to the settings above (the button at its right copies it). It opens the {page} page "
                     "with them in each person's own workspace.", page=t("Train")))
        st.code(links.share_link(current, hidden), language=None, wrap_lines=True)


def experiments_panel(name: str, ds: Dataset, workspace: str, jobs: Any) -> None:
    """The ready experiments, each a button; when one's runs have all ended, Compare on them."""
    st.subheader(t("Ready experiments"))
    st.caption(t("Each queues its runs on the workers, in your workspace, on {dataset}, and opens {page} on them when "
                 "they have all finished. The runs are short: a few epochs on MNIST.", dataset=t(session.LABELS[name]),
                 page=t("Compare")))
    for exp in experiments.EXPERIMENTS.values():
        left, right = screen.columns([2, 5], key=session.widget_key("experiment", exp.key), vertical_alignment="center")
        if left.button(t(exp.title), key=session.widget_key("experiment", exp.key), width="stretch"):
            with errors_shown(), st.spinner(t("Sending the runs to the workers...")):
                queued = experiments.queue(jobs, workspace, exp, ds, session.store())
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


def latest_runs(jobs: Any, workspace: str) -> None:
    """The workspace's latest runs, live, and the newest finished one's results."""
    runs = jobs.jobs(workspace)[:3]  # an experiment's three, or the latest
    if runs:
        st.subheader(t("Runs"))
        for job in runs:
            with st.container(border=True):
                job_panel(job.id)
        latest = next((r for r in session.own_records(runs[0].dataset) if r.name == runs[0].saved_name), None)
        if latest is not None and runs[0].status == "done":
            ev = cache.evaluation(latest)
            m1, m2, m3 = screen.columns(3, key="latest_run")
            m1.metric(t("Test accuracy"), pct(ev.accuracy, 2))
            m2.metric(t("Training time"), t("{seconds} s", seconds=num(latest.meta.get("train_seconds", 0), 1)))
            m3.metric(t("Errors"), t("{errors} of {total}", errors=num(ev.n_errors), total=num(len(ev.y_true))))
            per_label_and_confusion(latest, ev)


def saved_models(name: str, workspace: str) -> None:
    """The workspace's models to manage, and its files that cannot be used."""
    st.subheader(t("Your saved models"))
    recs, active = session.own_records(name), session.active_record(name)
    if not recs:
        st.info(t("No saved model for {dataset} in this workspace yet.", dataset=t(session.LABELS[name])))
    else:
        model_table(recs, active)
        by_name = {r.name: r for r in recs}
        labels = session.model_labels(name)  # never the same as another model's, the studio's included
        titles = {n: shown_name(labels.get(r.key, r.label)) for n, r in by_name.items()}
        pick = st.selectbox(t("Model to manage"), list(by_name), format_func=titles.get, key="manage_pick")
        c1, c2, c3, c4 = screen.columns([1, 2, 1, 1], key="manage")
        c1.button(t("Make active"), on_click=session.set_active, args=(by_name[pick], name), key="make_active")
        new = c2.text_input(t("New name"), key="rename_to", placeholder=t("new-name"))
        if c2.button(t("Rename"), key="rename") and new:
            with errors_shown():
                session.store().rename(pick, new)
                if active is not None and active.key == by_name[pick].key:
                    session.set_active(next(r for r in session.own_records(name) if r.name == new), name)
                st.rerun()
        if c3.button(t("Publish to class"), key="publish", help=t(
                "A read-only copy in the class gallery, with your workspace's name: everyone can use it on {draw} and "
                "{compare}.", draw=t("Draw"), compare=t("Compare"))):
            with errors_shown():  # nobody's active model changes, not even this session's
                copy = publish(by_name[pick], workspace)
                st.toast(plain(t("Published to the class gallery as {title} (by {name}).", title=shown_name(copy.title),
                                 name=shown_name(copy.meta.get("published_by", "")))))
        sure = c4.checkbox(t("Really delete"), key="delete_sure")
        if c4.button(t("Delete"), key="delete", disabled=not sure):
            with errors_shown():
                session.store().delete(pick)
                st.rerun()

    broken = cache.unreadable(session.store())
    if broken:
        st.subheader(t("Files that cannot be used"))
        for r in broken:
            left, right = screen.columns([5, 1], key=session.widget_key("broken", r.name))
            left.text(t(r.error))
            right.button(t("Delete"), key=session.widget_key("delete_broken", r.name), on_click=session.store().delete, args=(r.name,))


def gallery(name: str, workspace: str) -> None:
    """The models anyone in the class published; the publisher may unpublish theirs."""
    active = session.active_record(name)
    shared = [r for r in session.records(name) if r.shared]
    if shared:
        st.subheader(t("Class gallery"))
        st.caption(t("Models published by anyone in the class: read-only, usable on {draw} and {compare}.",
                     draw=t("Draw"), compare=t("Compare")))
        model_table(shared, active)
        by_key, labels = {r.key: r for r in shared}, session.model_labels(name)
        shown = {k: shown_name(labels.get(k, r.label)) for k, r in by_key.items()}
        pick = st.selectbox(t("Gallery model"), list(by_key), format_func=shown.get, key="gallery_pick")
        left, right = screen.columns([1, 1], key="gallery_actions")
        left.button(t("Make active"), on_click=session.set_active, args=(by_key[pick], name), key="gallery_active")
        if is_publisher(by_key[pick], workspace) and right.button(t("Unpublish"), key="gallery_unpublish", help=t(
                "Takes your copy out of the gallery; your own model stays in your workspace.")):
            with errors_shown():
                unpublish(by_key[pick], workspace)
                st.rerun()
