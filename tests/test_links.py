"""The classroom: links that open the Train form prepared (settings and ``hide`` from the
URL, the link to the current settings), the ready experiments, short readable names,
and model names that never wrap chart axes."""
from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from mnist_core.storage import ModelRecord
from mnist_core.storage.store import display_name, distinct_titles, recipe
from mnist_core.training import manager
from mnist_core.training.experiments import EXPERIMENTS
from conftest import APP, ok, wait_job  # the AppTest helpers
from test_app import last_job, mine, texts

pytestmark = pytest.mark.usefixtures("app_state")  # conftest: no cache leaks between tests


def train_link(**query: str) -> AppTest:
    """The Train page opened from a link with these URL parameters."""
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in query.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("pages/Train.py")
    return at.run()


def keys(at: AppTest) -> set[str]:
    return {w.key for w in [*at.number_input, *at.text_input, *at.selectbox, *at.checkbox]}


def click(at: AppTest, label: str) -> AppTest:
    next(b for b in at.button if b.label == label).click()
    return at.run()


def warnings(at: AppTest) -> str:
    return "\n".join(w.value.replace("\\", "") for w in at.warning)


# -- links ---------------------------------------------------------------------------
def test_a_link_opens_the_train_form_filled_in(digits_only):
    at = ok(train_link(model="mlp", hidden="64,32", lr="0.01", optimizer="sgd", epochs="2", **{"batch-size": "32"},
                       augment="true", dataset="digits", name="tiny-net"))
    assert not at.warning
    assert at.selectbox(key="train_kind").value == "mlp"
    assert at.text_input(key="hp_mlp_hidden").value == "64,32"
    assert at.number_input(key="hp_mlp_lr").value == 0.01 and at.selectbox(key="hp_mlp_optimizer").value == "sgd"
    assert at.number_input(key="train_mlp_digits_epochs").value == 2
    assert at.number_input(key="train_mlp_digits_batch_size").value == 32
    assert at.checkbox(key="train_mlp_digits_augment").value is True
    assert at.text_input(key="train_name").value == "tiny-net"
    at.number_input(key="train_mlp_digits_epochs").set_value(3)
    at = ok(click(at, "Copy link"))  # a form sends its values on a click
    ok(at.run())
    assert at.number_input(key="train_mlp_digits_epochs").value == 3 and at.query_params["epochs"] == "3"
    at.selectbox(key="train_kind").set_value("classic")
    ok(at.run())
    at = ok(at.run())  # the person's changes are never undone by the link
    assert at.selectbox(key="train_kind").value == "classic" and at.query_params["model"] == "classic"
    assert "optimizer" not in at.query_params  # the URL follows the form


def test_hide_hides_those_controls_which_keep_the_links_values(digits_only):
    at = ok(train_link(model="classic", hidden="16", epochs="2", hide="hidden,epochs,model,no-such-control"))
    assert not at.warning  # an unknown name in hide is ignored
    assert {"hp_classic_hidden", "train_classic_digits_epochs", "train_kind"}.isdisjoint(keys(at))
    assert {"hp_classic_lr", "train_classic_digits_batch_size", "train_name"} <= keys(at)  # the others stay
    at = ok(click(at, "Start training"))
    snap = last_job(at)
    assert snap.status == "done", snap.error
    meta = mine(at).load(snap.saved_name)[1]
    assert meta["model"] == "classic" and meta["hyperparameters"]["hidden"] == 16 and len(meta["history"]) == 2
    assert "hp_classic_hidden" not in keys(at)  # still hidden after the run


def test_bad_link_values_are_named_in_a_warning_and_ignored(digits_only):
    at = ok(train_link(model="classic", hidden="0", lr="fast", channels="16", augment="maybe", seed="-1",
                       dataset="imagenet", name="bad name!"))
    shown = warnings(at)
    for part in ("hidden=0", "Hidden nodes must be between 1 and 10000", "lr=fast", "channels=16",
                 "the classic model has no such setting", "augment=maybe", "seed=-1", "dataset=imagenet",
                 "name=bad name!", "not a usable model name"):
        assert part in shown, part
    assert len(at.warning) == 7
    assert at.number_input(key="hp_classic_hidden").value == 200 and at.number_input(key="hp_classic_lr").value == 0.1
    assert at.checkbox(key="train_classic_digits_augment").value is False and at.text_input(key="train_name").value == ""
    at = ok(train_link(model="transformer", hidden="50"))  # an unknown model: the form's own, with the rest applied
    assert "model=transformer" in warnings(at) and at.selectbox(key="train_kind").value == "classic"
    assert at.number_input(key="hp_classic_hidden").value == 50


def test_copy_link_gives_the_current_settings_and_the_url_follows_the_form(digits_only):
    at = ok(train_link(model="classic", hidden="50", hide="seed"))
    workspace = at.session_state["workspace"]
    at.number_input(key="hp_classic_lr").set_value(0.3)
    at = ok(click(at, "Copy link"))
    link = at.code[0].value
    assert link == "?model=classic&dataset=digits&hidden=50&lr=0.3&hide=seed"  # no workspace: each keeps their own
    assert at.query_params["lr"] == "0.3" and at.query_params["workspace"] == workspace  # a reload keeps them
    at.multiselect(key="link_hide_classic").set_value(["lr", "epochs"])
    at = ok(at.run())
    assert at.code[0].value.endswith("&lr=0.3&hide=lr,epochs")
    again = ok(train_link(**{k: v for k, v in [p.split("=") for p in at.code[0].value[1:].split("&")]}))
    assert again.number_input(key="hp_classic_hidden").value == 50
    assert {"hp_classic_lr", "train_classic_digits_epochs"}.isdisjoint(keys(again))


# -- names ---------------------------------------------------------------------------
def test_automatic_names_are_shown_short_and_readable():
    meta = {"model": "classic", "dataset": "mnist", "hyperparameters": {"n_inputs": 784, "hidden": 200, "lr": 0.1},
            "training": {"epochs": 5, "augment": False}}
    assert display_name("classic-mnist-3", meta) == "classic h200 lr0.1 e5 · 3"
    assert display_name("classic-mnist-20261125-175819", meta) == "classic h200 lr0.1 e5 · 11-25 17:58"
    assert display_name("classic-digits-3", meta) == "classic-digits-3"  # not this model's automatic name
    assert display_name("my-model", meta) == "my-model"  # a chosen name as it was written
    assert recipe({"model": "cnn", "hyperparameters": {"channels": [16, 32], "hidden": 128, "lr": 0.003},
                   "training": {"epochs": 3, "augment": True}}) == "cnn c16x32 h128 lr0.003 e3 aug"
    assert recipe({"model": "logreg", "hyperparameters": {"C": 1.0}, "training": {"epochs": 1}}) == "logreg C1"
    ours = ModelRecord("classic-mnist-3", None, meta)
    theirs = ModelRecord("bright-otter-42.classic-mnist-3", None, {**meta, "published_by": "bright-otter-42"}, shared=True)
    assert theirs.title == ours.title and theirs.label == "classic h200 lr0.1 e5 · 3 (by bright-otter-42)"
    assert distinct_titles([ours, theirs]) == [ours.title, theirs.label]  # different on a chart


def test_the_name_field_names_the_model_or_says_why_not(digits_only):
    at = ok(train_link(model="classic", hidden="8", epochs="1"))
    at.text_input(key="train_name").set_value("bad name!")
    at = click(at, "Start training")
    assert any("not a usable model name" in e.value.replace("\\", "") for e in at.error)
    assert manager().jobs(at.session_state["workspace"]) == []
    at.text_input(key="train_name").set_value("tiny-net")
    at = ok(click(at, "Start training"))
    assert last_job(at).saved_name == "tiny-net" and mine(at).names() == ["tiny-net"]
    at = click(at, "Start training")  # the same name again: refused before training, not after
    assert any("already have a model named 'tiny-net'" in e.value.replace("\\", "") for e in at.error)
    at.text_input(key="train_name").set_value("")
    at = ok(click(at, "Start training"))
    snap = last_job(at)
    assert snap.saved_name == "classic-digits-1"
    assert "classic h8 lr0.1 e1 · 1" in texts(at, "text")  # the sidebar shows the short name


# -- ready experiments ---------------------------------------------------------------------
def test_experiments_plan_short_runs_on_mnist_and_enough_on_the_digits():
    for exp in EXPERIMENTS.values():
        assert len(exp.runs) == 3
        assert [c.epochs for _, _, c in exp.plan(60_000)] == [exp.epochs] * 3
        assert [c.epochs for _, _, c in exp.plan(1_437)] == [32] * 3  # 45,000 samples at least
    assert [h for _, h, _ in EXPERIMENTS["hidden"].plan(60_000)] == [{"hidden": 10}, {"hidden": 50}, {"hidden": 200}]
    assert [k for k, _, _ in EXPERIMENTS["architectures"].plan(60_000)] == ["classic", "mlp", "cnn"]


def test_a_preset_experiment_queues_its_runs_then_opens_compare_on_them(digits_only, held_workers):
    at = ok(train_link())
    workspace = at.session_state["workspace"]
    at = ok(click(at, "Hidden nodes: 10 vs 50 vs 200"))
    jobs = manager().jobs(workspace)
    assert len(jobs) == 3 and all(j.kind == "classic" and j.dataset == "digits" for j in jobs)
    assert "under way" in "\n".join(i.value for i in at.info)
    at = click(at, "Learning rate: 0.01 vs 0.1 vs 1")  # all or nothing: the workspace is busy (its runs held)
    assert any("already has 3 queued or running" in e.value for e in at.error) and len(manager().jobs(workspace)) == 3
    assert all(manager().snapshot(j).status == "queued" for j in jobs)  # none started, none refused
    held_workers.release()  # the experiment's runs train now
    for job in jobs:
        wait_job(manager(), job, timeout=120)
    at = ok(at.run())  # the runs' panels rerun the page when they end: Compare opens
    assert at.title[0].value == "Compare"
    saved = {r.key: r for r in mine(at).list("digits")}
    assert {r.meta["hyperparameters"]["hidden"] for r in saved.values()} == {10, 50, 200}
    assert sorted(at.multiselect(key="compare_pick").value) == sorted(saved)  # exactly the experiment's models
    summary = at.dataframe[0].value
    assert sorted(summary.index) == sorted(r.title for r in saved.values())
    assert all(name.startswith("classic h") and len(name) < 30 for name in summary.index)
    assert "Hidden nodes: 10 vs 50 vs 200" in "\n".join(i.value for i in at.info)


# -- charts ----------------------------------------------------------------------------------
def test_long_names_are_cut_on_the_axes_and_whole_in_the_tooltips():
    import pandas as pd

    from mnist_core.analysis import charts

    names = ["classic-mnist-20261125-175819", "a-very-long-name-somebody-chose-for-a-model-of-theirs"]
    matrix = pd.DataFrame([[0, 3], [5, 0]], index=names, columns=names)
    spec = charts.right_wrong_chart(matrix).to_dict()
    layer = spec["layer"][0]
    x, y = layer["encoding"]["x"]["axis"], layer["encoding"]["y"]["axis"]
    assert "split" not in x.get("labelExpr", "") and "labelExpr" not in y  # no more names split into towers
    assert y["labelLimit"] == charts.NAME_PIXELS and str(charts.NAME_CHARS) in x["labelExpr"]  # cut short
    assert {t["field"] for t in layer["encoding"]["tooltip"]} >= {"here", "there"}
    assert spec["height"] == 56 * 2 + 70
    curves = pd.DataFrame({"model": names, "epoch": [1, 1], "test_accuracy": [0.9, 0.95]})
    line = charts.epoch_chart(curves, color="model", order=names).to_dict()
    assert line["encoding"]["color"]["legend"]["labelLimit"] <= 2 * charts.NAME_PIXELS
    assert line["encoding"]["tooltip"][0]["field"] == "model"


def test_a_long_link_value_is_cut_in_its_warning(digits_only):
    long, key = "9" * 10_000 + "x", "k" * 5_000
    at = ok(train_link(model="classic", lr=long, hidden="1" * 10_000, **{key: long}))
    shown = warnings(at)
    assert "lr=999" in shown and "is not a valid value" in shown  # the warning still says which and why
    assert "9" * 41 not in shown and "1" * 41 not in shown and "k" * 41 not in shown and "…" in shown
    assert max(len(w.value) for w in at.warning) < 400
