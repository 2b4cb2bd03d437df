"""Mistakes: where the active model goes wrong on the test set.  Click a cell of the
confusion matrix to see its images (a diagonal cell: the right answers, least confident
first), narrow them by confidence, page through all of them, click one to inspect it."""
import streamlit as st

import studio_ui as ui
from mnist_core.i18n import N_
from studio_ui import screen, session
from studio_ui.lang import name, num, pct, t, titles, translated
from studio_ui.results import confusion_titles, probability_titles
from mnist_core.analysis import charts, plots
from mnist_core.analysis.evaluation import page_of

ui.start_page()
st.title(t("Mistakes"))
rec = ui.ensure_model()
ds, ev = ui.dataset(), ui.evaluation(rec)
st.caption(t("Model {model} on the {count} test images of {dataset}.", model=ui.plain(name(session.label(rec))),
             count=num(len(ev.y_true)), dataset=ui.plain(t(ui.LABELS[ui.active_name()]))))
c1, c2, c3 = screen.columns(3, key="mistakes_counts")
c1.metric(t("Errors"), num(ev.n_errors))
c2.metric(t("Error rate"), pct(ev.n_errors / max(len(ev.y_true), 1), 2))
c3.metric(t("Accuracy"), pct(ev.accuracy, 2))

left, right = screen.columns([3, 2], key="mistakes_matrix")
with left:
    st.subheader(t("Confusion matrix"))
    st.caption(t("Rows: the true label; columns: what the model answered. Click a cell for its images."))
    event = st.altair_chart(charts.confusion_chart(ev.confusion(), titles=confusion_titles()), on_select="rerun",
                            key=session.CONFUSION_PICK, width="stretch")
    picked = (event.get("selection") or {}).get("cell") or []
with right:
    st.subheader(t("Which images"))
    ANY = N_("any")
    true = st.selectbox(t("True label"), [ANY, *range(10)], format_func=translated, key="mistake_true")
    pred = st.selectbox(t("Predicted label"), [ANY, *range(10)], format_func=translated, key="mistake_pred")
    if picked:  # a clicked cell decides
        true, pred = int(picked[0]["true"]), int(picked[0]["predicted"])
        st.caption(t("Cell: true {true}, predicted {predicted} (double-click the matrix to clear).",
                     true=true, predicted=pred))
    low, high = st.slider(t("Confidence"), 0.0, 1.0, (0.0, 1.0), 0.05, key="mistake_conf")
    diagonal = true != ANY and true == pred
    order = st.radio(t("Order"), [N_("least confident first"), N_("most confident first")], format_func=translated,
                     horizontal=True, index=0 if diagonal else 1, key=session.widget_key("mistake_order", diagonal))
chosen = ev.select(None if true == ANY else int(true), None if pred == ANY else int(pred), low, high,
                   order == "most confident first")
shown, pages = page_of(chosen, st.session_state.get(session.MISTAKE_PAGE, 1), 24)
page = min(st.session_state.get(session.MISTAKE_PAGE, 1), pages)
st.caption(t("{count} images read right match; page {page} of {pages}.", count=num(len(chosen)), page=page, pages=pages)
           if diagonal else
           t("{count} images misread match; page {page} of {pages}.", count=num(len(chosen)), page=page, pages=pages))
if chosen.empty:
    st.info(t("No image matches these filters."))
else:
    st.number_input(t("Page"), 1, pages, key=session.MISTAKE_PAGE, label_visibility="collapsed")
    table = shown.assign(image=[plots.data_url(ds.x_test[i], 56, ds.pixel_max) for i in shown["index"]])
    rows = st.dataframe(table[["image", "index", "true", "predicted", "confidence"]], hide_index=True,
                        on_select="rerun", selection_mode="single-row", key="mistake_rows", row_height=60,
                        column_config={**titles("index", "true", "predicted"),
                                       "image": st.column_config.ImageColumn(t("image")),
                                       "confidence": st.column_config.NumberColumn(t("confidence"), format="percent")})
    selected = [r for r in rows.selection.rows if r < len(shown)]  # a row of an earlier, longer list: ignored
    pick = int(shown["index"].iloc[selected[0]] if selected else shown["index"].iloc[0])
    a, b = screen.columns([1, 2], key="mistakes_image")
    a.image(plots.upscale(ds.x_test[pick], 224, ds.pixel_max), width=224,
            caption=t("Test image #{index}: true {true}, predicted {predicted}", index=pick,
                      true=int(ev.y_true[pick]), predicted=int(ev.y_pred[pick])))
    top2 = ev.proba[pick].argsort()[::-1][:2]
    a.caption(t("Top two: {first} ({first_share}), {second} ({second_share}).", first=int(top2[0]),
                first_share=pct(float(ev.proba[pick][top2[0]])), second=int(top2[1]),
                second_share=pct(float(ev.proba[pick][top2[1]]))))
    if a.button(t("Why? Look inside"), key="mistake_why"):
        st.switch_page("pages/Inside.py", query_params={"test": pick})
    b.altair_chart(charts.probability_chart(ev.proba[pick], int(ev.y_true[pick]), titles=probability_titles()),
                   width="stretch")

if not screen.details():
    st.stop()  # presenter mode: the matrix and its images only
st.subheader(t("Per label"))
per_label = ev.per_label().reset_index()
floor = max(0.0, int((float(per_label["accuracy"].min()) - 0.02) * 100) / 100)  # a whole percent below the worst
st.altair_chart(charts.bars(per_label, "label", "accuracy", ".0%", floor=floor,
                            titles=titles("label", "accuracy")), width="stretch")
st.caption(t("Accuracy on each label's test images; the axis starts at {floor} so the differences show.",
             floor=pct(floor, 0)))
st.subheader(t("What a label is mistaken for"))
label = st.selectbox(t("Label"), list(range(10)), index=7, key="mistaken_label")
counts = ev.mistaken_for(label)
if counts.empty:
    st.success(t("Every {label} in the test set was recognised.", label=label))
else:
    st.write(t("The {count} misread {label}s were taken for:", count=num(int(counts.sum())), label=label))
    st.altair_chart(charts.bars(counts.rename_axis("predicted").reset_index(), "predicted", "count",
                                titles=titles("predicted", "count")), width="stretch")
