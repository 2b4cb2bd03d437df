"""What a model file's metadata may hold: one JSON Schema, checked with ``jsonschema``
before anything else reads the metadata.

A file whose metadata breaks it -- a version that is not a number, a date holding
markdown, an accuracy of "high", nesting a thousand levels deep -- is listed as
unreadable with the reason, and every page and every other model stay usable.
Fields written by earlier versions (``name``, ``trained_at``) are still accepted.
"""
from __future__ import annotations

from typing import Any

from ..errors import ModelFileError
from ..i18n import N_, Text
from ..settings import MAX_REPEAT, MIN_REPEAT

_DATE = r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2})?([+-]\d{4}|Z)?$"
_NUMBER_OR_NULL = {"type": ["number", "null"]}
_SHORT_TEXT = {"type": "string", "maxLength": 200}
_LOG = {"type": "object", "maxProperties": 20,
        "additionalProperties": {"type": ["number", "boolean", "null"]}}


def schema(kinds: list[str], format_name: str, format_version: int) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["format", "format_version", "model", "hyperparameters"],
        "properties": {
            "format": {"const": format_name},
            "format_version": {"type": "integer", "minimum": 1, "maximum": format_version},
            "model": {"enum": kinds},
            "hyperparameters": {"type": "object", "maxProperties": 30, "additionalProperties": {
                "type": ["number", "string", "boolean", "array"], "maxLength": 40, "maxItems": 8,
                "items": {"type": "integer"}}},
            "n_parameters": {"type": "integer", "minimum": 0},
            "created": {"type": "string", "pattern": _DATE},
            "trained_at": {"type": "string", "pattern": _DATE},
            "published_at": {"type": "string", "pattern": _DATE},
            "published_by": {"type": "string", "minLength": 1, "maxLength": 60},  # a display name, any text
            "publisher": {"type": "string", "pattern": r"^[0-9a-f]{32}$"},  # a hash of the key (publishing.publisher_id)
            "name": {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"},
            "package_version": {"type": "string", "pattern": r"^[0-9A-Za-z.+-]{1,20}$"},
            "notes": {"type": "array", "maxItems": 10, "items": _SHORT_TEXT | {"maxLength": 400}},
            "dataset": {"type": "string", "pattern": r"^[a-z0-9_-]{1,20}$"},
            "image_shape": {"type": "array", "minItems": 2, "maxItems": 2,
                            "items": {"type": "integer", "minimum": 1, "maximum": 4096}},
            "pixel_max": {"type": "integer", "minimum": 1, "maximum": 65535},
            "n_train": {"type": "integer", "minimum": 0},
            "n_test": {"type": "integer", "minimum": 0},
            "training": {"type": "object", "maxProperties": 10,
                         "additionalProperties": {"type": ["number", "boolean"]}},
            "test_accuracy": {"type": ["number", "null"], "minimum": 0, "maximum": 1},
            "train_seconds": _NUMBER_OR_NULL | {"minimum": 0},
            "gave_way_seconds": {"type": "number", "minimum": 0},  # the studio's run, paused for a person's
            "stopped": {"type": "boolean"},
            "status": {"enum": ["done", "stopped", "diverged"]},
            "diverged": {"type": ["string", "null"], "maxLength": 400},
            "stop_reason": {"enum": ["asked", "idle", "time limit", "teacher", "server stopped", None]},
            "handwriting": {"type": "object", "required": ["images", "repeat"], "additionalProperties": False,
                            "properties": {"images": {"type": "integer", "minimum": 1},
                                           "repeat": {"type": "integer", "minimum": MIN_REPEAT,
                                                      "maximum": MAX_REPEAT}}},
            "history": {"type": "array", "maxItems": 1000, "items": _LOG},
            "curve": {"type": "array", "maxItems": 200_000, "items": _LOG},
        },
        "additionalProperties": False,
    }


def check_metadata(meta: Any, name: str, kinds: list[str], format_name: str, format_version: int) -> dict:
    """The metadata if it fits the schema, else a :class:`ModelFileError` naming the first problem."""
    import jsonschema  # here: ~0.2 s to import, and only reading a model file needs it

    validator = jsonschema.Draft202012Validator(schema(kinds, format_name, format_version))
    error = next(iter(sorted(validator.iter_errors(meta), key=lambda e: len(e.path))), None)
    if error is not None:
        where = "/".join(str(p) for p in error.absolute_path) or Text(N_("the record"))
        message = error.message if len(error.message) <= 120 else error.message[:117] + "..."
        raise ModelFileError("{name}: its metadata is not valid ({where}: {problem}).", name=name, where=where,
                             problem=message)
    return meta
