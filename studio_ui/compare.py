"""The Compare page's tables: the summary of the models compared (the numbers, then how
each was trained) and which test images one model gets right and another wrong."""
from __future__ import annotations

import streamlit as st

from mnist_core.analysis import Entry, charts, comparison
from mnist_core.errors import MnistError, sentence
from mnist_core.i18n import translate

from .lang import lang, num, t, titles
from .text import plain


def summary_tables(entries: list[Entry]) -> None:
    """Two narrow tables (a narrow window fits them, one wide one it did not): the numbers, then the training."""
    summary = comparison.summary_table(entries)
    st.dataframe(summary[["model", "test accuracy", "train seconds", "parameters", "KiB"]],
                 column_config={
                     "_index": st.column_config.Column(t("name")), "model": st.column_config.Column(t("model")),
                     "test accuracy": st.column_config.NumberColumn(t("accuracy"), format="percent"),
                     "train seconds": st.column_config.NumberColumn(t("seconds"), format="%.1f",
                                                                    help=t("Training time in seconds")),
                     "parameters": st.column_config.NumberColumn(t("params"), format="localized",
                                                                 help=t("Number of weights and biases")),
                     "KiB": st.column_config.NumberColumn(format="%.0f", help=t("Size of the model file"))})
    how = summary[["training", "hyperparameters"]].assign(  # a table keeps no i18n.Text: translated from the entries
        training=[t(text) if (text := comparison.training_text(e.meta)) else text for e in entries])
    st.table(how.rename(columns=titles("training", "hyperparameters"))
             .rename_axis(index=t("name")))  # text that wraps


def right_wrong(entries: list[Entry]) -> None:
    """For each pair of models, how many test images the one gets right and the other wrong."""
    n_test = len(entries[0].evaluation.y_true)
    try:
        matrix = comparison.right_wrong_matrix(entries)
    except MnistError as err:
        st.warning(plain(sentence(err, lang())))
    else:
        st.text(translate(comparison.pair_sentence(matrix), lang()))
        st.caption(t("How many of the {count} test images the row's model gets right and the column's "
                     "model gets wrong. A large gap between the two sides of a pair: one model is clearly better "
                     "there; large counts on both sides: the models make different mistakes.", count=num(n_test)))
        st.altair_chart(charts.right_wrong_chart(matrix, titles=titles(
            "right", "wrong", "count", here="right here", there="wrong there")), width="stretch")
        with st.expander(t("As a table")):
            st.dataframe(matrix.rename_axis(index=t("right here"), columns=t("wrong there")))
