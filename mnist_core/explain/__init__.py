"""Why a model answers what it answers: its hidden units, what it imagines each digit
to be, which pixels decided, the nearest training images, the verdict on a drawing
(blank, not a digit, unsure, a digit) and how its first layer changed while it trained."""
from .snapshots import SnapshotRecorder, Snapshots, quantize, tile
from .units import first_layer_weights

__all__ = ["first_layer_weights", "SnapshotRecorder", "Snapshots", "quantize", "tile"]
