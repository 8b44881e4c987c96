# Copyright 2026 The jetson_dnn_ros Authors
#
# Licensed under the Apache License, Version 2.0 (the "License");
# you may not use this file except in compliance with the License.
# You may obtain a copy of the License at
#
#     http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS,
# WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied.
# See the License for the specific language governing permissions and
# limitations under the License.

"""Image classification: softmax (single-label) or sigmoid (multi-label) top-k."""

from dataclasses import dataclass
from typing import Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.labels import label_of
from jetson_dnn_ros.tasks.base import Decoder
from jetson_dnn_ros.tasks.base import freeze
from jetson_dnn_ros.tasks.base import register_decoder
import numpy as np


@dataclass(frozen=True)
class ClassificationResult:
    """
    Top classes of one image, highest score first.

    :param class_ids: (K,) int64 class indices (index into the model's labels).
    :param scores: (K,) float32 probabilities in [0, 1].
    :param labels: K class names (the class id as text where the model has no labels).
    :param multi_label: True when scores are independent sigmoids, not a softmax.
    :param image_size: (height, width) of the source image in pixels.
    """

    class_ids: np.ndarray
    scores: np.ndarray
    labels: Tuple[str, ...]
    multi_label: bool
    image_size: Tuple[int, int]
    task = 'classification'

    def __len__(self) -> int:
        """Return the number of reported classes."""
        return int(self.class_ids.shape[0])

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict."""
        return {'task': self.task, 'image_size': list(self.image_size),
                'multi_label': self.multi_label,
                'classes': [{'class_id': int(c), 'label': lab, 'score': float(s)}
                            for c, lab, s in zip(self.class_ids, self.labels, self.scores)]}


def softmax(logits: np.ndarray, axis: int = -1) -> np.ndarray:
    """Return the softmax of ``logits`` along ``axis`` (float32, numerically stable)."""
    x = np.asarray(logits, np.float32)
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Return the logistic sigmoid of ``x`` (float32)."""
    return 1.0 / (1.0 + np.exp(-np.asarray(x, np.float32)))


@register_decoder('classification')
class ClassificationDecoder(Decoder):
    """
    Decode a (1, C) score vector (torchvision, jetson-inference, ONNX zoo, TF classifiers).

    Config (descriptor ``decoder:``):

    - ``activation``: ``softmax`` (default, for logits), ``sigmoid`` (multi-label logits) or
      ``none`` (the model already outputs probabilities).
    - ``output``: output name (default: the first output).
    - ``background_class``: index of a background class to skip (TF-slim's 1001-class models
      put ``background`` at 0), or None.
    """

    task = 'classification'

    def check_outputs(self, outputs) -> None:
        """Check that the chosen output is (N, C) or (C,)."""
        if self.config.get('activation', 'softmax') not in ('softmax', 'sigmoid', 'none'):
            activation = self.config.get('activation')
            raise ModelError('classification activation must be softmax, sigmoid or none, '
                             f'got {activation!r}')
        name = self.config.get('output')
        spec = next((o for o in outputs if o.name == name), None) if name else outputs[0]
        if spec is None:
            raise ModelError(f'classification: output {name!r} not in '
                             f'{[o.name for o in outputs]}')
        dims = [d for d in spec.shape[1:] if d != 1] if len(spec.shape) > 1 else spec.shape
        if len(dims) != 1:
            raise ModelError(f'classification needs a (N, classes) output, {spec.name!r} has '
                             f'shape {spec.shape}')
        if self.labels is not None and dims[0] is not None and dims[0] != len(self.labels):
            raise ModelError(f'classification output {spec.name!r} has {dims[0]} classes but '
                             f'the labels list {len(self.labels)}')

    def decode(self, outputs, transform, params) -> ClassificationResult:
        """Return the top-k classes with score >= ``params.score_threshold``."""
        raw = np.asarray(self.output(outputs, 'output'), np.float32).reshape(-1)
        activation = self.config.get('activation', 'softmax')
        if activation == 'softmax':
            scores = softmax(raw)
        elif activation == 'sigmoid':
            scores = sigmoid(raw)
        else:
            scores = raw
        background: Optional[int] = self.config.get('background_class')
        if background is not None and 0 <= background < scores.size:
            scores = scores.copy()
            scores[background] = -1.0
        k = min(int(params.top_k), scores.size)
        top = np.argpartition(-scores, k - 1)[:k]
        top = top[np.argsort(-scores[top], kind='stable')]
        top = top[scores[top] >= params.score_threshold]
        return ClassificationResult(
            class_ids=freeze(top.astype(np.int64)),
            scores=freeze(scores[top].astype(np.float32)),
            labels=tuple(label_of(self.labels, int(c)) for c in top),
            multi_label=activation == 'sigmoid',
            image_size=tuple(transform.source_size))


def top1(result: ClassificationResult) -> Optional[Tuple[int, str, float]]:
    """Return ``(class_id, label, score)`` of the best class, or None if none passed."""
    if len(result) == 0:
        return None
    return int(result.class_ids[0]), result.labels[0], float(result.scores[0])


__all__: Sequence[str] = ['ClassificationResult', 'ClassificationDecoder', 'softmax', 'sigmoid',
                          'top1']


def _draw_classification(image, result: ClassificationResult, options):
    """Draw the top classes as text lines in the top-left corner (imageNet's overlay)."""
    from jetson_dnn_ros.overlay import class_color
    from jetson_dnn_ros.overlay import put_label
    if not options.has('labels', ('labels', 'conf')) and not options.has('conf', ('labels',)):
        return image
    y = 0
    show_conf = options.has('conf', ('labels', 'conf'))
    for class_id, label, score in zip(result.class_ids, result.labels, result.scores):
        text = f'{label} {100.0 * score:.1f}%' if show_conf else label
        scale = options.font_scale_for(image)
        y += int(32 * scale) + 6
        put_label(image, text, 4, y, class_color(int(class_id)), options)
    return image


def _register():
    from jetson_dnn_ros.overlay import register_drawer
    register_drawer('classification')(_draw_classification)


_register()
