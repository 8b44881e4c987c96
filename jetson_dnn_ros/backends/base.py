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
The inference backend contract shared by ONNX Runtime and TensorRT.

A backend owns one loaded model. It describes its inputs and outputs as :class:`TensorSpec`
and runs ``infer({input name: array}) -> {output name: array}``. A backend that can take
preprocessing onto its device (TensorRT with a CUDA kernel) returns a preprocessor from
:meth:`InferenceBackend.create_preprocessor`; the pipeline then hands it the raw image and
passes whatever it returns to :meth:`InferenceBackend.infer` unchanged, so device buffers
never have to come back to the host.
"""

from abc import ABC
from abc import abstractmethod
from dataclasses import dataclass
from typing import Dict, Mapping, Optional, Tuple, Union

from jetson_dnn_ros.errors import BackendError
import numpy as np

Dim = Union[int, None]


@dataclass(frozen=True)
class TensorSpec:
    """
    Name, shape and dtype of one model input or output.

    :param name: the tensor name in the model.
    :param shape: dimensions; ``None`` for a dynamic dimension (batch, height, …).
    :param dtype: numpy dtype of the tensor on the host.
    """

    name: str
    shape: Tuple[Dim, ...]
    dtype: np.dtype

    @property
    def is_dynamic(self) -> bool:
        """Return True if any dimension is dynamic."""
        return any(d is None for d in self.shape)

    def matches(self, shape) -> bool:
        """Return True if a concrete ``shape`` fits this spec (dynamic dims match anything)."""
        return len(shape) == len(self.shape) and all(
            d is None or d == s for d, s in zip(self.shape, shape))


class InferenceBackend(ABC):
    """
    One loaded model ready to run; a context manager that closes itself.

    Subclasses set :attr:`name` (``onnxruntime``/``tensorrt``), :attr:`device` (a short
    human-readable description, e.g. ``CPUExecutionProvider``) and :attr:`precision`.
    """

    name = 'base'
    device = 'unknown'
    precision = 'fp32'

    def __init__(self):
        self._closed = False

    @property
    @abstractmethod
    def input_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model inputs in model order."""

    @property
    @abstractmethod
    def output_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model outputs in model order."""

    @abstractmethod
    def _infer(self, inputs: Mapping[str, object]) -> Dict[str, np.ndarray]:
        """Run the model; ``inputs`` are already checked against :attr:`input_specs`."""

    def _close(self) -> None:
        """Release the runtime's resources (override; called once)."""

    def infer(self, inputs: Mapping[str, object]) -> Dict[str, np.ndarray]:
        """
        Run the model on one batch.

        :param inputs: ``{input name: array}``; each array has the spec's dtype and a shape that
            fits it. Objects returned by this backend's own preprocessor are accepted as is.
        :return: ``{output name: array}`` on the host, in the engine's dtype. Arrays may be
            buffers reused by the next call: copy what you keep.
        :raises BackendError: if the backend is closed, an input is missing, unknown or of the
            wrong shape or dtype, or the runtime fails.
        """
        if self._closed:
            raise BackendError(f'{self.name} backend is closed')
        specs = {s.name: s for s in self.input_specs}
        missing = set(specs) - set(inputs)
        unknown = set(inputs) - set(specs)
        if missing or unknown:
            raise BackendError(f'inputs do not match the model: missing {sorted(missing)}, '
                               f'unknown {sorted(unknown)}; the model takes {sorted(specs)}')
        for name, value in inputs.items():
            if isinstance(value, np.ndarray):
                spec = specs[name]
                if not spec.matches(value.shape):
                    raise BackendError(f'input {name!r} has shape {value.shape}, the model '
                                       f'takes {spec.shape}')
                if value.dtype != spec.dtype:
                    raise BackendError(f'input {name!r} has dtype {value.dtype}, the model '
                                       f'takes {spec.dtype}')
        return self._infer(inputs)

    def create_preprocessor(self, spec) -> Optional[object]:
        """
        Return a device preprocessor for ``spec``, or None to use the CPU path.

        The returned callable takes ``(image, encoding)`` and returns ``(tensor, transform)``
        exactly like :class:`jetson_dnn_ros.preprocessing.Preprocessor`; ``tensor`` may be a
        device-side object this backend's :meth:`infer` accepts.
        """
        return None

    def describe(self) -> Dict[str, str]:
        """Return facts for logs and diagnostics: backend, device, precision."""
        return {'backend': self.name, 'device': str(self.device), 'precision': self.precision}

    def close(self) -> None:
        """Release the model and every buffer; safe to call more than once."""
        if not self._closed:
            self._closed = True
            self._close()

    @property
    def closed(self) -> bool:
        """Return True once :meth:`close` has run."""
        return self._closed

    def __enter__(self):
        """Return self."""
        return self

    def __exit__(self, *exc_info):
        """Close the backend."""
        self.close()
        return False
