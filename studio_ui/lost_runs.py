"""Runs a stopped server left behind (``kill -9``, a crash, a restart): the Train page
lists the workspace's interrupted runs (:meth:`JobManager.interrupted`), each with
what it was, the sentence that says what happened, "Start again" (the same settings,
the person's handwriting added again if it was) and "Dismiss"."""
from __future__ import annotations

from typing import Any

import streamlit as st

from mnist_core.training.run_records import RunRecord

from . import handwriting as hw
from . import session
from .lang import t
from .text import errors_shown, plain


def start_again(jobs: Any, workspace: str, record: RunRecord) -> None:
    """Queue the run again as it was recorded, then forget the record (a refusal -- a full
    workspace or class, a name taken meanwhile -- raises, and the record stays)."""
    ds = session.dataset(record.dataset)
    mine = hw.training_set(ds, record.handwriting["repeat"]) if record.handwriting else None
    jobs.submit(workspace, dataset=ds, store=session.store(), handwriting=mine, **record.settings())
    jobs.dismiss(workspace, record.id)


def _described(record: RunRecord) -> str:
    dataset = t(session.LABELS[record.dataset]) if record.dataset in session.LABELS else plain(record.dataset)
    what = t("{kind} on {dataset}", kind=record.kind, dataset=dataset)
    return t("{what}, named {name}", what=what, name=plain(record.name)) if record.name else what


def interrupted_runs(jobs: Any, workspace: str) -> None:
    """The workspace's interrupted runs, if any, each with Start again and Dismiss."""
    records = jobs.interrupted(workspace)
    if not records:
        return
    st.subheader(t("Interrupted runs"))
    for record in records:
        with st.container(border=True):
            st.warning(f"**{_described(record)}** · {t(record.message)}", icon=":material/history:")
            again = drop = st.container(horizontal=True)
            if again.button(t("Start again"), key=session.widget_key("lost_again", record.id), type="primary"):
                with errors_shown():
                    start_again(jobs, workspace, record)
                    st.rerun()  # the run's live panel, and this list without it
            if drop.button(t("Dismiss"), key=session.widget_key("lost_dismiss", record.id),
                           help=t("Forget this run without starting it again.")):
                jobs.dismiss(workspace, record.id)
                st.rerun()
