"""Where a workspace keeps its drawings: ``MNIST_STUDIO_HOME/workspaces/WS/handwriting/``,
beside its ``models``.  Here, not in :mod:`mnist_core.data.handwriting`, because the
workspace's folder (and the check of its name) is storage's: data never imports storage."""
from __future__ import annotations

from ..data.handwriting import HandwritingStore
from .store import workspace_store


def workspace_handwriting(workspace: str) -> HandwritingStore:
    """The drawings of one workspace (a checked workspace name), beside its models; the
    first drawing kept makes the workspace (see :mod:`.firstwrite`)."""
    models = workspace_store(workspace)
    return HandwritingStore(models.root.parent / "handwriting", before_write=models.before_write)
