"""What the pages of the Streamlit app share, in three modules:

* :mod:`.cache` -- what all sessions share, computed once per process (datasets,
  loaded models, evaluations, figures, the store listing);
* :mod:`.session` -- what belongs to one user (active dataset and model, the job);
* :mod:`.widgets` -- pieces of page (sidebar, forms, download panel, error display).

Pages ``import studio_ui as ui`` and use the names below.  Nothing here runs at
import time but definitions.
"""
from .cache import comparison_entries, confusion_png, evaluation, mean_images_png, model, pixels_png
from .session import (ACTIVATED, CANVAS, DATASET, JOB, LABELS, active_name, active_record, dataset, records, set_active,
                      store)
from .widgets import (config_inputs, describe, download_panel, ensure_model, errors_shown, hyperparameter_inputs,
                      per_label_and_confusion, start_page)

__all__ = ["comparison_entries", "confusion_png", "evaluation", "mean_images_png", "model", "pixels_png", "ACTIVATED", "CANVAS",
           "DATASET", "JOB", "LABELS", "active_name", "active_record", "dataset", "records", "set_active", "store",
           "config_inputs", "describe", "download_panel", "ensure_model", "errors_shown", "hyperparameter_inputs",
           "per_label_and_confusion", "start_page"]
