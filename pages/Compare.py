"""Compare (URL /Compare): saved models of the active dataset side by side; opened by
a ready experiment (Train) on exactly its models."""
from dataclasses import replace

import streamlit as st

import studio_ui as ui
from studio_ui import compare, session
from studio_ui.lang import name, num, pct, t, titles, tn
from studio_ui.runs import epoch_titles
from mnist_core.analysis import charts, comparison
from mnist_core.storage.store import distinct_titles
from mnist_core.training.experiments import EXPERIMENTS

ui.start_page()
st.title(t("Compare"))
dataset = ui.active_name()
recs = ui.records(dataset)
asked = st.session_state.pop(session.COMPARE, None)  # from an experiment that just finished
if asked:
    exp = EXPERIMENTS.get(asked.get("experiment"))
    found = [k for k in asked["keys"] if k in {r.key for r in recs}][:6]
    if exp is not None:
        st.info(t("**{title}.** {question}", title=t(exp.title), question=t(exp.question)), icon=":material/science:")
    if len(found) < len(asked["keys"]) or len(found) < 2:
        st.warning(t("Only {count} of the experiment's runs saved a model of {dataset}.", count=num(len(found)),
                     dataset=t(ui.LABELS[dataset])))
    if found:
        st.session_state[session.COMPARE_PICK] = found
if len(recs) < 2:
    st.info(tn("Comparing needs at least two saved models of {dataset}; there is {count} saved model yet. Train "
               "another model on the {page} page (a different kind, size or number of epochs).",
               "Comparing needs at least two saved models of {dataset}; there are {count} saved models yet. Train "
               "another model on the {page} page (a different kind, size or number of epochs).", len(recs),
               dataset=t(ui.LABELS[dataset]), page=t("Train")))
    st.page_link("pages/Train.py", label=t("Train a model"), icon=":material/model_training:")
    st.stop()

by_key = {r.key: r for r in recs}  # yours newest first, then the gallery's
labels = session.model_labels(dataset)
shown = {k: f"{name(labels.get(k, r.label))} ({pct(r.meta.get('test_accuracy') or 0)})" for k, r in by_key.items()}  # as given
picked = st.multiselect(t("Models to compare (yours, then the class gallery's; up to 6)"), list(by_key),
                        default=None if session.COMPARE_PICK in st.session_state else list(by_key)[:6],
                        max_selections=6, key=session.COMPARE_PICK, format_func=shown.get)
if len(picked) < 2:
    st.info(t("Pick at least two models."))
    st.stop()
chosen = [by_key[k] for k in picked if session.usable(by_key[k], weights=False)]  # one that cannot be: said, skipped
if len(chosen) < 2:
    st.info(t("Pick at least two models."))
    st.stop()
entries = [replace(e, name=name(n)) for e, n in zip(ui.comparison_entries(chosen), distinct_titles(chosen))]  # short
order = [e.name for e in entries]

st.subheader(t("Summary"))
compare.summary_tables(entries)

st.subheader(t("Learning curves"))
curves = comparison.learning_curves(entries)
if curves.empty:
    st.caption(t("None of these models saved a per-epoch history."))
else:
    st.caption(t("Test accuracy after each epoch (models fitted in one go show a single point)."))
    st.altair_chart(charts.epoch_chart(curves, color="model", height=320, order=order, titles=epoch_titles()),
                    width="stretch")

st.subheader(t("Per label"))
per_label = comparison.per_label_accuracy(entries)
floor = max(0.0, int((float(per_label.min().min()) - 0.02) * 100) / 100)  # a whole percent
st.altair_chart(charts.per_label_chart(per_label, order, floor, titles=titles("label", "accuracy", "model")),
                width="stretch")
st.caption(t("Accuracy on each label's test images; the axis starts at {floor} so the differences show. "
             "The best model for each label is highlighted in the table.", floor=pct(floor, 0)))
st.dataframe(per_label.rename_axis(index=t("label")).style.format("{:.2%}").highlight_max(axis=1, color="#2e7d3240"))

st.subheader(t("Right here, wrong there"))
compare.right_wrong(entries)
