"""Compare (URL /Compare): saved models of the active dataset side by side; opened by
a ready experiment (Train) on exactly its models."""
from dataclasses import replace

import streamlit as st

import studio_ui as ui
from studio_ui import session
from mnist_core.analysis import charts, comparison
from mnist_core.errors import MnistError
from mnist_core.storage.store import distinct_titles
from mnist_core.training.experiments import EXPERIMENTS

ui.start_page()
st.title("Compare")
name = ui.active_name()
recs = ui.records(name)
asked = st.session_state.pop(session.COMPARE, None)  # from an experiment that just finished
if asked:
    exp = EXPERIMENTS.get(asked.get("experiment"))
    found = [k for k in asked["keys"] if k in {r.key for r in recs}][:6]
    if exp is not None:
        st.info(f"**{exp.title}.** {exp.question}", icon=":material/science:")
    if len(found) < len(asked["keys"]) or len(found) < 2:
        st.warning(f"Only {len(found)} of the experiment's runs saved a model of {ui.LABELS[name]}.")
    if found:
        st.session_state["compare_pick"] = found
if len(recs) < 2:
    have = "one saved model" if recs else "no saved model"
    st.info(f"Comparing needs at least two saved models of {ui.LABELS[name]}; there is {have} yet. "
            "Train another model on the Train page (a different kind, size or number of epochs).")
    st.page_link("pages/Train.py", label="Train a model", icon=":material/model_training:")
    st.stop()

by_key = {r.key: r for r in recs}  # yours newest first, then the gallery's
picked = st.multiselect("Models to compare (yours, then the class gallery's; up to 6)", list(by_key),
                        default=None if "compare_pick" in st.session_state else list(by_key)[:6],
                        max_selections=6, key="compare_pick",
                        format_func=lambda k: f"{by_key[k].label} ({by_key[k].meta.get('test_accuracy') or 0:.1%})")
if len(picked) < 2:
    st.info("Pick at least two models.")
    st.stop()
chosen = [by_key[k] for k in picked]
entries = [replace(e, name=n) for e, n in zip(ui.comparison_entries(chosen), distinct_titles(chosen))]  # short names
order = [e.name for e in entries]
n_test = len(entries[0].evaluation.y_true)

st.subheader("Summary")
summary = comparison.summary_table(entries)
# the numbers, then how each was trained: two narrow tables fit a narrow window, one wide one did not
st.dataframe(summary[["model", "test accuracy", "train seconds", "parameters", "KiB"]],
             column_config={
                 "test accuracy": st.column_config.NumberColumn("accuracy", format="percent"),
                 "train seconds": st.column_config.NumberColumn("seconds", format="%.1f",
                                                                help="Training time in seconds"),
                 "parameters": st.column_config.NumberColumn("params", format="localized",
                                                             help="Number of weights and biases"),
                 "KiB": st.column_config.NumberColumn(format="%.0f", help="Size of the model file")})
st.table(summary[["training", "hyperparameters"]])  # text that wraps

st.subheader("Learning curves")
curves = comparison.learning_curves(entries)
if curves.empty:
    st.caption("None of these models saved a per-epoch history.")
else:
    st.caption("Test accuracy after each epoch (models fitted in one go show a single point).")
    st.altair_chart(charts.epoch_chart(curves, color="model", height=320, order=order), width="stretch")

st.subheader("Per label")
per_label = comparison.per_label_accuracy(entries)
floor = max(0.0, int((float(per_label.min().min()) - 0.02) * 100) / 100)  # a whole percent
st.altair_chart(charts.per_label_chart(per_label, order, floor), width="stretch")
st.caption(f"Accuracy on each label's test images; the axis starts at {floor:.0%} so the differences show. "
           "The best model for each label is highlighted in the table.")
st.dataframe(per_label.style.format("{:.2%}").highlight_max(axis=1, color="#2e7d3240"))

st.subheader("Right here, wrong there")
try:
    matrix = comparison.right_wrong_matrix(entries)
except MnistError as err:
    st.warning(ui.plain(err))
else:
    st.text(comparison.pair_sentence(matrix))
    st.caption(f"How many of the {n_test:,} test images the row's model gets right and the column's "
               "model gets wrong. A large gap between the two sides of a pair: one model is clearly better "
               "there; large counts on both sides: the models make different mistakes.")
    st.altair_chart(charts.right_wrong_chart(matrix), width="stretch")
    with st.expander("As a table"):
        st.dataframe(matrix)
