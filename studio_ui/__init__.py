"""What the pages of the Streamlit app share:

* :mod:`.cache` -- what all sessions share, computed once per process (datasets,
  loaded models, evaluations, figures, the store listing);
* :mod:`.session` -- what belongs to one user (workspace, active dataset and model);
* :mod:`.widgets` -- pieces of page (sidebar, forms, download panel, error display);
* :mod:`.inside` -- the explanations (Inside's panels, the verdict Draw shows too);
* :mod:`.browse` -- the Dataset page's clickable thumbnails, heatmap and pixel table;
* :mod:`.steps` -- the drawing's preprocessing, step by step;
* :mod:`.screen` -- presenter mode (``screen.details()``: show more than the
  essentials?) and the CSS that fits every page to any screen, the canvas included;
* :mod:`.links` -- the Train form's settings from the URL, ``hide``, and the link to them;
* :mod:`.handwriting` -- the user's own drawings: Draw's "Save as my ...", Train's
  "Add my handwriting", the My handwriting page's panels;
* :mod:`.train` -- the Train page below its form (share link, experiments, runs, models, gallery).

Pages ``import studio_ui as ui`` and use the names below.  Nothing here runs at
import time but definitions.
"""
from .cache import (comparison_entries, confusion_png, evaluation, imagined, judge, mean_images_png, model, pixels_png,
                    snapshots, unreadable)
from .inside import imagine_panel, motion_panel, neighbours_panel, pixels_panel, units_panel, verdict_block
from .session import (CANVAS, DATASET, DRAWING, INSIDE_SOURCE, INSIDE_TEST, LABELS, active_name, active_record, dataset, jobs, own_records, records,
                      set_active, store, workspace)
from .widgets import (activate_finished_runs, config_inputs, describe, download_panel, ensure_model, errors_shown,
                      hyperparameter_inputs, job_panel, model_table, per_label_and_confusion, plain, start_page)

__all__ = ["comparison_entries", "confusion_png", "evaluation", "imagined", "judge", "mean_images_png", "model",
           "pixels_png", "snapshots", "unreadable", "imagine_panel", "motion_panel", "neighbours_panel",
           "pixels_panel", "units_panel", "verdict_block", "CANVAS", "DRAWING", "INSIDE_SOURCE", "INSIDE_TEST",
           "DATASET", "LABELS", "active_name", "active_record", "dataset", "jobs", "own_records", "records",
           "set_active", "store", "workspace", "activate_finished_runs", "config_inputs", "describe",
           "download_panel", "ensure_model", "errors_shown", "hyperparameter_inputs", "job_panel", "model_table",
           "per_label_and_confusion", "plain", "start_page"]
