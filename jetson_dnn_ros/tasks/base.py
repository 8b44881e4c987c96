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

"""
Decoder contract and the decoder registry.

A decoder turns a model's raw outputs into a task result (a frozen dataclass) in source-image
pixels. Adding a model family = one decoder registered here + one descriptor YAML.
"""

from typing import Any, Callable, Dict, Mapping, Sequence, Type

from jetson_dnn_ros.backends.base import TensorSpec
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import DecodeParams
from jetson_dnn_ros.models import ModelDescriptor
from jetson_dnn_ros.preprocessing import GeometricTransform
import numpy as np

_DECODERS: Dict[str, Type['Decoder']] = {}


def register_decoder(name: str) -> Callable[[Type['Decoder']], Type['Decoder']]:
    """Register a decoder class under ``name`` (class decorator)."""
    def wrap(cls):
        if name in _DECODERS and _DECODERS[name] is not cls:
            raise ValueError(f'decoder {name!r} is already registered')
        cls.decoder_name = name
        _DECODERS[name] = cls
        return cls
    return wrap


def decoder_names() -> Sequence[str]:
    """Return the registered decoder names, sorted."""
    _load_builtin()
    return sorted(_DECODERS)


def get_decoder(name: str) -> Type['Decoder']:
    """
    Return the decoder class registered as ``name``.

    :raises ModelError: if no decoder has that name.
    """
    _load_builtin()
    try:
        return _DECODERS[name]
    except KeyError:
        raise ModelError(f'unknown decoder {name!r}; known: {", ".join(sorted(_DECODERS))}'
                         ) from None


def _load_builtin() -> None:
    import importlib
    for module in ('classification', 'detection', 'segmentation', 'pose', 'depth',
                   'instance_segmentation'):
        try:
            importlib.import_module(f'jetson_dnn_ros.tasks.{module}')
        except ModuleNotFoundError as exc:
            if exc.name != f'jetson_dnn_ros.tasks.{module}':
                raise


class Decoder:
    """
    Base class of decoders.

    :param descriptor: the model's descriptor; ``descriptor.decoder_params`` configures the
        decoder (strides, anchors, output names, …).
    :param labels: class names, index = class id, or None.
    """

    task = ''
    decoder_name = ''

    def __init__(self, descriptor: ModelDescriptor, labels=None):
        self.descriptor = descriptor
        self.config: Mapping[str, Any] = descriptor.decoder_params
        self.labels = labels

    def check_outputs(self, outputs: Sequence[TensorSpec]) -> None:
        """
        Check at load time that the model's outputs fit this decoder.

        :raises ModelError: naming the output and what was expected.
        """

    def extra_inputs(self, transform: GeometricTransform,
                     inputs: Sequence[TensorSpec]) -> Dict[str, np.ndarray]:
        """Return model inputs other than the image (e.g. RT-DETR's target sizes)."""
        return {}

    def decode(self, outputs: Mapping[str, np.ndarray], transform: GeometricTransform,
               params: DecodeParams):
        """
        Turn raw outputs into this task's result, in source-image pixels.

        :param outputs: ``{output name: array}`` as the backend returned them.
        :param transform: the source → network mapping of this image.
        :param params: the run-time :class:`DecodeParams`.
        :return: the task's result dataclass.
        :raises ModelError: if the outputs do not have the shapes the decoder needs.
        """
        raise NotImplementedError

    # helpers shared by decoders -------------------------------------------------------
    def output(self, outputs: Mapping[str, np.ndarray], key: str, default_index: int = 0
               ) -> np.ndarray:
        """
        Return the output named by config ``key`` (or the ``default_index``-th one).

        :raises ModelError: if the named output is missing.
        """
        name = self.config.get(key)
        if name is None:
            values = list(outputs.values())
            if default_index >= len(values):
                raise ModelError(f'{self.decoder_name}: the model has {len(values)} '
                                 f'output(s), needs at least {default_index + 1}')
            return values[default_index]
        if name not in outputs:
            raise ModelError(f'{self.decoder_name}: output {name!r} not found; the model '
                             f'has {sorted(outputs)}')
        return outputs[name]


def freeze(array: np.ndarray) -> np.ndarray:
    """Return ``array`` marked read-only (results are immutable)."""
    array = np.asarray(array)
    array.flags.writeable = False
    return array
