"""tf_longformer: the Longformer long-document transformer for Keras 3 / TensorFlow."""

from types import ModuleType as _ModuleType

from tf_longformer._backend import require_tensorflow_backend

require_tensorflow_backend()

from tf_longformer.config import LongformerConfig  # noqa: E402
from tf_longformer.layers import (  # noqa: E402
    LongformerAttention,
    LongformerEmbeddings,
    LongformerEncoder,
    LongformerFeedForward,
    LongformerLayer,
    LongformerPooler,
    LongformerSelfAttention,
)
from tf_longformer.models import LongformerModel  # noqa: E402
from tf_longformer.models import (  # noqa: E402
    LongformerForMaskedLM,
    LongformerForMultipleChoice,
    LongformerForQuestionAnswering,
    LongformerForSequenceClassification,
    LongformerForTokenClassification,
    LongformerPreTrainedModel,
)
from tf_longformer.checkpoints.files import CheckpointError  # noqa: E402
from tf_longformer.checkpoints.lengthen import extend_positions  # noqa: E402
from tf_longformer.checkpoints.roberta import convert_roberta_to_longformer  # noqa: E402
from tf_longformer.checkpoints.transfer import LongformerLoadWarning, LoadingInfo  # noqa: E402
from tf_longformer.tokenization import (  # noqa: E402
    BatchEncoding,
    LongformerTokenizer,
    LongformerTokenizerFast,
    classification_global_attention_mask,
    question_answering_global_attention_mask,
)
from tf_longformer.preprocessing import (  # noqa: E402
    LongformerQuestionAnsweringPreprocessor,
    LongformerTextClassifierPreprocessor,
)
from tf_longformer.outputs import (  # noqa: E402
    LongformerBaseModelOutput,
    LongformerBaseModelOutputWithPooling,
    LongformerMaskedLMOutput,
    LongformerMultipleChoiceModelOutput,
    LongformerQuestionAnsweringModelOutput,
    LongformerSequenceClassifierOutput,
    LongformerTokenClassifierOutput,
)

# The removed transformers TF classes' names, so migrating code changes only its import.
TFLongformerModel = LongformerModel
TFLongformerForMaskedLM = LongformerForMaskedLM
TFLongformerForMultipleChoice = LongformerForMultipleChoice
TFLongformerForQuestionAnswering = LongformerForQuestionAnswering
TFLongformerForSequenceClassification = LongformerForSequenceClassification
TFLongformerForTokenClassification = LongformerForTokenClassification
TFLongformerPreTrainedModel = LongformerPreTrainedModel
TFLongformerBaseModelOutput = LongformerBaseModelOutput
TFLongformerBaseModelOutputWithPooling = LongformerBaseModelOutputWithPooling
TFLongformerMaskedLMOutput = LongformerMaskedLMOutput
TFLongformerMultipleChoiceModelOutput = LongformerMultipleChoiceModelOutput
TFLongformerQuestionAnsweringModelOutput = LongformerQuestionAnsweringModelOutput
TFLongformerSequenceClassifierOutput = LongformerSequenceClassifierOutput
TFLongformerTokenClassifierOutput = LongformerTokenClassifierOutput

from tf_longformer.ops.answer_span import best_answer_over_windows  # noqa: E402
from tf_longformer import export  # noqa: E402  (tfl.export.saved_model / tflite / onnx)
from tf_longformer.default_model import default_model_dir  # noqa: E402  (also: from_pretrained("default"))

__version__ = "0.1.0"

# The public names: everything imported above but the subpackages (save `export`) and the backend
# check; the documentation's API reference covers each (tests/test_docs.py checks).
__all__ = sorted(
    name
    for name, value in dict(globals()).items()
    if not name.startswith("_") and not isinstance(value, _ModuleType) and value is not require_tensorflow_backend
) + ["export"]
