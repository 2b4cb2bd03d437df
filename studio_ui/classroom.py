"""The teacher's Class page (``/Class``): the teacher key, every workspace with its runs
and models, the class gallery (Unpublish, Make class default), the leaderboard, the
class's handwriting and Reset the class (asked twice).

Only a :class:`mnist_core.storage.teacher.Teacher` opens the page's sections: made here
from the key typed into "Teacher key" (checked in constant time against
``MNIST_STUDIO_TEACHER_KEY`` or ``[teacher] key`` in Streamlit's secrets) or from a
signed-in user's e-mail, and kept in this session only.  No workspace's key is shown.
"""
from __future__ import annotations

import pandas as pd
import streamlit as st

from mnist_core.errors import MnistError, sentence
from mnist_core.storage import ModelRecord, gallery
from mnist_core.storage.classroom import ClassHandwriting, WorkspaceView, class_overview, leaderboard, reset_class  # noqa: F401
from mnist_core.storage.publishing import (class_default, clear_class_default, is_studio, label_of,
                                           make_class_default, unpublish)
from mnist_core.storage.teacher import Teacher, as_teacher, teacher_by_email, teacher_configured
from mnist_core.storage.workspaces import is_key

from . import cache, screen, session
from .lang import lang, name, num, t, titles, tn
from .text import errors_shown, plain

RESET_ASKED = "class_reset_asked"  # the teacher clicked "Reset the class" once: ask again


def _secret() -> str | None:
    """``[teacher] key`` in Streamlit's secrets, if the app has one."""
    try:
        value = st.secrets["teacher"]["key"]
    except Exception:  # noqa: BLE001 -- no secrets file, or no [teacher] section
        return None
    return str(value)


def teacher() -> Teacher | None:
    """The teacher, if this session proved it (the key, or a signed-in teacher's e-mail)."""
    if session.sign_in_configured() and st.user.is_logged_in:
        found = teacher_by_email(st.user.get("email"))
        if found is not None:
            return found
    found = st.session_state.get(session.TEACHER)
    return found if isinstance(found, Teacher) else None


def sign_in() -> Teacher | None:
    """The teacher, or the field to type the key into (or how to set one, when none is set)."""
    found = teacher()
    if found is not None:
        return found
    if not teacher_configured(_secret()):
        st.info(t("No teacher key is set on this server. To set one, start the app with the environment variable "
                  "MNIST_STUDIO_TEACHER_KEY (at least 8 characters), or put it in .streamlit/secrets.toml:"))
        st.code('[teacher]\nkey = "..."', language="toml")
        st.caption(t("Then restart the app and type the key here."))
        return None
    with st.form("teacher_sign_in"):
        given = st.text_input(t("Teacher key"), type="password", key="teacher_key")
        if st.form_submit_button(t("Open the class"), type="primary"):
            try:
                st.session_state[session.TEACHER] = as_teacher(given, _secret())
                st.rerun()
            except MnistError as err:
                st.error(plain(sentence(err, lang())))
    return None


def _status(job) -> str:
    return t(str(job.status))


def _name(view: WorkspaceView) -> str:
    """A workspace's display name; "?" for a folder in a key's form with no record (a run
    stopped by a reset saved into it): its folder name is a key, never shown."""
    ws = view.workspace
    return "?" if ws.legacy and is_key(ws.key) else ws.name


def workspaces_panel(by: Teacher) -> None:
    """Every workspace by display name, with its runs (a Stop button per run under way) and models."""
    jobs = session.jobs()
    views: list[WorkspaceView] = class_overview(by, runs_of=jobs.jobs)
    st.subheader(t("Workspaces"))
    if not views:
        st.info(t("No workspace yet: a pupil's appears once it holds something (a run, a model, a saved drawing)."))
        return
    st.dataframe(pd.DataFrame([{
        t("workspace"): _name(v), t("models"): len(v.models),
        t("queued"): sum(j.status == "queued" for j in v.runs), t("running"): sum(j.status == "running" for j in v.runs),
        t("done"): sum(j.status.finished for j in v.runs), t("shared drawings"): v.shared_drawings,
    } for v in views]), hide_index=True)
    for i, v in enumerate(views):
        with st.expander(f"{_name(v)} · " + tn("{count} model", "{count} models", len(v.models))):
            for job in v.runs:
                left, right = screen.columns([4, 1], key=session.widget_key("class_run", job.id))
                left.text(f"{job.name or job.saved_name or job.kind} · {job.kind} · {job.dataset} · {_status(job)}")
                if not job.status.finished:
                    right.button(t("Stop"), key=session.widget_key("class_stop", job.id), on_click=jobs.stop,
                                 args=(job.id, "asked"))
            if v.models:
                shown = label_of(v.models)
                st.dataframe(pd.DataFrame([{t("name"): name(shown[r.key]), t("model"): r.meta.get("model"),
                                            t("dataset"): r.meta.get("dataset"),
                                            t("test accuracy"): r.meta.get("test_accuracy"),
                                            t("status"): t(str(r.meta.get("status", "done")))} for r in v.models]),
                             hide_index=True, key=session.widget_key("class_models", i))
            elif not v.runs:
                st.caption(t("Nothing trained yet."))


def gallery_panel(by: Teacher, dataset: str) -> list[ModelRecord]:
    """The class gallery of ``dataset`` with Unpublish and Make class default; its records."""
    st.subheader(t("Class gallery"))
    records = [r for r in gallery().list(dataset) if r.error is None]
    default = class_default(dataset, records)
    labels = label_of(records)
    st.caption(t("A new session's model is {model}.", model=plain(name(labels[default.key]))) if default else
               t("A new session's model is the studio's own (no class default chosen)."))
    if not records:
        st.info(t("Nothing published yet."))
        return records
    by_key = {r.key: r for r in records}
    pick = st.selectbox(t("Gallery model"), list(by_key), format_func=lambda k: name(labels[k]), key="class_pick")
    a, b, c = screen.columns(3, key="class_gallery")
    if a.button(t("Unpublish"), key="class_unpublish", disabled=is_studio(by_key[pick])):
        with errors_shown():
            unpublish(by_key[pick], by)
            st.session_state[session.TOAST] = t("Unpublished {model}.", model=name(labels[pick]))
            st.rerun()
    if b.button(t("Make class default"), key="class_default"):
        with errors_shown():
            make_class_default(by_key[pick], by)
            st.session_state[session.TOAST] = t("{model} is now every new session's model.", model=name(labels[pick]))
            st.rerun()
    if default is not None and c.button(t("Back to the studio's model"), key="class_default_clear"):
        clear_class_default(dataset, by)
        st.rerun()
    return records


def leaderboard_panel(records: list[ModelRecord], pool: ClassHandwriting) -> None:
    """The gallery's models, best test accuracy first, scored on the class's handwriting too."""
    st.subheader(t("Leaderboard"))
    stamp = (tuple((str(r.path), cache.mtime(r)) for r in records), tuple((d.id, d.label) for d in pool.drawings))
    entries = _scored(stamp, records, pool)
    if not entries:
        st.info(t("Nothing published yet."))
        return
    shown = titles("model", "kind", test_accuracy="test accuracy", handwriting="on the class's handwriting",
                   seconds="training time (s)", parameters="parameters", error="error")
    st.dataframe(pd.DataFrame([{"model": name(e.label), "kind": e.record.meta.get("model"),
                                "test_accuracy": e.test_accuracy, "handwriting": e.handwriting_accuracy,
                                "seconds": e.train_seconds, "parameters": e.n_parameters, "error": e.error or ""}
                               for e in entries]), hide_index=True, column_config={
        **shown, "test_accuracy": st.column_config.NumberColumn(shown["test_accuracy"], format="percent"),
        "handwriting": st.column_config.NumberColumn(shown["handwriting"], format="percent")})


@st.cache_resource(max_entries=4, show_spinner=False)
def _scored(stamp: tuple, _records: list[ModelRecord], _pool: ClassHandwriting) -> list:
    """The leaderboard, scored again only when a model or a shared drawing changed
    (scoring loads every gallery model: a rerun of the page should not)."""
    return leaderboard(_records, _pool)


def handwriting_panel(pool: ClassHandwriting) -> None:
    """The pooled drawings pupils shared: how many from whom, and a look at them."""
    st.subheader(t("The class's handwriting"))
    if not len(pool):
        st.info(t("No shared drawings yet: pupils tick \"share with the class\" under Save as my ... on {page}.",
                  page=t("Draw")))
        return
    st.caption(tn("{count} drawing shared by the class; the leaderboard scores every gallery model on them.",
                  "{count} drawings shared by the class; the leaderboard scores every gallery model on them.",
                  len(pool)))
    st.dataframe(pd.DataFrame([{t("workspace"): who, t("drawings"): n} for who, n in pool.contributors().items()]),
                 hide_index=True)
    st.image([d.image for d in pool.drawings[-40:]], width=48, caption=[str(d.label) for d in pool.drawings[-40:]])


def reset_panel(by: Teacher, views_runs) -> None:
    """Reset the class, asked twice: every workspace and published model go (the studio's stay)."""
    st.subheader(t("Reset the class"))
    st.caption(t("Removes every workspace (models, drawings) and every published model; the studio's own models "
                 "stay. Runs under way are stopped."))
    if not st.session_state.get(RESET_ASKED):
        st.button(t("Reset the class"), key="class_reset", on_click=st.session_state.__setitem__,
                  args=(RESET_ASKED, True))
        return
    st.warning(t("Really reset the class? This cannot be undone."))
    yes, no = screen.columns(2, key="class_reset_confirm")
    if yes.button(t("Yes, reset the class"), key="class_reset_yes", type="primary"):
        st.session_state.pop(RESET_ASKED, None)
        with errors_shown():
            for job in views_runs():
                session.jobs().stop(job.id, "asked")
            gone = reset_class(by)
            st.session_state[session.TOAST] = t("The class was reset: {workspaces} workspaces and {models} "
                                                "published models removed.", workspaces=num(gone["workspaces"]),
                                                models=num(gone["models"]))
            st.rerun()
    no.button(t("Cancel"), key="class_reset_no", on_click=lambda: st.session_state.pop(RESET_ASKED, None))
