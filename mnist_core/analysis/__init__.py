"""What a trained model does and how well: evaluation on the test set, predictions
for one image, side-by-side comparisons, benchmarks, and the figures and charts
(imported as modules, ``from mnist_core.analysis import plots, charts``, so the
command line never loads matplotlib or Altair)."""
from .comparison import Entry
from .evaluation import Evaluation, evaluate
from .prediction import Prediction, predict_image, read_proba

__all__ = ["Entry", "Evaluation", "evaluate", "Prediction", "predict_image", "read_proba"]
