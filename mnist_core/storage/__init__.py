"""Where models live: the model file format (weights and metadata in one ``.npz``,
never a pickle), the store (a folder of named models the app and the CLI share),
private workspaces (:mod:`.workspaces`), the class gallery (:mod:`.gallery`), the
teacher (:mod:`.teacher`) and what the teacher sees of the class (:mod:`.classroom`)."""
from .modelfile import load_model, model_metadata, read_metadata, save_model
from .store import ModelRecord, ModelStore, check_workspace, gallery, workspace_store
from .gallery import publish

__all__ = ["load_model", "model_metadata", "read_metadata", "save_model", "ModelRecord", "ModelStore", "check_workspace", "gallery",
           "publish", "workspace_store"]
