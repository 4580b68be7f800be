"""Running a trained Longformer on text: any saved form (checkpoint, .keras, SavedModel, .tflite)."""

from tf_longformer.inference.predictor import Predictor, load_predictor

__all__ = ["Predictor", "load_predictor"]
