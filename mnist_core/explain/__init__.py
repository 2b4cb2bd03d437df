"""Why a model answers what it answers: its hidden units, what it imagines each digit
to be, which pixels decided, the nearest training images, the verdict on a drawing
(blank, not a digit, unsure, a digit) and how its first layer changed while it trained."""
from . import pictures
from .attribution import Occlusion, occlusion, saliency
from .gradients import FEATURE_SPACE, features
from .imagine import imagine
from .neighbours import NeighbourIndex, Neighbours, stroke_directions
from .snapshots import SnapshotRecorder, Snapshots, quantize, tile
from .units import first_layer_weights
from .verdict import SENTENCES, VERDICTS, DigitSpace, Judge, Verdict, build_judge, digit_space

__all__ = ["pictures", "Occlusion", "occlusion", "saliency", "FEATURE_SPACE", "features", "imagine", "NeighbourIndex",
           "Neighbours", "stroke_directions", "SnapshotRecorder", "Snapshots", "quantize", "tile",
           "first_layer_weights", "SENTENCES", "VERDICTS", "DigitSpace", "Judge", "Verdict", "build_judge",
           "digit_space"]
