"""What the pages of the Streamlit app share, one module per job:

* :mod:`.nav` -- the page registry (file, title, icon, URL, line on Home) and the navigation;
* :mod:`.sidebar` -- ``start_page()``: what every page does first, and the sidebar;
* :mod:`.cache` -- what all sessions share, computed once per process (datasets,
  loaded models, evaluations, figures, the store listing);
* :mod:`.session` -- what belongs to one user (workspace, active dataset and model),
  every session-state key, and ``widget_key()`` (the one way a widget's key is made);
  :mod:`.workspace` -- which workspace a session opens (URL, cookie, sign-in) and its changes;
* :mod:`.lang` -- the session's language: ``t``, ``tn`` (plurals), ``translated`` (a
  widget's option labels), ``titles`` (a chart's titles), ``name`` (a user's names, as given);
* :mod:`.text` -- ``plain`` (markdown-safe text) and ``errors_shown`` (a sentence, not a traceback);
* :mod:`.screen` -- presenter mode, ``columns()`` that stack on a narrow page, and the
  stylesheet (only ``st-key-`` classes) that fits every page, the canvas included;
* :mod:`.forms` -- the Train form's fields, built from a Config's field descriptions;
* :mod:`.runs` -- training runs on the page (the default model, a run's live panel);
* :mod:`.results` -- a model in one line, the saved-models table, per label and confusion matrix;
* :mod:`.download` -- the offer to download MNIST;
* :mod:`.inside` -- the explanations (Inside's panels, the verdict Draw shows too);
* :mod:`.mapview` -- the map of all the digits (Inside's tab, Draw's toggle), built on a worker;
* :mod:`.playback` -- the training snapshots played back (Play, Pause, Step) on Inside and Train;
* :mod:`.browse` -- the Dataset page's clickable thumbnails, heatmap and pixel table;
* :mod:`.steps` -- the drawing's preprocessing, step by step;
* :mod:`.links` -- the Train form's settings from the URL, ``hide``, and the link to them;
* :mod:`.handwriting` -- the user's own drawings: Draw's "Save as my ...", Train's
  "Add my handwriting"; :mod:`.my_handwriting` -- the My handwriting page's panels;
* :mod:`.train` -- the Train page below its form (share link, experiments, runs, models, gallery).

Pages ``import studio_ui as ui`` for the names below (the ones every page needs);
the rest they import from its module.  Nothing here runs at import time but definitions.
"""
from .cache import comparison_entries, evaluation, mean_images_png, model
from .download import download_panel
from .forms import config_inputs, hyperparameter_inputs
from .inside import imagine_panel, motion_panel, neighbours_panel, pixels_panel, units_panel, verdict_block
from .results import describe
from .runs import ensure_model
from .session import (CANVAS, DATASET, DRAWING, INSIDE_SOURCE, INSIDE_TEST, LABELS, active_name, active_record, dataset,
                      jobs, records, store, workspace)
from .sidebar import start_page
from .text import errors_shown, plain

__all__ = ["comparison_entries", "evaluation", "mean_images_png", "model", "download_panel", "config_inputs",
           "hyperparameter_inputs", "imagine_panel", "motion_panel", "neighbours_panel", "pixels_panel", "units_panel",
           "verdict_block", "describe", "ensure_model", "CANVAS", "DATASET", "DRAWING", "INSIDE_SOURCE", "INSIDE_TEST",
           "LABELS", "active_name", "active_record", "dataset", "jobs", "records", "store", "workspace", "start_page",
           "errors_shown", "plain"]
