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
Every TensorRT version difference (8.5 → 11) in one place.

The rest of the backend calls these helpers and never tests versions itself. Features are
detected by the attributes the installed bindings expose, and the version is used only where
an attribute exists but changed meaning:

- ``NetworkDefinitionCreationFlag.EXPLICIT_BATCH``: required before 10, deprecated and ignored
  in 10, gone after; networks are always explicit-batch.
- ``IBuilderConfig.max_workspace_size`` (≤ 8.3) → ``set_memory_pool_limit(WORKSPACE, …)``
  (8.4+, the only one from 10).
- INT8 calibrators (``IInt8EntropyCalibrator2``, ``IBuilderConfig.int8_calibrator``):
  present up to 10 (deprecated there), absent from 11's Python bindings; with them
  ``IBuilderConfig.set_calibration_profile`` (7.1+, deprecated in 10.1 with implicit INT8),
  which must be set to calibrate a network with runtime dimensions; explicit
  quantisation (QDQ models) works everywhere, through ``BuilderFlag.INT8`` or, where that
  flag is gone, a strongly typed network (``NetworkDefinitionCreationFlag.STRONGLY_TYPED``,
  9+).
- ``IProgressMonitor``: 8.6+.
- Tensor-name API (``num_io_tensors``, ``set_input_shape``, ``set_tensor_address``,
  ``execute_async_v3``): 8.5+, the binding-index API is gone in 10; versions before 8.5 are
  refused with a clear error.
- ``IParserError.node_name()``/``node_operator()``: 10+; ``node()`` (an index) everywhere.
"""

import importlib
import re
from typing import List, Optional, Tuple

from jetson_dnn_ros.errors import BackendError, EngineBuildError, ModelError
import numpy as np

MIN_VERSION = (8, 5)
"""Oldest TensorRT the backend runs on (first with the tensor-name API)."""


def version_tuple(text: str) -> Tuple[int, ...]:
    """Return ``'10.3.0.26'`` as ``(10, 3, 0, 26)``; non-numeric parts end the tuple."""
    parts = []
    for part in str(text).split('.'):
        match = re.match(r'\d+', part)
        if not match:
            break
        parts.append(int(match.group()))
    return tuple(parts) or (0,)


def import_tensorrt():
    """
    Import and return the ``tensorrt`` module.

    :raises BackendError: if TensorRT is not installed or older than :data:`MIN_VERSION`.
    """
    try:
        trt = importlib.import_module('tensorrt')
    except ImportError as exc:
        raise BackendError('TensorRT is not installed (on Jetson it comes with JetPack: '
                           'apt install python3-libnvinfer; on x86: pip install tensorrt); '
                           'or use backend onnxruntime') from exc
    check_version(trt)
    return trt


def check_version(trt) -> Tuple[int, ...]:
    """
    Return the TensorRT version tuple.

    :raises BackendError: if it is older than :data:`MIN_VERSION` or lacks the tensor API.
    """
    version = version_tuple(getattr(trt, '__version__', '0'))
    if version[:2] < MIN_VERSION:
        raise BackendError(f'TensorRT {trt.__version__} is too old: jetson_dnn_ros needs '
                           f'{MIN_VERSION[0]}.{MIN_VERSION[1]}+ (JetPack 5.1+) for the '
                           'tensor-name API; upgrade TensorRT or use backend onnxruntime')
    return version


def import_pycuda():
    """
    Import and return ``pycuda.driver`` (never ``pycuda.autoinit``).

    :raises BackendError: if pycuda is not installed.
    """
    try:
        return importlib.import_module('pycuda.driver')
    except ImportError as exc:
        raise BackendError('pycuda is not installed: pip install pycuda (needs the CUDA '
                           'toolkit; on Jetson: export CUDA_ROOT=/usr/local/cuda first)') from exc


def network_flags(trt, strongly_typed: bool = False) -> int:
    """
    Return the ``create_network`` flags: explicit batch (where needed), strongly typed.

    :raises EngineBuildError: if ``strongly_typed`` is asked of a TensorRT without it.
    """
    flags = 0
    names = trt.NetworkDefinitionCreationFlag
    if version_tuple(trt.__version__)[0] < 10 and hasattr(names, 'EXPLICIT_BATCH'):
        flags |= 1 << int(names.EXPLICIT_BATCH)
    if strongly_typed:
        if not hasattr(names, 'STRONGLY_TYPED'):
            raise EngineBuildError(f'TensorRT {trt.__version__} has no strongly typed networks '
                                   '(needs 9+)')
        flags |= 1 << int(names.STRONGLY_TYPED)
    return flags


def set_workspace(trt, config, nbytes: int) -> None:
    """Limit the builder's scratch memory to ``nbytes``."""
    if hasattr(config, 'set_memory_pool_limit'):
        config.set_memory_pool_limit(trt.MemoryPoolType.WORKSPACE, int(nbytes))
    else:
        config.max_workspace_size = int(nbytes)


def has_calibrators(trt) -> bool:
    """Return True if implicit INT8 calibration exists (TensorRT ≤ 10)."""
    return hasattr(trt, 'IInt8EntropyCalibrator2') and hasattr(trt.BuilderFlag, 'INT8')


def set_calibrator(trt, config, calibrator, profile=None) -> None:
    """
    Attach an INT8 calibrator and its calibration profile to ``config``.

    :param profile: the ``IOptimizationProfile`` calibration runs at (its OPT shapes;
        TensorRT overwrites MIN and MAX with OPT), or None. Set with
        ``IBuilderConfig.set_calibration_profile`` where it exists (7.1+, as Polygraphy's
        ``CreateConfig`` does); without it TensorRT calibrates at the OPT shapes of the first
        optimisation profile.
    :raises EngineBuildError: where calibrators are absent (TensorRT 11+), or if TensorRT
        refuses the calibration profile.
    """
    if not has_calibrators(trt) or not hasattr(config, 'int8_calibrator'):
        raise EngineBuildError(
            f'TensorRT {trt.__version__} has no INT8 calibrators (removed from the Python '
            'bindings in TensorRT 11): quantise the model explicitly (a QDQ ONNX model, e.g. '
            'with NVIDIA ModelOpt) and build it with precision int8, or use fp16')
    config.int8_calibrator = calibrator
    if profile is not None and hasattr(config, 'set_calibration_profile'):
        if not config.set_calibration_profile(profile):
            raise EngineBuildError(f'TensorRT {trt.__version__} refused the INT8 calibration '
                                   'profile; check the profile shapes (profile=/--profile)')


def explicit_int8(trt) -> Tuple[bool, bool]:
    """Return ``(set BuilderFlag.INT8, use a strongly typed network)`` for a QDQ model."""
    if hasattr(trt.BuilderFlag, 'INT8'):
        return True, False
    return False, hasattr(trt.NetworkDefinitionCreationFlag, 'STRONGLY_TYPED')


def has_progress_monitor(trt) -> bool:
    """Return True if ``IProgressMonitor`` exists (TensorRT 8.6+)."""
    return hasattr(trt, 'IProgressMonitor') and version_tuple(trt.__version__)[:2] >= (8, 6)


def fast_fp16(builder, compute_capability: Tuple[int, int]) -> bool:
    """Return True if the GPU runs FP16 fast (``platform_has_fast_fp16`` where it exists)."""
    value = getattr(builder, 'platform_has_fast_fp16', None)
    if value is None:  # removed after 10: every supported GPU (SM 7.5+, Orin 8.7) has it
        return tuple(compute_capability) >= (5, 3)
    return bool(value)


def create_timing_cache(config, data: bytes):
    """
    Return an ``ITimingCache`` from ``data`` and attach it to ``config``.

    An invalid cache, or one TensorRT refuses to attach (``set_timing_cache`` returns False
    when it was made on a device with other properties), is replaced by an empty one, so the
    file is rewritten with timings of this device instead of being kept unused forever.
    """
    cache = None
    if data:
        try:
            cache = config.create_timing_cache(data)
        except Exception:  # noqa: B902 - TensorRT raises plain RuntimeError on bad blobs
            cache = None
        if cache is not None and not config.set_timing_cache(cache, False):
            cache = None  # ignore_mismatch=False: made on another device
    if cache is None:
        cache = config.create_timing_cache(b'')
        config.set_timing_cache(cache, False)
    return cache


def parser_errors(parser) -> List[str]:
    """Return one line per ONNX parser error: node index, name and operator, description."""
    lines = []
    for i in range(parser.num_errors):
        error = parser.get_error(i)
        parts = []
        node = error.node() if hasattr(error, 'node') else -1
        if node is not None and node >= 0:
            parts.append(f'node {node}')
        name = error.node_name() if hasattr(error, 'node_name') else ''
        if name:
            parts.append(f'name {name!r}')
        op = error.node_operator() if hasattr(error, 'node_operator') else ''
        if op:
            parts.append(f'op {op}')
        code = error.code()
        code = getattr(code, 'name', code)
        where = ', '.join(parts) or 'model'
        lines.append(f'{where}: {code}: {error.desc()}')
    return lines


def numpy_dtype(trt, dtype) -> np.dtype:
    """
    Return the numpy dtype of a TensorRT ``DataType``.

    :raises ModelError: for types numpy has no equivalent of (bf16, fp8, int4).
    """
    try:
        return np.dtype(trt.nptype(dtype))
    except TypeError as exc:
        raise ModelError(f'tensor type {dtype} has no numpy equivalent; export the model '
                         'with float32/float16 inputs and outputs') from exc


def io_tensors(trt, engine) -> List[Tuple[str, bool, Tuple[Optional[int], ...], np.dtype]]:
    """
    Return ``[(name, is_input, shape with None for dynamic dims, numpy dtype)]``.

    Engine order, which need not be the ONNX order: look tensors up by name.
    """
    if not hasattr(engine, 'num_io_tensors'):
        raise BackendError(f'TensorRT {trt.__version__} lacks the tensor-name API (8.5+)')
    out = []
    for i in range(engine.num_io_tensors):
        name = engine.get_tensor_name(i)
        is_input = engine.get_tensor_mode(name) == trt.TensorIOMode.INPUT
        shape = tuple(None if int(d) < 0 else int(d) for d in engine.get_tensor_shape(name))
        out.append((name, is_input, shape, numpy_dtype(trt, engine.get_tensor_dtype(name))))
    return out


def use_dla(trt, builder, config, core: int) -> None:
    """
    Run layers on DLA ``core`` with GPU fallback.

    :raises EngineBuildError: if the platform has no such DLA core.
    """
    available = int(getattr(builder, 'num_DLA_cores', 0))
    if not 0 <= int(core) < available:
        raise EngineBuildError(f'DLA core {core} requested but this GPU has {available} DLA '
                               'cores (Jetson AGX/NX Orin and Xavier have 1–2); drop dla_core')
    config.default_device_type = trt.DeviceType.DLA
    config.DLA_core = int(core)
    config.set_flag(trt.BuilderFlag.GPU_FALLBACK)
