"""What the pages of the Streamlit app share, in three modules:

* :mod:`.cache` -- what all sessions share, computed once per process (datasets,
  loaded models, evaluations, figures, the store listing);
* :mod:`.session` -- what belongs to one user (workspace, active dataset and model);
* :mod:`.widgets` -- pieces of page (sidebar, forms, download panel, error display).

Pages ``import studio_ui as ui`` and use the names below.  Nothing here runs at
import time but definitions.
"""
from .cache import comparison_entries, confusion_png, evaluation, mean_images_png, model, pixels_png, unreadable
from .session import (CANVAS, DATASET, LABELS, active_name, active_record, dataset, jobs, own_records, records,
                      set_active, store, workspace)
from .widgets import (activate_finished_runs, config_inputs, describe, download_panel, ensure_model, errors_shown,
                      hyperparameter_inputs, job_panel, model_table, per_label_and_confusion, plain, start_page)

__all__ = ["comparison_entries", "confusion_png", "evaluation", "mean_images_png", "model", "pixels_png", "unreadable",
           "CANVAS",
           "DATASET", "LABELS", "active_name", "active_record", "dataset", "jobs", "own_records", "records",
           "set_active", "store", "workspace", "activate_finished_runs", "config_inputs", "describe",
           "download_panel", "ensure_model", "errors_shown", "hyperparameter_inputs", "job_panel", "model_table",
           "per_label_and_confusion", "plain", "start_page"]
