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
TensorRT backend: build (or load a cached) engine from the ONNX file and run it with pycuda.

Building: explicit-batch network parsed by ``OnnxParser`` (every parser error is reported with
its node index, name and operator), one optimisation profile (min/opt/max shapes from
``profile``/``input_shapes``; static inputs use their own shape; a dynamic batch alone
defaults to 1), a workspace memory-pool limit, FP16 where the GPU has fast FP16 (else a
warning and FP32), INT8 by explicit quantisation (QDQ models) everywhere or by an entropy
calibrator where the installed TensorRT still has calibrators (with a calibration profile at
the OPT shapes, which TensorRT requires for inputs with runtime dimensions and which the
calibrator's batches are shaped to), optional DLA core with GPU
fallback, a timing cache reused between builds, and build progress through
``IProgressMonitor`` (a tqdm bar) where available. Engines are cached by
:mod:`jetson_dnn_ros.backends.engine_cache`; an INT8 engine built by calibration is keyed by
a fingerprint of its calibration data too (see :meth:`TensorRTBackend`'s ``calibration``).

Running: the backend owns a CUDA context (the device's primary context, retained) that it
pushes and pops around every call, so any thread (a ROS executor's) may call it; pinned host
buffers, device buffers allocated once per input shape, one stream, asynchronous copies,
``execute_async_v3``, outputs looked up by name, dtypes from the engine. On integrated GPUs
(Jetson) host buffers are mapped pinned memory and nothing is copied. ``infer`` takes numpy
arrays or the :class:`~jetson_dnn_ros.backends.cuda_preprocess.DeviceTensor` made by
:meth:`TensorRTBackend.create_preprocessor` (already in the input buffer: no copy).

Every TensorRT version difference lives in :mod:`jetson_dnn_ros.backends.trt_compat`.
"""

from contextlib import contextmanager
import logging
import os
from pathlib import Path
import threading
import time
from typing import Dict, Mapping, Optional, Sequence, Tuple

from jetson_dnn_ros.backends import trt_compat
from jetson_dnn_ros.backends.base import InferenceBackend, TensorSpec
from jetson_dnn_ros.backends.cuda_preprocess import CudaPreprocessor, DeviceTensor
from jetson_dnn_ros.backends.engine_cache import atomic_write, calibration_cache_digest
from jetson_dnn_ros.backends.engine_cache import EngineCache, EngineKey, file_sha256
from jetson_dnn_ros.backends.engine_cache import read_entry, write_entry
from jetson_dnn_ros.errors import BackendError, EngineBuildError, ModelError
import numpy as np

LOG = logging.getLogger(__name__)
PRECISIONS = ('fp32', 'fp16', 'int8')
Shape = Tuple[int, ...]


def _make_logger(trt, verbose: bool = False):
    """Return a ``trt.ILogger`` forwarding to :mod:`logging` and keeping error messages."""

    class TrtLogger(trt.ILogger):

        def __init__(self):
            trt.ILogger.__init__(self)
            self.errors = []

        def log(self, severity, msg):
            level = int(severity)
            if level <= int(trt.ILogger.Severity.ERROR):
                self.errors.append(msg)
                LOG.error('TensorRT: %s', msg)
            elif level == int(trt.ILogger.Severity.WARNING):
                LOG.warning('TensorRT: %s', msg)
            elif level == int(trt.ILogger.Severity.INFO) and verbose:
                LOG.info('TensorRT: %s', msg)
            else:
                LOG.debug('TensorRT: %s', msg)

    return TrtLogger()


def _make_progress(trt, show_bar: bool = True):
    """Return an ``IProgressMonitor`` drawing tqdm bars (TensorRT 8.6+), or None."""
    if not trt_compat.has_progress_monitor(trt):
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        tqdm = None

    class Progress(trt.IProgressMonitor):

        def __init__(self):
            trt.IProgressMonitor.__init__(self)
            self._bars = {}

        def phase_start(self, phase_name, parent_phase, num_steps):
            LOG.info('engine build: %s (%d steps)', phase_name, num_steps)
            if tqdm is not None and show_bar:
                # some phases do not know their step count up front and report -1
                total = num_steps if num_steps > 0 else None
                self._bars[phase_name] = tqdm(total=total, desc=phase_name, leave=False,
                                              position=len(self._bars), dynamic_ncols=True)

        def step_complete(self, phase_name, step):
            bar = self._bars.get(phase_name)
            if bar is not None:
                bar.update(step + 1 - bar.n)
            return True

        def phase_finish(self, phase_name):
            bar = self._bars.pop(phase_name, None)
            if bar is not None:
                bar.close()

    return Progress()


def is_qdq_model(onnx_bytes: bytes) -> bool:
    """
    Return True if the ONNX model holds QuantizeLinear/DequantizeLinear (explicit INT8).

    The op-type strings appear verbatim in the serialized protobuf, so no ONNX import is
    needed.
    """
    return b'QuantizeLinear' in onnx_bytes and b'DequantizeLinear' in onnx_bytes


def _shape(value) -> Shape:
    return tuple(int(d) for d in value)


def normalize_profile(profile: Optional[Mapping] = None,
                      input_shapes: Optional[Mapping] = None) -> Dict[str, Tuple[Shape, ...]]:
    """
    Merge ``profile`` and ``input_shapes`` into ``{name: (min, opt, max)}``.

    :param profile: ``{name: (min, opt, max)}`` or ``{name: {min:, opt:, max:}}``.
    :param input_shapes: ``{name: shape}``, each a static profile.

    :raises ModelError: if a profile is malformed or not ``min <= opt <= max`` per dimension.
    """
    out = {}
    for name, shape in (input_shapes or {}).items():
        s = _shape(shape)
        out[str(name)] = (s, s, s)
    for name, shapes in (profile or {}).items():
        if isinstance(shapes, Mapping):
            shapes = (shapes['min'], shapes['opt'], shapes['max'])
        if len(shapes) != 3:
            raise ModelError(f'profile of {name!r} needs (min, opt, max) shapes, got {shapes!r}')
        lo, mid, hi = (_shape(s) for s in shapes)
        if not (len(lo) == len(mid) == len(hi)) or any(
                not (a <= b <= c) or a < 1 for a, b, c in zip(lo, mid, hi)):
            raise ModelError(f'profile of {name!r} must satisfy 1 <= min <= opt <= max per '
                             f'dimension, got min {lo} opt {mid} max {hi}')
        out[str(name)] = (lo, mid, hi)
    return out


def resolve_profile(inputs: Sequence[Tuple[str, Shape]], requested: Mapping,
                    defaults: Optional[Mapping] = None) -> Dict[str, Tuple[Shape, ...]]:
    """
    Return min/opt/max for every network input.

    :param inputs: ``[(name, shape with -1 for dynamic dims)]`` from the parsed network.
    :param requested: :func:`normalize_profile` output.
    :param defaults: ``{name or None: shape}`` used for dynamic inputs not in ``requested``
        (``None`` = the first input), e.g. the preprocessing spec's shape.
    :raises EngineBuildError: for an unknown input name, a shape that contradicts the static
        dims, or a dynamic input with no shape to build for.
    """
    names = [n for n, _ in inputs]
    unknown = set(requested) - set(names)
    if unknown:
        raise EngineBuildError(f'profile names unknown inputs {sorted(unknown)}; the model '
                               f'inputs are {names}')
    defaults = dict(defaults or {})
    if None in defaults and names:
        defaults.setdefault(names[0], defaults.pop(None))
    out = {}
    for name, dims in inputs:
        dims = tuple(int(d) for d in dims)
        if name in requested:
            shapes = requested[name]
        elif all(d >= 0 for d in dims):
            shapes = (dims,) * 3
        elif name in defaults:
            s = _shape(defaults[name])
            shapes = (s, s, s)
        elif all(d >= 0 for d in dims[1:]):
            s = (1,) + dims[1:]
            shapes = (s, s, s)
        else:
            raise EngineBuildError(
                f'input {name!r} has dynamic dimensions {dims}; give the shapes to build for, '
                f"e.g. input_shapes={{'{name}': {tuple(1 if d < 0 else d for d in dims)}}} or "
                f"profile={{'{name}': (min, opt, max)}} (--input-shape / --profile)")
        for s in shapes:
            if len(s) != len(dims) or any(d >= 0 and d != v for d, v in zip(dims, s)):
                raise EngineBuildError(f'shape {s} for input {name!r} does not fit the model '
                                       f'input {dims}')
        out[name] = tuple(tuple(s) for s in shapes)
    return out


def build_serialized_engine(trt, onnx_path: str, onnx_bytes: bytes, precision: str,
                            profile: Mapping, *, defaults: Optional[Mapping] = None,
                            workspace_mib: int = 1024, dla_core: Optional[int] = None,
                            calibrator=None, timing_cache_path: Optional[Path] = None,
                            compute_capability: Tuple[int, int] = (0, 0), progress: bool = True,
                            logger=None) -> Tuple[bytes, Dict]:
    """
    Build a serialized engine from ONNX bytes.

    :param trt: the ``tensorrt`` module.
    :param onnx_path: the file (for messages and external weights).
    :param onnx_bytes: its content.
    :param precision: ``fp32``, ``fp16`` or ``int8``.
    :param profile: :func:`normalize_profile` output (may be empty).
    :param defaults: shapes for dynamic inputs (see :func:`resolve_profile`).
    :param workspace_mib: builder scratch memory limit in MiB.
    :param dla_core: DLA core index, or None for the GPU only.
    :param calibrator: a ``trt.IInt8Calibrator`` for implicit INT8, or None. Calibration
        runs at the OPT shapes of ``profile`` (set as the calibration profile); a calibrator
        with a ``bind_shapes`` method (that of
        :func:`~jetson_dnn_ros.backends.calibration.make_calibrator`) is given them before
        the build, any other must supply batches of those shapes.
    :param timing_cache_path: timing-cache file read before and written after the build.
    :param compute_capability: the GPU's, for the FP16 check where TensorRT lacks it.
    :param progress: show tqdm progress bars (log lines are always written).
    :param logger: a ``trt.ILogger``; None makes one that forwards to :mod:`logging`.
    :return: ``(engine bytes, build facts)``; facts hold the resolved profile, the effective
        precision, the build time in seconds and the calibration shapes (None without).
    :raises EngineBuildError: on a parse error (each one listed with node name and op), an
        impossible precision, a shape problem or a failed build.
    """
    if precision not in PRECISIONS:
        raise EngineBuildError(f'precision {precision!r} is not one of {PRECISIONS}')
    logger = logger or _make_logger(trt)
    start = time.perf_counter()
    qdq = is_qdq_model(onnx_bytes)
    strongly_typed = False
    int8_flag = False
    if precision == 'int8':
        if qdq:
            int8_flag, strongly_typed = trt_compat.explicit_int8(trt)
        elif calibrator is None:
            if not trt_compat.has_calibrators(trt):
                raise EngineBuildError(
                    f'precision int8 needs a QDQ (explicitly quantised) model on TensorRT '
                    f'{trt.__version__}: its Python bindings have no INT8 calibrators; '
                    'quantise the ONNX (e.g. NVIDIA ModelOpt) or use fp16')
            raise EngineBuildError(
                f'{onnx_path} has no quantisation (QDQ) nodes: precision int8 needs calibration '
                'images (calibration=<image folder or rosbag>, --calibration-images) or a QDQ '
                'model')
        else:
            int8_flag = True
    builder = trt.Builder(logger)
    network = builder.create_network(trt_compat.network_flags(trt, strongly_typed))
    parser = trt.OnnxParser(network, logger)
    # the path lets the parser resolve external weight files next to the model (pyOnnx.cpp
    # ``parse(model, path)``); no chdir, which would race with other executor threads
    parsed = parser.parse(onnx_bytes, os.path.abspath(onnx_path))
    if not parsed:
        errors = trt_compat.parser_errors(parser)
        raise EngineBuildError(f'TensorRT {trt.__version__} cannot parse {onnx_path} '
                               f'({len(errors)} error(s)):\n  ' + '\n  '.join(errors) +
                               '\nsimplify/re-export the model (onnxsim, a newer opset) or '
                               'use backend onnxruntime')
    inputs = [(network.get_input(i).name, _shape(network.get_input(i).shape))
              for i in range(network.num_inputs)]
    shapes = resolve_profile(inputs, profile, defaults)
    config = builder.create_builder_config()
    trt_compat.set_workspace(trt, config, int(workspace_mib) << 20)
    opt_profile = builder.create_optimization_profile()
    for name, (lo, mid, hi) in shapes.items():
        opt_profile.set_shape(name, lo, mid, hi)
    config.add_optimization_profile(opt_profile)
    effective = precision
    if precision in ('fp16', 'int8') and not strongly_typed:
        if trt_compat.fast_fp16(builder, compute_capability):
            config.set_flag(trt.BuilderFlag.FP16)
        elif precision == 'fp16':
            LOG.warning('this GPU has no fast FP16; building an FP32 engine instead')
            effective = 'fp32'
    if int8_flag:
        config.set_flag(trt.BuilderFlag.INT8)
    calib_shapes = None
    if calibrator is not None and precision == 'int8' and not qdq:
        # TensorRT calibrates at one shape per input, the OPT shape of the calibration
        # profile (MIN and MAX are overwritten by OPT); it must be set for runtime dimensions
        calib_shapes = {name: mid for name, (_, mid, _) in shapes.items()}
        calib_profile = builder.create_optimization_profile()
        for name, mid in calib_shapes.items():
            calib_profile.set_shape(name, mid, mid, mid)
        trt_compat.set_calibrator(trt, config, calibrator, calib_profile)
        bind = getattr(calibrator, 'bind_shapes', None)
        if callable(bind):
            bind(calib_shapes)
        LOG.info('INT8 calibration runs at %s', calib_shapes)
    if dla_core is not None:
        trt_compat.use_dla(trt, builder, config, dla_core)
    cache = None
    if timing_cache_path is not None:
        path = Path(timing_cache_path)
        data = path.read_bytes() if path.is_file() else b''
        cache = trt_compat.create_timing_cache(config, data)
    monitor = _make_progress(trt, progress)
    if monitor is not None:
        config.progress_monitor = monitor
    LOG.info('building a %s TensorRT %s engine for %s (profile %s); this can take minutes',
             effective, trt.__version__, os.path.basename(onnx_path), shapes)
    serialized = builder.build_serialized_network(network, config)
    if serialized is None:
        detail = '; '.join(getattr(logger, 'errors', [])[-5:]) or 'see the TensorRT log'
        raise EngineBuildError(f'TensorRT failed to build an engine for {onnx_path}: {detail}')
    if cache is not None:
        try:
            atomic_write(timing_cache_path, bytes(cache.serialize()))
        except EngineBuildError as exc:
            LOG.warning('timing cache not saved: %s', exc)
    seconds = time.perf_counter() - start
    LOG.info('engine built in %.1f s', seconds)
    facts = {'profile': {k: [list(s) for s in v] for k, v in shapes.items()},
             'effective_precision': effective, 'build_seconds': round(seconds, 3),
             'explicit_int8': bool(qdq and precision == 'int8'),
             'calibration_shapes': None if calib_shapes is None else
             {k: list(v) for k, v in calib_shapes.items()}}
    return bytes(serialized), facts


class _Buffer:
    """Host and device memory of one engine tensor."""

    __slots__ = ('name', 'shape', 'dtype', 'capacity', 'host', 'device', 'ptr')

    def __init__(self, name, dtype):
        self.name, self.dtype = name, np.dtype(dtype)
        self.shape, self.capacity = None, 0
        self.host = self.device = None
        self.ptr = 0

    def view(self) -> np.ndarray:
        count = int(np.prod(self.shape, dtype=np.int64))
        return self.host[:count].reshape(self.shape)


class TensorRTBackend(InferenceBackend):
    """
    Run an ONNX model through a TensorRT engine (built once, then cached).

    :param model_path: the ``.onnx`` file.
    :param precision: ``fp32``, ``fp16`` (default; FP32 where the GPU lacks fast FP16) or
        ``int8`` (QDQ models, or implicit calibration with ``calibration``).
    :param engine_cache_dir: engine cache folder; None = ``$JETSON_DNN_CACHE/engines``.
    :param force_engine_update: rebuild even if a valid cached engine exists.
    :param dla_core: DLA core (Jetson Xavier/Orin) with GPU fallback; None = GPU only.
    :param workspace_mib: builder scratch memory limit in MiB.
    :param input_shapes: ``{input name: shape}`` to build a static engine for.
    :param profile: ``{input name: (min, opt, max)}`` for dynamic inputs.
    :param default_input_shapes: ``{input name or None: shape}`` used for dynamic inputs
        not covered above (the pipeline passes the preprocessing spec's shape).
    :param calibration: implicit INT8 calibration data: an image folder, a rosbag, or a
        ready ``trt.IInt8Calibrator``; needs ``calibration_spec`` for folders and bags.
        Images are preprocessed to the OPT shape of the profile (calibration runs there).
        The engine cache key of a calibrated INT8 engine holds a fingerprint of the folder's
        image files or the bag's storage files (name, size, mtime), the image limit and the
        sha256 of a given ``calibration_cache``, so new data rebuilds the engine. A
        calibrator object's data cannot be seen: it needs ``calibration_id``.
    :param calibration_spec: the model's :class:`~jetson_dnn_ros.preprocessing.PreprocessSpec`.
    :param calibration_cache: calibration cache file, read instead of calibrating when it
        exists (TensorRT's rule; its sha256 is in the key); None = one beside the engine,
        owned by the engine's key (never stale).
    :param calibration_images: at most this many calibration images.
    :param calibration_id: a string naming the calibration data of a calibrator object, put
        in the engine key: change it whenever that data (or its cache) changes. Required
        with a calibrator object (an :class:`EngineBuildError` otherwise); optional extra
        salt with a folder or bag.
    :param device: CUDA device index.
    :param engine_file_path: load/write the engine at this path (metadata beside it)
        instead of the cache folder (Isaac ROS's ``engine_file_path``).
    :param use_gpu_preprocessing: let :meth:`create_preprocessor` return the CUDA kernel.
    :param mapped_memory: use mapped pinned memory; None = on integrated GPUs that can map.
    :param timing_cache: reuse a timing cache between builds.
    :param progress: show build progress bars.
    :param verbose: forward TensorRT's INFO messages to the log.
    :raises BackendError: if TensorRT or pycuda is missing, too old, or the GPU is unusable.
    :raises EngineBuildError: if the engine cannot be built or deserialised.
    :raises ModelError: if the model file is missing or a profile is malformed.
    """

    name = 'tensorrt'

    def __init__(self, model_path: str, precision: str = 'fp16',
                 engine_cache_dir: Optional[str] = None, force_engine_update: bool = False,
                 dla_core: Optional[int] = None, workspace_mib: int = 1024,
                 input_shapes: Optional[Mapping] = None, profile: Optional[Mapping] = None,
                 default_input_shapes: Optional[Mapping] = None, calibration=None,
                 calibration_spec=None, calibration_cache: Optional[str] = None,
                 calibration_images: int = 500, calibration_id: Optional[str] = None,
                 device: int = 0,
                 engine_file_path: Optional[str] = None, use_gpu_preprocessing: bool = True,
                 mapped_memory: Optional[bool] = None, timing_cache: bool = True,
                 progress: bool = True, verbose: bool = False):
        super().__init__()
        if precision not in PRECISIONS:
            raise BackendError(f'precision {precision!r} is not one of {PRECISIONS}')
        if not os.path.isfile(model_path):
            raise ModelError(f'model file not found: {model_path}')
        self._trt = trt_compat.import_tensorrt()
        self._cuda = trt_compat.import_pycuda()
        self.model_path = str(model_path)
        self.requested_precision = self.precision = precision
        self.use_gpu_preprocessing = bool(use_gpu_preprocessing)
        self._lock = threading.RLock()
        self._ctx = None
        self._pushed = False
        self._runtime = self._engine = self._context = None
        self._stream = None
        self._buffers: Dict[str, _Buffer] = {}
        self._bound = False  # the context's shapes and addresses match the buffers
        self._preprocessors = []
        self._calibrator = None
        self.engine_path: Optional[Path] = None
        self.engine_built = False
        self.rebuild_reason = ''
        try:
            self._open_device(device, mapped_memory)
            with self._ctx_scope():
                self._load(precision, engine_cache_dir, force_engine_update, dla_core,
                           workspace_mib, normalize_profile(profile, input_shapes),
                           default_input_shapes, calibration, calibration_spec,
                           calibration_cache, calibration_images, calibration_id,
                           engine_file_path, timing_cache, progress, verbose)
                self._stream = self._cuda.Stream()
                self._describe_io()
        except BaseException:  # noqa: B902 - release CUDA resources, then re-raise
            self._release()
            raise

    # -- CUDA context ----------------------------------------------------------------------

    def _open_device(self, device: int, mapped_memory: Optional[bool]) -> None:
        cuda = self._cuda
        try:
            cuda.init()
            dev = cuda.Device(int(device))
            self.gpu_name = dev.name()
            self.compute_capability = tuple(int(v) for v in dev.compute_capability())
            attrs = cuda.device_attribute
            integrated = bool(dev.get_attribute(attrs.INTEGRATED))
            can_map = bool(dev.get_attribute(attrs.CAN_MAP_HOST_MEMORY))
            self._ctx = dev.retain_primary_context()
        except cuda.Error as exc:
            raise BackendError(f'CUDA device {device} is not usable: {exc}') from exc
        self.integrated = integrated
        self._mapped = (integrated and can_map) if mapped_memory is None else \
            bool(mapped_memory and can_map)
        self.device = f'{self.gpu_name} (sm_{self.compute_capability[0]}' \
                      f'{self.compute_capability[1]}, TensorRT {self._trt.__version__})'

    @contextmanager
    def _ctx_scope(self):
        """
        Make the backend's CUDA context current on the calling thread for the block.

        :raises BackendError: if the backend was closed (by another thread) in the meantime.
        """
        if self._ctx is None:
            raise BackendError('tensorrt backend is closed')
        self._ctx.push()
        try:
            yield
        finally:
            self._cuda.Context.pop()

    # -- engine ----------------------------------------------------------------------------

    def _load(self, precision, cache_dir, force, dla_core, workspace_mib, profile, defaults,
              calibration, calibration_spec, calibration_cache, calibration_images,
              calibration_id, engine_file_path, timing_cache, progress, verbose):
        trt = self._trt
        logger = self._logger = _make_logger(trt, verbose)
        onnx_bytes = Path(self.model_path).read_bytes()
        sha = file_sha256(self.model_path)
        options = {}
        if defaults:
            options['default_input_shapes'] = sorted(
                (str(k), list(_shape(v))) for k, v in dict(defaults).items())
        calibrating = (precision == 'int8' and calibration is not None and
                       trt_compat.has_calibrators(trt) and not is_qdq_model(onnx_bytes))
        if calibrating:
            options.update(self._calibration_options(calibration, calibration_cache,
                                                     calibration_images, calibration_id))
        elif calibration is not None and isinstance(calibration, (str, os.PathLike)):
            # engines that are not calibrated keep the key they always had
            options['calibration'] = os.path.basename(os.path.normpath(str(calibration)))

        def make_key():
            return EngineKey(sha, trt.__version__, self.gpu_name, self.compute_capability,
                             precision, profile, dla_core, options)

        key = make_key()
        cache = EngineCache(cache_dir)
        stem = Path(self.model_path).stem
        path = Path(engine_file_path).expanduser() if engine_file_path else \
            cache.path_for(key, stem)
        self.engine_path = path
        # the default calibration cache belongs to the calibration data: the keyed engine
        # path already says which; a fixed engine_file_path gets the key digest added
        default_calib = f'{path}.calib' if not engine_file_path else \
            f'{path}.{key.digest()[:16]}.calib'
        data = None
        if force:
            self.rebuild_reason = 'force_engine_update'
        else:
            data, reason = read_entry(path, key)
            if data is None:
                self.rebuild_reason = reason
                if reason != 'missing':
                    LOG.warning('cached engine %s is unusable (%s); rebuilding', path, reason)
        self._runtime = trt.Runtime(logger)
        if dla_core is not None:
            self._runtime.DLA_core = int(dla_core)
        if data is not None:
            self._engine = self._runtime.deserialize_cuda_engine(data)
            if self._engine is None:
                self.rebuild_reason = 'corrupt: TensorRT could not deserialise the engine'
                LOG.warning('cached engine %s does not deserialise; rebuilding', path)
            else:
                LOG.info('loaded cached TensorRT engine %s', path)
        if self._engine is None:
            calibrator = self._make_calibrator(calibration, calibration_spec,
                                               calibration_cache or default_calib,
                                               calibration_images, precision, onnx_bytes)
            timing = cache.timing_cache_path(trt.__version__, self.gpu_name,
                                             self.compute_capability) if timing_cache else None
            try:
                data, facts = build_serialized_engine(
                    trt, self.model_path, onnx_bytes, precision, profile, defaults=defaults,
                    workspace_mib=workspace_mib, dla_core=dla_core, calibrator=calibrator,
                    timing_cache_path=timing, compute_capability=self.compute_capability,
                    progress=progress, logger=logger)
            finally:
                if self._calibrator is not None:
                    self._calibrator.close()
                    self._calibrator = None
            self.engine_built = True
            if 'calibration_cache' in options:
                # a given cache the build wrote (it calibrated) is what the engine was built
                # from: key the entry by its digest now, so the next start reuses it
                options['calibration_cache'] = calibration_cache_digest(calibration_cache)
                if make_key() != key:
                    key = make_key()
                    if not engine_file_path:
                        path = self.engine_path = cache.path_for(key, stem)
            self._engine = self._runtime.deserialize_cuda_engine(data)
            if self._engine is None:
                raise EngineBuildError(f'TensorRT built an engine for {self.model_path} but '
                                       'cannot deserialise it: ' +
                                       '; '.join(logger.errors[-3:]))
            write_entry(path, key, data, {'model': self.model_path, **facts})
            LOG.info('wrote TensorRT engine %s', path)
            if facts['effective_precision'] != precision:
                self.precision = facts['effective_precision']
        if dla_core is not None:
            self.device += f', DLA core {dla_core}'

    @staticmethod
    def _calibration_options(calibration, cache_file, limit, calibration_id) -> Dict[str, str]:
        """
        Return the engine-key options naming the data an INT8 calibration uses.

        :raises EngineBuildError: for a calibrator object without ``calibration_id`` (the key
            cannot see its data, and reusing an engine calibrated on other data is silent),
            or a missing/empty calibration source.
        """
        out = {}
        if isinstance(calibration, (str, os.PathLike)):
            from jetson_dnn_ros.backends.calibration import source_fingerprint
            out['calibration'] = source_fingerprint(calibration)
            out['calibration_images'] = str(int(limit))
            if cache_file:
                out['calibration_cache'] = calibration_cache_digest(cache_file)
        else:
            if not calibration_id:
                raise EngineBuildError(
                    'a calibrator object needs calibration_id=<string naming its data>: the '
                    'engine cache cannot see what it calibrates on, so without an id an '
                    'engine calibrated on other data would be reused; change the id whenever '
                    'the data or its calibration cache changes')
            out['calibration'] = 'calibrator'
        if calibration_id:
            out['calibration_id'] = str(calibration_id)
        return out

    def _make_calibrator(self, calibration, spec, cache_file, limit, precision, onnx_bytes):
        if precision != 'int8' or calibration is None or is_qdq_model(onnx_bytes):
            return None
        if not isinstance(calibration, (str, os.PathLike)):
            return calibration  # a ready trt.IInt8Calibrator
        if spec is None:
            raise EngineBuildError('INT8 calibration from images needs the model '
                                   'preprocessing (calibration_spec=descriptor.preprocess)')
        from jetson_dnn_ros.backends.calibration import make_calibrator
        self._calibrator = make_calibrator(self._trt, spec, calibration, cache_file,
                                           max_images=limit)
        return self._calibrator

    def _describe_io(self):
        trt, engine = self._trt, self._engine
        self._inputs, self._outputs, self._profile = [], [], {}
        for name, is_input, shape, dtype in trt_compat.io_tensors(trt, engine):
            spec = TensorSpec(name, shape, dtype)
            (self._inputs if is_input else self._outputs).append(spec)
            self._buffers[name] = _Buffer(name, dtype)
            if is_input:
                lo, _, hi = engine.get_tensor_profile_shape(name, 0)
                self._profile[name] = (_shape(lo), _shape(hi))
        self._context = engine.create_execution_context()
        if self._context is None:
            raise BackendError('TensorRT could not create an execution context (out of GPU '
                               'memory?)')
        static = {s.name: s.shape for s in self._inputs if not s.is_dynamic}
        if static:
            self._prepare(static)

    @property
    def input_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the engine inputs (dynamic dims are ``None``), in engine order."""
        return tuple(self._inputs)

    @property
    def output_specs(self) -> Tuple[TensorSpec, ...]:
        """Return the engine outputs, in engine order (which need not be the ONNX order)."""
        return tuple(self._outputs)

    @property
    def profile(self) -> Dict[str, Tuple[Shape, Shape]]:
        """Return ``{input name: (min shape, max shape)}`` of the optimisation profile."""
        return dict(self._profile)

    # -- buffers ---------------------------------------------------------------------------

    def _prepare(self, shapes: Mapping[str, Shape]) -> None:
        """
        Set input shapes and make every buffer fit them (context must be current).

        Every shape is checked before anything changes, and the output buffers and tensor
        addresses are refreshed until one call completes, so a failure half-way (a shape
        TensorRT rejects, an allocation that fails) never leaves the context pointing at freed
        memory or at outputs sized for other input shapes.
        """
        ctx = self._context
        todo = {}
        for name, shape in shapes.items():
            shape = _shape(shape)
            if self._buffers[name].shape == shape:
                continue
            lo, hi = self._profile[name]
            if len(shape) != len(lo) or any(not a <= s <= b for a, s, b in zip(lo, shape, hi)):
                raise BackendError(f'input {name!r} shape {shape} is outside the engine '
                                   f'optimisation profile (min {lo}, max {hi}); rebuild with '
                                   'a profile that covers it (profile=/--profile)')
            todo[name] = shape
        if not todo and self._bound:
            return
        self._bound = False
        for name, shape in todo.items():
            if not ctx.set_input_shape(name, shape):
                raise BackendError(f'TensorRT rejected shape {shape} for input {name!r}')
            self._allocate(self._buffers[name], shape)
        for spec in self._outputs:
            shape = _shape(ctx.get_tensor_shape(spec.name))
            if any(d < 0 for d in shape):
                raise BackendError(f'output {spec.name!r} has a data-dependent shape {shape}; '
                                   'such models are not supported by this backend')
            self._allocate(self._buffers[spec.name], shape)
        for name, buf in self._buffers.items():
            if buf.shape is not None:
                ctx.set_tensor_address(name, buf.ptr)
        self._bound = True

    def _allocate(self, buf: _Buffer, shape: Shape) -> None:
        cuda = self._cuda
        count = int(np.prod(shape, dtype=np.int64))
        if count <= buf.capacity:
            buf.shape = shape
            return
        buf.shape = None  # until the new memory exists
        self._free(buf)
        flags = cuda.host_alloc_flags.DEVICEMAP if self._mapped else 0
        buf.host = cuda.pagelocked_empty(max(1, count), buf.dtype, mem_flags=flags)
        if self._mapped:
            buf.ptr = int(buf.host.base.get_device_pointer())
        else:
            buf.device = cuda.mem_alloc(max(1, count) * buf.dtype.itemsize)
            buf.ptr = int(buf.device)
        buf.capacity, buf.shape = count, shape

    @staticmethod
    def _free(buf: _Buffer) -> None:
        if buf.device is not None:
            buf.device.free()
            buf.device = None
        if buf.host is not None:
            buf.host.base.free()
            buf.host = None
        buf.capacity, buf.ptr = 0, 0

    def _input_pointer(self, name: str, shape: Shape) -> int:
        """Return the device pointer of input ``name`` sized for ``shape``."""
        with self._lock:
            self._prepare({name: shape})
            return self._buffers[name].ptr

    # -- inference -------------------------------------------------------------------------

    def _infer(self, inputs: Mapping[str, object]) -> Dict[str, np.ndarray]:
        cuda = self._cuda
        with self._lock, self._ctx_scope():
            stream = self._stream
            self._prepare({name: _shape(value.shape) for name, value in inputs.items()})
            for name, value in inputs.items():
                buf = self._buffers[name]
                if isinstance(value, DeviceTensor):
                    if np.dtype(value.dtype) != buf.dtype:
                        raise BackendError(f'input {name!r} has dtype {value.dtype}, the '
                                           f'engine takes {buf.dtype}')
                    if int(value.ptr) != buf.ptr:
                        cuda.memcpy_dtod_async(buf.ptr, int(value.ptr), value.nbytes, stream)
                elif isinstance(value, np.ndarray):
                    host = buf.view()
                    np.copyto(host, value)
                    if not self._mapped:
                        cuda.memcpy_htod_async(buf.device, host, stream)
                else:
                    raise BackendError(f'input {name!r} must be a numpy array or a '
                                       f'DeviceTensor, got {type(value).__name__}')
            if not self._context.execute_async_v3(stream.handle):
                raise BackendError('TensorRT execute_async_v3 failed: ' +
                                   '; '.join(self._logger.errors[-3:]))
            outputs = {}
            for spec in self._outputs:
                buf = self._buffers[spec.name]
                host = buf.view()
                if not self._mapped:
                    cuda.memcpy_dtoh_async(host, buf.device, stream)
                outputs[spec.name] = host
            stream.synchronize()
        return outputs

    def create_preprocessor(self, spec):
        """
        Return the CUDA preprocessing kernel for ``spec``, or None for the CPU path.

        The kernel writes into this backend's input buffer, so :meth:`infer` copies nothing.
        None when ``use_gpu_preprocessing`` is off, no input takes ``spec``'s tensor, or the
        kernel cannot be compiled (a warning says why).
        """
        if not self.use_gpu_preprocessing or self._closed:
            return None
        dtype = np.dtype(spec.dtype)
        target = next((s for s in self._inputs
                       if s.matches(spec.input_shape) and s.dtype == dtype), None)
        if target is None:
            return None
        try:
            with self._lock, self._ctx_scope():
                pre = CudaPreprocessor(
                    spec, stream=self._stream, mapped=self._mapped,
                    destination=lambda shape, _dtype: self._input_pointer(target.name, shape))
        except BackendError as exc:
            LOG.warning('GPU preprocessing unavailable, using the CPU path: %s', exc)
            return None
        self._preprocessors.append(pre)
        return _ScopedPreprocessor(self, pre)

    # -- cleanup ---------------------------------------------------------------------------

    def _close(self) -> None:
        self._release()

    def _release(self) -> None:
        """Free buffers, execution context, engine, runtime, then the CUDA context."""
        if self._ctx is None:
            return
        with self._lock:
            self._ctx.push()
            try:
                if self._stream is not None:
                    self._stream.synchronize()
                for pre in self._preprocessors:
                    pre.close()
                self._preprocessors = []
                if self._calibrator is not None:
                    self._calibrator.close()
                    self._calibrator = None
                for buf in self._buffers.values():
                    self._free(buf)
                self._buffers = {}
                self._context = None
                self._engine = None
                self._runtime = None
                self._stream = None
            finally:
                # detach while current: pycuda then releases the primary context from any
                # thread and pops it; detaching a non-current context on a thread other
                # than the one that retained it (a ROS executor's) silently releases nothing
                self._ctx.detach()
                self._ctx = None


class _ScopedPreprocessor:
    """Call a :class:`CudaPreprocessor` with the backend's lock held and context current."""

    def __init__(self, backend: TensorRTBackend, pre: CudaPreprocessor):
        self._backend, self.preprocessor = backend, pre
        self.spec = pre.spec

    def __call__(self, image: np.ndarray, encoding: str):
        """Preprocess ``image`` into the backend's input buffer (see CudaPreprocessor)."""
        backend = self._backend
        if backend.closed:
            raise BackendError('tensorrt backend is closed')
        with backend._lock, backend._ctx_scope():
            return self.preprocessor(image, encoding)

    def close(self) -> None:
        """Free the kernel's buffers now (the backend frees the rest at close); idempotent."""
        backend = self._backend
        with backend._lock:
            if backend.closed or self.preprocessor not in backend._preprocessors:
                return
            backend._preprocessors.remove(self.preprocessor)
            with backend._ctx_scope():
                self.preprocessor.close()
