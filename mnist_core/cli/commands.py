"""The CLI's commands, one function each: parse nothing, print results.

Each takes the argparse namespace and returns the exit status; anything that goes
wrong on the user's side is raised as a :class:`MnistError` and printed by ``cli.main``.
"""
from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from ..analysis import benchmarks, evaluate, predict_image
from ..config import parse_text, specs
from ..data import candidate_dirs, default_cache_dir, load_dataset, load_digits, load_image, load_mnist, locate_mnist
from ..errors import EmptyImage, InvalidParameter, MnistError, TrainingDiverged
from ..explain.verdict import build_judge
from ..models import MODELS, model_class, recommended_training
from ..models.tutorial import seconds_per_sample
from ..storage import ModelStore, load_model, save_model
from ..storage.predictions import from_proba
from ..training import peak_rss_mib, train_model
from .output import ProgressPrinter, emit_json


def cmd_info(args: argparse.Namespace) -> int:
    rows = {}
    for why, folder in candidate_dirs(args.data_dir):
        print(f"looked in {why}: {folder}")
    folder = locate_mnist(args.data_dir)
    datasets = [load_digits()]
    if folder:
        datasets.insert(0, load_mnist(args.data_dir))
    else:
        print("mnist: not found (python -m mnist_core download fetches it)")
    for ds in datasets:
        counts = ds.label_counts()
        print(f"\n{ds.name}: {len(ds.x_train):,} train + {len(ds.x_test):,} test images of "
              f"{ds.image_shape[0]}x{ds.image_shape[1]}, from {ds.source}")
        print("label " + " ".join(f"{d:>6}" for d in range(10)))
        for split in ("train", "test"):
            print(f"{split:<5} " + " ".join(f"{c:>6}" for c in counts[split]))
        rows[ds.name] = {"source": ds.source, "train": counts["train"].tolist(), "test": counts["test"].tolist()}
    if args.json:
        emit_json(rows)
    return 0


def cmd_download(args: argparse.Namespace) -> int:
    from ..data.download import fetch_mnist  # here: pooch and requests load only for a download

    folder = fetch_mnist(Path(args.data_dir) if args.data_dir else default_cache_dir(), progress=True)
    print(f"MNIST is ready in {folder}")
    return 0


def _hyperparameters(args: argparse.Namespace, kind: str) -> dict:
    """The hyperparameter flags given, parsed by ``kind``'s own field descriptions."""
    own = {s.name: s for s in specs(model_class(kind).Config)}
    every = {s.name for cls in MODELS.values() for s in specs(cls.Config)}
    hyper = {}
    for name in sorted(every):
        text = getattr(args, f"hp_{name}", None)
        if text is None:
            continue
        if name not in own:
            raise InvalidParameter("{flag} does not apply to the {kind} model.", flag=f"--{name.replace('_', '-')}",
                                   kind=kind)
        hyper[name] = parse_text(own[name], text)
    return hyper


def _check_writable(out: str) -> None:
    """Fail before training, not after, when ``--out`` cannot be written."""
    folder = Path(out).expanduser().resolve().parent
    if not folder.is_dir():
        raise MnistError("Cannot save to {out}: the folder {folder} does not exist.", out=out, folder=str(folder))
    if not os.access(folder, os.W_OK):
        raise MnistError("Cannot save to {out}: the folder {folder} is not writable.", out=out, folder=str(folder))


def cmd_train(args: argparse.Namespace) -> int:
    hyper = _hyperparameters(args, args.model)
    chosen = {"epochs": args.epochs, "batch_size": args.batch_size, "seed": args.seed,
              "shuffle": not args.no_shuffle, "augment": args.augment}
    model_class(args.model).Config(**hyper)  # check every setting before loading any data
    recommended_training(args.model, **chosen)
    if args.out:
        _check_writable(args.out)
    dataset = load_dataset(args.dataset, args.data_dir)
    config = recommended_training(args.model, len(dataset.x_train), **chosen)
    result = train_model(args.model, dataset, hyper, config, callbacks=[ProgressPrinter()])
    if result.history.diverged:
        raise TrainingDiverged("{reason}", reason=result.history.diverged)  # a sentence already (a Text)
    meta = result.meta
    print(f"{args.model} on {dataset.name}: test accuracy {result.test_accuracy:.4f} "
          f"in {meta['train_seconds']:.2f} s", file=sys.stderr)
    kept = from_proba(result.history.test_proba)  # the last epoch's test answers: the studio reads them
    if args.out:
        save_model(result.model, args.out, meta, snapshots=result.snapshots, predictions=kept)
        print(f"saved to {args.out}", file=sys.stderr)
    if args.store:
        record = ModelStore().save(result.model, meta, snapshots=result.snapshots, predictions=kept)
        print(f"saved in the model store as {record.name}", file=sys.stderr)
    summary = {
        "test_accuracy": result.test_accuracy, "train_seconds": meta["train_seconds"],
        "model": args.model, "dataset": dataset.name, **meta["hyperparameters"],
        "epochs": config.epochs, "batch_size": config.batch_size, "seed": config.seed,
        "augment": config.augment, "n_train": meta["n_train"], "n_test": meta["n_test"],
        "peak_rss_mib": round(peak_rss_mib(), 1), "stopped": meta["stopped"], "out": args.out,
    }
    if args.json:
        emit_json(summary)
    else:
        print(f"test accuracy: {result.test_accuracy:.4f}")
    return 0


def _dataset_for(meta: dict, data_dir: str | None):
    name = meta.get("dataset", "mnist")
    if name not in ("mnist", "digits"):
        raise MnistError("The model was trained on {name!r}, which cannot be reloaded by name.", name=name)
    return load_dataset(name, data_dir)


def cmd_evaluate(args: argparse.Namespace) -> int:
    model, meta = load_model(args.model)
    dataset = _dataset_for(meta, args.data_dir)
    ev = evaluate(model, dataset)
    table, confusion = ev.per_label(), ev.confusion()
    if args.json:
        emit_json({"model": meta["model"], "dataset": dataset.name, "accuracy": ev.accuracy,
                   "n_errors": ev.n_errors, "per_label": table.reset_index().to_dict("records"),
                   "confusion": confusion.tolist()})
        return 0
    print(f"{meta['model']} model on {dataset.name} test set: accuracy {ev.accuracy:.4f} "
          f"({ev.n_errors} errors in {len(ev.y_true):,})\n")
    print(table.to_string(float_format=lambda v: f"{v:.4f}"))
    print("\nconfusion matrix (rows: true label, columns: predicted)")
    print("     " + " ".join(f"{d:>5}" for d in range(10)))
    for d, row in enumerate(confusion):
        print(f"{d:>4} " + " ".join(f"{v:>5}" for v in row))
    return 0


def cmd_mistakes(args: argparse.Namespace) -> int:
    for name in ("min_confidence", "max_confidence"):
        value = getattr(args, name)
        if not 0.0 <= value <= 1.0:
            raise InvalidParameter("{flag} must be between 0 and 1 (got {value:g}).",
                                   flag=f"--{name.replace('_', '-')}", value=value)
    model, meta = load_model(args.model)
    ev = evaluate(model, _dataset_for(meta, args.data_dir))
    table = ev.select(args.true, args.pred, args.min_confidence, args.max_confidence)
    if not args.json:
        print(f"{len(table):,} images" + ("" if args.true is not None and args.true == args.pred else " misread")
              + f" of {len(ev.y_true):,}; index, true, predicted, confidence:", file=sys.stderr)
    for row in table.itertuples(index=False):
        if args.json:
            emit_json({"index": int(row.index), "true": int(row.true), "predicted": int(row.predicted),
                       "confidence": round(float(row.confidence), 6)})
        else:
            print(f"{row.index}\t{row.true}\t{row.predicted}\t{row.confidence:.4f}")
    return 0


def cmd_predict(args: argparse.Namespace) -> int:
    """One line per image: the best guess and the verdict (blank, not_a_digit, unsure,
    digit), judged against the model's training set; without that set, no verdict."""
    model, meta = load_model(args.model)
    judge, judged = None, False
    for name in args.images:
        image = load_image(Path(name))
        if not judged:  # built once, for the first image that could be read
            judged = True
            dataset = meta.get("dataset") or ("digits" if model.image_shape == (8, 8) else "mnist")
            try:
                judge = build_judge(model, _dataset_for({"dataset": dataset}, args.data_dir))
            except MnistError as err:
                print(f"No verdicts: {err}", file=sys.stderr)
        try:
            p = predict_image(model, image, judge)
            verdict, digit, proba = p.verdict, p.digit, p.proba
        except EmptyImage:
            verdict, digit, proba = (judge.judge(None, None) if judge else None), None, None
        if verdict is not None and verdict.verdict == "blank":
            digit = None
        if args.json:
            emit_json({"file": name, "digit": digit, "verdict": verdict.verdict if verdict else None,
                       "probabilities": None if proba is None else [round(float(v), 6) for v in proba],
                       "evidence": verdict.evidence if verdict else None})
        else:
            said = "no digit" if digit is None else f"{digit} ({float(proba[digit]):.1%})"
            print(f"{name}: {said}" + (f", {verdict.verdict}" if verdict else ""))
    return 0


def cmd_workspaces(args: argparse.Namespace) -> int:
    from ..storage import ModelStore
    from ..storage.workspaces import list_workspaces, migrate_legacy

    moved = migrate_legacy() if args.migrate else []
    rows = [{"name": w.name, "key": w.key, "models": len(ModelStore(w.models_root).names()), "legacy": w.legacy,
             "migrated": any(m.key == w.key for m in moved)} for w in list_workspaces()]
    for row in rows:
        note = " (before keys: its name opens it; --migrate)" if row["legacy"] else \
            " (migrated now)" if row["migrated"] else ""
        print(f"{row['name']}\t{row['key']}\t{row['models']} models{note}")
    if not rows:
        print("no workspaces yet")
    if args.json:
        emit_json({"workspaces": rows})
    return 0


def cmd_bench(args: argparse.Namespace) -> int:
    """Train the kind's default configuration on real MNIST; for ``classic`` also time
    the tutorial's own per-sample float64 path on a slice and extrapolate.  With
    ``--explain``: the explain engine's timings and the verdict's quality instead."""
    if args.explain:
        return _bench_explain(args)
    if args.tutorial_samples < 100:
        raise InvalidParameter("--tutorial-samples must be at least 100.")
    result = dict(benchmarks.bench_model(args.model, args.data_dir, augment=args.augment))
    if args.model == "classic":
        dataset = load_mnist(args.data_dir)
        n = min(args.tutorial_samples, len(dataset.x_train))
        per_sample = seconds_per_sample(dataset.x_train[:n], dataset.y_train[:n])
        tutorial_seconds = per_sample * len(dataset.x_train) * result["epochs"]
        result.update({
            "tutorial_samples_timed": n,
            "tutorial_seconds_estimated": round(tutorial_seconds, 1),
            "speedup_vs_tutorial": round(tutorial_seconds / result["train_seconds"], 1),
        })
    for key, value in result.items():
        print(f"{key:>28}: {value}", file=sys.stderr if args.json else sys.stdout)
    if args.json:
        emit_json(result)
    return 0


def _bench_explain(args: argparse.Namespace) -> int:
    """``bench --explain``: one line per figure, each target beside its figure (shares in %)."""
    result = benchmarks.bench_explain(args.model, args.data_dir, augment=args.augment)

    def shown(key: str, value):
        share = isinstance(value, float) and ("rejected" in key or "right" in key)
        return f"{value:.1%}" if share else value

    out = sys.stderr if args.json else sys.stdout
    for key, value in result.items():
        if key in ("targets", "met"):
            continue
        if isinstance(value, dict) and key.endswith("by_kind"):
            value = ", ".join(f"{k} {shown(key, v)}" for k, v in value.items())
        text = f"{shown(key, value)}"
        if key in benchmarks.EXPLAIN_TARGETS:
            op, bound = benchmarks.EXPLAIN_TARGETS[key]
            target = f"{op} {shown(key, bound)}"
            if key in benchmarks.EXPLAIN_AIMS:
                target += ", aim {} {}".format(benchmarks.EXPLAIN_AIMS[key][0], shown(key, benchmarks.EXPLAIN_AIMS[key][1]))
            text += f"   (target {target}: {'met' if result['met'][key] else 'NOT met'})"
        print(f"{key:>28}: {text}", file=out)
    if args.json:
        emit_json(result)
    return 0
