"""Where models live: the model file format (weights and metadata in one ``.npz``,
never a pickle), the store (a folder of named models the app and the CLI share),
private workspaces (:mod:`.workspaces`), the class gallery (:mod:`.publishing`; the package's ``gallery`` is the store function), the
teacher (:mod:`.teacher`) and what the teacher sees of the class (:mod:`.classroom`)."""
from .modelfile import load_model, model_metadata, read_metadata, save_model
from .store import ModelRecord, ModelStore, check_workspace, gallery, workspace_store
from .publishing import publish

__all__ = ["load_model", "model_metadata", "read_metadata", "save_model", "ModelRecord", "ModelStore", "check_workspace", "gallery",
           "publish", "workspace_store"]
