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

"""ONNX Runtime backend: runs the ONNX file directly, on any machine."""

import os
from typing import Dict, Mapping, Optional, Sequence, Tuple

from jetson_dnn_ros.backends.base import InferenceBackend
from jetson_dnn_ros.backends.base import TensorSpec
from jetson_dnn_ros.errors import BackendError
from jetson_dnn_ros.errors import ModelError
import numpy as np

_ORT_DTYPES = {
    'tensor(float)': np.float32, 'tensor(float16)': np.float16, 'tensor(double)': np.float64,
    'tensor(int64)': np.int64, 'tensor(int32)': np.int32, 'tensor(int8)': np.int8,
    'tensor(uint8)': np.uint8, 'tensor(bool)': np.bool_,
}
PROVIDER_PREFERENCE = ('TensorrtExecutionProvider', 'CUDAExecutionProvider',
                       'CPUExecutionProvider')
"""Execution providers in order of preference for ``providers=None``."""


def _import_ort():
    try:
        import onnxruntime
    except ImportError as exc:
        raise BackendError('ONNX Runtime is not installed: pip install onnxruntime '
                           '(or onnxruntime-gpu on a CUDA machine)') from exc
    return onnxruntime


def available_providers() -> Tuple[str, ...]:
    """Return ONNX Runtime's available execution providers, or () if it is not installed."""
    try:
        return tuple(_import_ort().get_available_providers())
    except BackendError:
        return ()


def _dims(shape) -> Tuple[Optional[int], ...]:
    return tuple(d if isinstance(d, int) and d > 0 else None for d in shape)


class OnnxRuntimeBackend(InferenceBackend):
    """
    Run an ONNX model with ONNX Runtime.

    :param model_path: path of the ``.onnx`` file.
    :param providers: execution providers to try in order; ``None`` picks the best available
        of :data:`PROVIDER_PREFERENCE` (TensorRT EP, CUDA EP, CPU).
    :param precision: ``fp32`` (``fp16`` is honoured by the TensorRT EP only).
    :param intra_op_threads: CPU threads per operator; 0 lets ONNX Runtime choose.
    :raises ModelError: if the file is missing or is not a loadable ONNX model.
    :raises BackendError: if ONNX Runtime is not installed.
    """

    name = 'onnxruntime'

    def __init__(self, model_path: str, providers: Optional[Sequence[str]] = None,
                 precision: str = 'fp32', intra_op_threads: int = 0):
        super().__init__()
        ort = _import_ort()
        if not os.path.isfile(model_path):
            raise ModelError(f'model file not found: {model_path}')
        available = ort.get_available_providers()
        if providers is None:
            providers = [p for p in PROVIDER_PREFERENCE if p in available]
        chosen = []
        for provider in providers:
            if provider not in available:
                raise BackendError(f'ONNX Runtime provider {provider} is not available here '
                                   f'(available: {", ".join(available)})')
            if provider == 'TensorrtExecutionProvider':
                chosen.append((provider, {'trt_fp16_enable': precision == 'fp16'}))
            else:
                chosen.append(provider)
        options = ort.SessionOptions()
        options.log_severity_level = 3
        options.intra_op_num_threads = int(intra_op_threads)
        try:
            self._session = ort.InferenceSession(model_path, sess_options=options,
                                                 providers=chosen)
        except Exception as exc:  # noqa: B902 - ORT: Fail, InvalidGraph, … -> ModelError
            raise ModelError(f'ONNX Runtime cannot load {model_path}: {exc}') from exc
        self.device = self._session.get_providers()[0]
        self.precision = precision if self.device == 'TensorrtExecutionProvider' else 'fp32'
        self.model_path = model_path
        self._inputs = tuple(self._spec(i) for i in self._session.get_inputs())
        self._outputs = tuple(self._spec(o) for o in self._session.get_outputs())
        self._output_names = [o.name for o in self._outputs]

    @staticmethod
    def _spec(arg) -> TensorSpec:
        dtype = _ORT_DTYPES.get(arg.type)
        if dtype is None:
            raise ModelError(f'tensor {arg.name!r} has unsupported type {arg.type}')
        return TensorSpec(arg.name, _dims(arg.shape), np.dtype(dtype))

    @property
    def input_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model inputs (dynamic dims are ``None``)."""
        return self._inputs

    @property
    def output_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the model outputs (dynamic dims are ``None``)."""
        return self._outputs

    def _infer(self, inputs: Mapping[str, object]) -> Dict[str, np.ndarray]:
        try:
            values = self._session.run(self._output_names, dict(inputs))
        except Exception as exc:  # noqa: B902 - ORT raises its own classes -> BackendError
            raise BackendError(f'ONNX Runtime failed: {exc}') from exc
        return dict(zip(self._output_names, values))

    def _close(self) -> None:
        self._session = None
