"""Training: the one loop every model trains in, the pipeline that trains, evaluates
and describes a model in one call, and the jobs that run it on Dask workers for the
app, watched and stopped from any session of their workspace."""
from ..config import TrainConfig
from .job_state import Job, JobSnapshot, JobStatus
from .jobs import JobManager, manager
from .loop import Callback, History, batches, test_accuracy, train
from .pipeline import TrainResult, peak_rss_mib, train_model

__all__ = ["TrainConfig", "Job", "JobManager", "JobSnapshot", "JobStatus", "manager", "Callback", "History", "batches",
           "test_accuracy", "train", "TrainResult", "peak_rss_mib", "train_model"]
