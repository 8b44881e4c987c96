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
Inference backends and :func:`create_backend`, which picks one.

Runtimes (onnxruntime, tensorrt, pycuda) are imported only when a backend is created, so the
package imports on machines that have none of them.
"""

import importlib.util
import logging
from typing import Optional, Sequence

from jetson_dnn_ros.backends.base import InferenceBackend
from jetson_dnn_ros.backends.base import TensorSpec
from jetson_dnn_ros.errors import BackendError

BACKENDS = ('auto', 'onnxruntime', 'tensorrt')
LOG = logging.getLogger(__name__)


def tensorrt_usable() -> bool:
    """Return True if TensorRT and pycuda import and a CUDA GPU is present."""
    if importlib.util.find_spec('tensorrt') is None or importlib.util.find_spec('pycuda') is None:
        return False
    try:
        import pycuda.driver as cuda
        cuda.init()
        return cuda.Device.count() > 0
    except Exception:  # noqa: B902 - a probe: any CUDA failure means no GPU
        return False


def create_backend(kind: str, model_path: str, *, precision: str = 'fp16',
                   providers: Optional[Sequence[str]] = None,
                   **tensorrt_options) -> InferenceBackend:
    """
    Create the backend that runs ``model_path``.

    :param kind: ``auto`` (TensorRT when it imports and a GPU exists, else ONNX Runtime with
        its best provider), ``onnxruntime`` or ``tensorrt``.
    :param model_path: the ONNX file.
    :param precision: ``fp32``, ``fp16`` or ``int8`` (TensorRT; ONNX Runtime runs fp32 unless
        its TensorRT provider is used).
    :param providers: ONNX Runtime execution providers, ``None`` for the best available.
    :param tensorrt_options: passed to the TensorRT backend (``engine_cache_dir``,
        ``force_engine_update``, ``dla_core``, ``workspace_mib``, …).
    :return: an open :class:`InferenceBackend`.
    :raises BackendError: on an unknown kind or a runtime that is not installed.
    :raises ModelError: if the model cannot be loaded, or ``tensorrt`` is asked for a model
        whose ONNX Runtime int8 operators (DynamicQuantizeLinear, ConvInteger, QLinearConv,
        …) TensorRT cannot parse (``auto`` runs such a model with ONNX Runtime).
    """
    if kind not in BACKENDS:
        raise BackendError(f'unknown backend {kind!r}; choose one of {", ".join(BACKENDS)}')
    if kind == 'auto':
        kind = 'tensorrt' if tensorrt_usable() else 'onnxruntime'
        if kind == 'tensorrt' and str(model_path).endswith('.onnx'):
            from jetson_dnn_ros.inspection import load_onnx, unparsable_ops
            ops = unparsable_ops(load_onnx(model_path))
            if ops:
                LOG.warning('%s uses %s (ONNX Runtime int8 quantisation), which TensorRT '
                            'cannot parse: running it with ONNX Runtime', model_path,
                            ', '.join(ops))
                kind = 'onnxruntime'
    if kind == 'tensorrt':
        if str(model_path).endswith('.onnx'):
            from jetson_dnn_ros.inspection import check_tensorrt_parsable
            check_tensorrt_parsable(model_path)
        try:
            from jetson_dnn_ros.backends.tensorrt import TensorRTBackend
        except ImportError as exc:
            raise BackendError(f'the TensorRT backend is not available: {exc}') from exc
        return TensorRTBackend(model_path, precision=precision, **tensorrt_options)
    from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
    return OnnxRuntimeBackend(model_path, providers=providers,
                              precision='fp16' if precision == 'fp16' else 'fp32')


__all__ = ['BACKENDS', 'InferenceBackend', 'TensorSpec', 'create_backend', 'tensorrt_usable']
