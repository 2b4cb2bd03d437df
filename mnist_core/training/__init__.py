"""Training: the one loop every model trains in, the pipeline that trains, evaluates
and describes a model in one call, and background jobs the app can watch and stop."""
from ..config import TrainConfig
from .jobs import JobSnapshot, JobStatus, TrainingJob
from .loop import Callback, History, batches, test_accuracy, train
from .pipeline import TrainResult, ensure_default_model, peak_rss_mib, train_model

__all__ = ["TrainConfig", "JobSnapshot", "JobStatus", "TrainingJob", "Callback", "History", "batches",
           "test_accuracy", "train", "TrainResult", "ensure_default_model", "peak_rss_mib", "train_model"]
