"""Where models live: the model file format (weights and metadata in one ``.npz``,
never a pickle) and the store, a folder of named models the app and the CLI share."""
from .modelfile import load_model, model_metadata, read_metadata, save_model
from .store import ModelRecord, ModelStore, check_workspace, gallery, publish, workspace_store

__all__ = ["load_model", "model_metadata", "read_metadata", "save_model", "ModelRecord", "ModelStore", "check_workspace", "gallery",
           "publish", "workspace_store"]
