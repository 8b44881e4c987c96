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
Stand-in for the TensorRT 10 Python bindings (``import tensorrt``) used by CI tests.

Mirrors the bindings' sources in NVIDIA/TensorRT ``python/src/infer/pyCore.cpp`` (Logger,
Builder, IBuilderConfig, Runtime, ICudaEngine, IExecutionContext, IProgressMonitor),
``python/src/infer/pyGraph.cpp`` (INetworkDefinition, ITensor), ``python/src/infer/pyInt8.cpp``
(calibrators) and ``python/src/parsers/pyOnnx.cpp`` (OnnxParser, ParserError; TensorRT 10
adds ``node_name``/``node_operator``), plus the sample ``samples/python/common_runtime.py``
for the buffer protocol, and the TensorRT 10 Python API documentation (``Logger``,
``Builder``, ``NetworkDefinitionCreationFlag``, ``BuilderFlag``, ``MemoryPoolType``,
``OnnxParser``, ``IBuilderConfig``, ``IOptimizationProfile``, ``ITimingCache``,
``IHostMemory``, ``Runtime``, ``ICudaEngine`` with the tensor-name API,
``IExecutionContext.execute_async_v3``, ``IInt8EntropyCalibrator2``, ``IProgressMonitor``).

INT8 calibration (implicit quantisation, a calibrator on a network without Q/DQ layers) runs
at one shape per input, the OPT shape of the calibration profile
(``IBuilderConfig.set_calibration_profile``: pyCore.cpp binds it with ``profile`` and
returns bool; its docstring in ``python/docstrings/infer/pyCoreDoc.h``: "MIN and MAX values
will be overwritten by OPT"). Without a calibration profile TensorRT calibrates at the OPT
shapes of the first optimization profile (trtexec, ``samples/common/sampleEngines.cpp``,
sizes its calibrator from that profile's OPT when ``--calibProfile`` is absent; Polygraphy's
``backend/trt/util.py`` reads calibration data shapes from the OPT shapes): the stand-in does
the same rather than failing. Each ``get_batch`` pointer is read as a tensor of that shape,
so a calibrator buffer sized for another shape overruns its allocation as on a GPU.

It computes nothing itself: the "engine" is the ONNX bytes plus build metadata behind a magic
header and a sha256 trailer, and ``execute_async_v3`` reads the input tensors from the
simulated device memory of the pycuda stand-in, runs the ONNX model with ONNX Runtime and
writes the outputs back, so every number comes from a real model run. Corrupt or foreign
engine bytes make ``Runtime.deserialize_cuda_engine`` return ``None`` as TensorRT does.

The engine orders its output tensors in reverse ONNX order (TensorRT promises no order), so
callers must look tensors up by name.
"""

import enum
import hashlib
import json
import struct

import numpy as np

__version__ = '10.3.0'

OUTPUT_SCALE = {}
"""Test-only fault injection (issue 14, parity gate): ``{output name: factor}`` multiplies that
output of every engine run, standing for an engine that computes wrong values (as TensorRT
versions that compute wrong depth on Jetson, ros2-depth-anything-v3-trt#16). The values are
still ONNX Runtime's, scaled; empty (the default) = exact. A name that is not an output of the
engine run raises :class:`OutputScaleError` (a typo must not make the run silently exact)."""


class OutputScaleError(LookupError):
    """``OUTPUT_SCALE`` names an output the engine does not have (a mistake in the test)."""


_MAGIC = b'TRTSTANDIN-ENGINE\x00'
_CACHE_MAGIC = b'TRTSTANDIN-TIMING\x00'
live_objects = {'builder': 0, 'runtime': 0, 'engine': 0, 'context': 0}
"""Objects created and not deleted yet (stand-in only; leak tests read it)."""


class _Counted:
    _kind = ''

    def _count(self):
        live_objects[self._kind] += 1
        self._counted = True

    def __del__(self):
        if getattr(self, '_counted', False):
            live_objects[self._kind] -= 1
            self._counted = False


class ILogger:
    """Base class of loggers; subclasses implement ``log(severity, msg)``."""

    class Severity(enum.IntEnum):
        INTERNAL_ERROR = 0
        ERROR = 1
        WARNING = 2
        INFO = 3
        VERBOSE = 4

    def __init__(self):
        pass

    def log(self, severity, msg):
        """Receive one message."""


class Logger(ILogger):
    """The default logger: keeps messages at or above ``min_severity``."""

    INTERNAL_ERROR = ILogger.Severity.INTERNAL_ERROR
    ERROR = ILogger.Severity.ERROR
    WARNING = ILogger.Severity.WARNING
    INFO = ILogger.Severity.INFO
    VERBOSE = ILogger.Severity.VERBOSE

    def __init__(self, min_severity=ILogger.Severity.WARNING):
        super().__init__()
        self.min_severity = min_severity
        self.messages = []

    def log(self, severity, msg):
        """Record the message (and keep it for tests)."""
        self.messages.append((severity, msg))


class DataType(enum.IntEnum):
    FLOAT = 0
    HALF = 1
    INT8 = 2
    INT32 = 3
    BOOL = 4
    UINT8 = 5
    FP8 = 6
    BF16 = 7
    INT64 = 8
    INT4 = 9


_NP = {DataType.FLOAT: np.float32, DataType.HALF: np.float16, DataType.INT8: np.int8,
       DataType.INT32: np.int32, DataType.BOOL: np.bool_, DataType.UINT8: np.uint8,
       DataType.INT64: np.int64}
_ONNX_ELEM = {1: DataType.FLOAT, 10: DataType.HALF, 3: DataType.INT8, 6: DataType.INT32,
              9: DataType.BOOL, 2: DataType.UINT8, 7: DataType.INT64}


def nptype(trt_type):
    """Return the numpy type of a :class:`DataType`."""
    try:
        return _NP[trt_type]
    except KeyError:
        raise TypeError(f'Could not resolve TensorRT datatype to an equivalent numpy datatype. '
                        f'{trt_type}') from None


class NetworkDefinitionCreationFlag(enum.IntEnum):
    EXPLICIT_BATCH = 0  # deprecated and ignored in TensorRT 10
    STRONGLY_TYPED = 1


class BuilderFlag(enum.IntEnum):
    FP16 = 0
    INT8 = 1
    DEBUG = 2
    GPU_FALLBACK = 3
    REFIT = 5
    DISABLE_TIMING_CACHE = 6
    TF32 = 7
    SPARSE_WEIGHTS = 8
    SAFETY_SCOPE = 9
    OBEY_PRECISION_CONSTRAINTS = 10
    PREFER_PRECISION_CONSTRAINTS = 11
    DIRECT_IO = 12
    REJECT_EMPTY_ALGORITHMS = 13
    VERSION_COMPATIBLE = 14
    EXCLUDE_LEAN_RUNTIME = 15
    FP8 = 16
    BF16 = 17


class MemoryPoolType(enum.IntEnum):
    WORKSPACE = 0
    DLA_MANAGED_SRAM = 1
    DLA_LOCAL_DRAM = 2
    DLA_GLOBAL_DRAM = 3
    TACTIC_DRAM = 4


class DeviceType(enum.IntEnum):
    GPU = 0
    DLA = 1


class TensorIOMode(enum.IntEnum):
    NONE = 0
    INPUT = 1
    OUTPUT = 2


class ProfilingVerbosity(enum.IntEnum):
    LAYER_NAMES_ONLY = 0
    NONE = 1
    DETAILED = 2


class CalibrationAlgoType(enum.IntEnum):
    LEGACY_CALIBRATION = 0
    ENTROPY_CALIBRATION = 1
    ENTROPY_CALIBRATION_2 = 2
    MINMAX_CALIBRATION = 3


class Dims(tuple):
    """Tensor dimensions; -1 marks a dynamic dimension."""


class IHostMemory(bytes):
    """Serialized data owned by TensorRT; supports the buffer protocol."""

    @property
    def nbytes(self):
        """Return the size in bytes."""
        return len(self)


class IInt8Calibrator:
    """Base of INT8 calibrators (deprecated in TensorRT 10)."""

    def __init__(self):
        pass

    def get_batch_size(self):
        """Return the calibration batch size."""
        return 1

    def get_algorithm(self):
        """Return the calibration algorithm."""
        return CalibrationAlgoType.ENTROPY_CALIBRATION_2


class IInt8EntropyCalibrator2(IInt8Calibrator):
    """Entropy calibrator 2 base class; implement get_batch and the cache methods."""


class IProgressMonitor:
    """Build progress callbacks: phase_start, step_complete, phase_finish."""

    def __init__(self):
        pass


class ITensor:
    """A network input or output."""

    def __init__(self, name, shape, dtype):
        self.name, self.shape, self.dtype = name, Dims(shape), dtype
        self.is_network_input = False
        self.is_network_output = False


class INetworkDefinition:
    """A network filled by :class:`OnnxParser`."""

    def __init__(self, flags):
        self._flags = flags
        self._inputs, self._outputs = [], []
        self._onnx = None
        self._has_qdq = False
        self.num_layers = 0

    def get_flag(self, flag):
        """Return True if the network was created with ``flag``."""
        return bool(self._flags & (1 << int(flag)))

    @property
    def num_inputs(self):
        return len(self._inputs)

    @property
    def num_outputs(self):
        return len(self._outputs)

    def get_input(self, index):
        """Return the input tensor at ``index``."""
        return self._inputs[index]

    def get_output(self, index):
        """Return the output tensor at ``index``."""
        return self._outputs[index]


class ErrorCode(enum.IntEnum):
    SUCCESS = 0
    INTERNAL_ERROR = 1
    INVALID_VALUE = 2
    INVALID_GRAPH = 3
    INVALID_NODE = 4
    UNSUPPORTED_GRAPH = 5
    UNSUPPORTED_NODE = 6


class ParserError:
    """One ONNX parser error (``nvonnxparser::IParserError``)."""

    def __init__(self, code, desc, node=-1, node_name='', node_operator=''):
        self._code, self._desc = code, desc
        self._node, self._node_name, self._node_operator = node, node_name, node_operator

    def code(self):
        return self._code

    def desc(self):
        return self._desc

    def node(self):
        return self._node

    def node_name(self):
        return self._node_name

    def node_operator(self):
        return self._node_operator

    def file(self):
        return 'ModelImporter.cpp'

    def line(self):
        return 0

    def func(self):
        return 'parseGraph'

    def __str__(self):
        return (f'In node {self._node} with name: {self._node_name} and operator: '
                f'{self._node_operator} ({self.func()}): {self._code.name}: {self._desc}')


SUPPORTED_OPS = frozenset((
    'Abs Acos Add And ArgMax ArgMin Asin Atan AveragePool BatchNormalization Cast Ceil Clip '
    'Concat Constant ConstantOfShape Conv ConvTranspose Cos CumSum DepthToSpace '
    'DequantizeLinear Div Einsum Elu Equal Erf Exp Expand Flatten Floor Gather GatherElements '
    'GatherND Gemm GlobalAveragePool GlobalMaxPool Greater GreaterOrEqual HardSigmoid HardSwish '
    'Identity InstanceNormalization LayerNormalization LeakyRelu Less LessOrEqual Log '
    'LogSoftmax MatMul Max MaxPool Mean Min Mod Mul Neg NonMaxSuppression Not Or Pad Pow PRelu '
    'QuantizeLinear Range Reciprocal ReduceL2 ReduceMax ReduceMean ReduceMin ReduceProd '
    'ReduceSum Relu Reshape Resize ScatterElements ScatterND Selu Shape Sigmoid Sign Sin Slice '
    'Softmax Softplus SpaceToDepth Split Sqrt Squeeze Sub Sum Tanh Tile TopK Transpose '
    'Unsqueeze Upsample Where Xor').split())
"""ONNX operators the stand-in parser accepts (a subset of onnx-tensorrt's operators.md)."""


class OnnxParser:
    """Parse an ONNX model into a network, reporting errors per node as TensorRT does."""

    def __init__(self, network, logger):
        self._network, self._logger = network, logger
        self._errors = []

    @property
    def num_errors(self):
        return len(self._errors)

    def get_error(self, index):
        """Return the error at ``index``."""
        return self._errors[index]

    def clear_errors(self):
        """Forget the errors."""
        self._errors = []

    def parse_from_file(self, path):
        """Parse the ONNX file at ``path``."""
        with open(path, 'rb') as f:
            return self.parse(f.read(), path)

    def parse(self, model, path=None):
        """Parse serialized ONNX bytes; return True on success."""
        import onnx
        try:
            proto = onnx.load_from_string(bytes(model))
        except Exception as exc:  # noqa: B902 - any parse failure is a parser error
            self._errors.append(ParserError(ErrorCode.INVALID_GRAPH,
                                            f'Failed to parse ONNX model: {exc}'))
            return False
        graph = proto.graph
        ok = True
        for index, node in enumerate(graph.node):
            if node.domain not in ('', 'ai.onnx') or node.op_type not in SUPPORTED_OPS:
                self._logger.log(Logger.WARNING, f'No importer registered for op: '
                                 f'{node.op_type}. Attempting to import as plugin.')
                self._errors.append(ParserError(
                    ErrorCode.UNSUPPORTED_NODE,
                    f'No importer registered for op: {node.op_type}. Attempting to import as '
                    'plugin. Plugin not found, are the plugin name, version, and namespace '
                    'correct?', index, node.name, node.op_type))
                ok = False
            if node.op_type in ('QuantizeLinear', 'DequantizeLinear'):
                self._network._has_qdq = True
        if not ok:
            return False
        inits = {i.name for i in graph.initializer}
        net = self._network
        for value in graph.input:
            if value.name not in inits:
                net._inputs.append(self._tensor(value, True))
        for value in graph.output:
            net._outputs.append(self._tensor(value, False))
        net._onnx = proto.SerializeToString()
        net.num_layers = len(graph.node)
        return True

    @staticmethod
    def _tensor(value, is_input):
        ttype = value.type.tensor_type
        dims = tuple(d.dim_value if d.HasField('dim_value') and d.dim_value > 0 else -1
                     for d in ttype.shape.dim)
        tensor = ITensor(value.name, dims, _ONNX_ELEM.get(ttype.elem_type, DataType.FLOAT))
        tensor.is_network_input, tensor.is_network_output = is_input, not is_input
        return tensor


class IOptimizationProfile:
    """min/opt/max shapes of dynamic inputs."""

    def __init__(self):
        self._shapes = {}

    def set_shape(self, input, min, opt, max):  # noqa: A002 - TensorRT's argument names
        """Set the shapes of one input."""
        lo, mid, hi = Dims(min), Dims(opt), Dims(max)
        if not (len(lo) == len(mid) == len(hi)) or any(
                not (a <= b <= c) or a < 0 for a, b, c in zip(lo, mid, hi)):
            raise ValueError(f'IOptimizationProfile::setDimensions: min <= opt <= max violated '
                             f'for {input}: {lo} {mid} {hi}')
        self._shapes[input] = (lo, mid, hi)

    def get_shape(self, input):  # noqa: A002
        """Return [min, opt, max] of one input."""
        return list(self._shapes.get(input, ()))


def _current_device():
    """Return the device properties a timing cache is verified against (name, cc, SMs)."""
    import pycuda.driver as cuda
    return [cuda.DEVICE_NAME, list(cuda.COMPUTE_CAPABILITY), cuda.MULTIPROCESSOR_COUNT]


def _timing_cache_device(data):
    """Return the device recorded in serialized timing-cache bytes (stand-in only)."""
    return json.loads(bytes(data)[len(_CACHE_MAGIC):].decode())['device']


class ITimingCache:
    """Tactic timing cache; its header records the CUDA device properties it was made on."""

    def __init__(self, entries=None, device=None):
        self.entries = dict(entries or {})
        self.device = device if device is not None else _current_device()

    def serialize(self):
        """Return the cache bytes."""
        body = {'device': self.device, 'entries': self.entries}
        return IHostMemory(_CACHE_MAGIC + json.dumps(body).encode())

    def combine(self, input_cache, ignore_mismatch):
        """Merge another cache into this one."""
        self.entries.update(input_cache.entries)
        return True

    def reset(self):
        """Empty the cache."""
        self.entries = {}
        return True


class IBuilderConfig:
    """Build options."""

    def __init__(self):
        self._flags = set()
        self._pools = {MemoryPoolType.WORKSPACE: 8 << 30}
        self._profiles = []
        self._calibration_profile = None
        self.int8_calibrator = None
        self.default_device_type = DeviceType.GPU
        self.DLA_core = -1
        self.progress_monitor = None
        self.profiling_verbosity = ProfilingVerbosity.LAYER_NAMES_ONLY
        self.builder_optimization_level = 3
        self._timing_cache = None

    def set_flag(self, flag):
        self._flags.add(flag)

    def clear_flag(self, flag):
        self._flags.discard(flag)

    def get_flag(self, flag):
        return flag in self._flags

    def set_memory_pool_limit(self, pool, pool_size):
        self._pools[pool] = int(pool_size)

    def get_memory_pool_limit(self, pool):
        return self._pools.get(pool, 0)

    def add_optimization_profile(self, profile):
        self._profiles.append(profile)
        return len(self._profiles) - 1

    @property
    def num_optimization_profiles(self):
        return len(self._profiles)

    def set_calibration_profile(self, profile):
        """
        Set the profile INT8 calibration runs at (its OPT shapes), or None; True if set.

        Deprecated in TensorRT 10.1 with implicit quantisation, like ``int8_calibrator``.
        """
        if profile is not None and not isinstance(profile, IOptimizationProfile):
            raise TypeError('set_calibration_profile(): incompatible function arguments. The '
                            'following argument types are supported:\n    1. (self: '
                            'tensorrt.IBuilderConfig, profile: tensorrt.IOptimizationProfile) '
                            f'-> bool\n\nInvoked with: {profile!r}')
        self._calibration_profile = profile
        return True

    def get_calibration_profile(self):
        """Return the calibration profile, or None if unset."""
        return self._calibration_profile

    def create_timing_cache(self, serialized_timing_cache):
        """Create a timing cache from bytes (empty for a fresh one); None if invalid."""
        data = bytes(serialized_timing_cache)
        if not data:
            return ITimingCache()
        if not data.startswith(_CACHE_MAGIC):
            return None
        try:
            body = json.loads(data[len(_CACHE_MAGIC):].decode())
            return ITimingCache(body['entries'], body['device'])
        except (ValueError, KeyError, TypeError):
            return None

    def set_timing_cache(self, cache, ignore_mismatch):
        """Attach ``cache``; False if it was made on a device with other properties."""
        if not ignore_mismatch and cache.device != _current_device():
            return False
        self._timing_cache = cache
        return True

    def get_timing_cache(self):
        return self._timing_cache


class Builder(_Counted):
    """Builds serialized engines."""

    _kind = 'builder'
    platform_has_fast_fp16 = True
    platform_has_fast_int8 = True
    num_DLA_cores = 0
    max_DLA_batch_size = 1

    def __init__(self, logger):
        self.logger = logger
        self._count()

    def create_network(self, flags=0):
        return INetworkDefinition(flags)

    def create_builder_config(self):
        return IBuilderConfig()

    def create_optimization_profile(self):
        return IOptimizationProfile()

    def _fail(self, msg):
        self.logger.log(Logger.ERROR, msg)
        return None

    def build_serialized_network(self, network, config):
        """Build and return the engine as :class:`IHostMemory`, or None on failure."""
        if network._onnx is None or not network._inputs:
            return self._fail('Network must have at least one input (did parsing fail?)')
        if config.default_device_type == DeviceType.DLA and \
                not 0 <= config.DLA_core < self.num_DLA_cores:
            return self._fail(f'DLA core {config.DLA_core} requested but this platform has '
                              f'{self.num_DLA_cores} DLA cores')
        profiles = [dict(p._shapes) for p in config._profiles]
        io = []
        for t in network._inputs:
            if any(d < 0 for d in t.shape) and (not profiles or t.name not in profiles[0]):
                return self._fail(f'Network has dynamic or shape inputs, but no '
                                  f'optimization profile has been defined for {t.name}.')
            for p in profiles:
                for dims in p.get(t.name, ()):
                    if len(dims) != len(t.shape) or any(
                            s >= 0 and s != d for s, d in zip(t.shape, dims)):
                        return self._fail(
                            f'{t.name}: optimization profile dimensions {tuple(dims)} do not '
                            f'match the static dimensions {tuple(t.shape)}')
            io.append({'name': t.name, 'mode': 'INPUT', 'dtype': int(t.dtype),
                       'shape': list(t.shape)})
        for t in reversed(network._outputs):
            io.append({'name': t.name, 'mode': 'OUTPUT', 'dtype': int(t.dtype),
                       'shape': list(t.shape)})
        monitor = config.progress_monitor
        phases = ('Building engine', 'Tactic selection', 'Serialization')
        if monitor is not None:
            monitor.phase_start(phases[0], None, 2)
        calibration = calib_shapes = None
        if 'INT8' in {f.name for f in config._flags} and not network._has_qdq:
            if config.int8_calibrator is None:
                self.logger.log(Logger.WARNING, 'INT8 is enabled but the network has no '
                                'quantization scales and no calibrator; layers run in FP32/FP16')
            else:
                calib_shapes = self._calibration_shapes(network, config)
                if calib_shapes is None:
                    return None
                calibration = self._calibrate(network, config, calib_shapes)
                if calibration is None:
                    return None
        for step, phase in enumerate(phases[1:]):
            if monitor is not None:
                monitor.phase_start(phase, phases[0], 1)
                if monitor.step_complete(phase, 0) is False:
                    return self._fail('Build was cancelled by the progress monitor')
                monitor.phase_finish(phase)
                if monitor.step_complete(phases[0], step) is False:
                    return self._fail('Build was cancelled by the progress monitor')
        if monitor is not None:
            monitor.phase_finish(phases[0])
        if config._timing_cache is not None:
            config._timing_cache.entries[hashlib.sha256(network._onnx).hexdigest()[:16]] = 1
        meta = {'version': __version__, 'io': io,
                'profiles': [{k: [list(d) for d in v] for k, v in p.items()}
                             for p in profiles],
                'flags': sorted(f.name for f in config._flags),
                'dla_core': config.DLA_core if config.default_device_type == DeviceType.DLA
                else -1, 'calibration': calibration,
                'calibration_shapes': None if calib_shapes is None else
                {k: list(v) for k, v in calib_shapes.items()},
                'calibration_profile_set': config._calibration_profile is not None,
                'strongly_typed': network.get_flag(NetworkDefinitionCreationFlag.STRONGLY_TYPED)}
        head = json.dumps(meta).encode()
        body = _MAGIC + struct.pack('<I', len(head)) + head + network._onnx
        return IHostMemory(body + hashlib.sha256(body).digest())

    def _calibration_shapes(self, network, config):
        """
        Return ``{input: shape}`` calibration runs at, or None (error logged).

        The OPT shapes of the calibration profile, else of the first optimization profile;
        static inputs not in the profile keep their own shape.
        """
        source = config._calibration_profile
        if source is None and config._profiles:
            source = config._profiles[0]
        shapes = dict(source._shapes) if source is not None else {}
        out = {}
        for t in network._inputs:
            if t.name in shapes:
                dims = tuple(shapes[t.name][1])
            elif any(d < 0 for d in t.shape):
                return self._fail(f'Calibration profile has no dimensions for the dynamic '
                                  f'input {t.name}')
            else:
                dims = tuple(t.shape)
            if len(dims) != len(t.shape) or any(
                    s >= 0 and s != d for s, d in zip(t.shape, dims)):
                return self._fail(f'{t.name}: calibration profile dimensions {dims} do not '
                                  f'match the static dimensions {tuple(t.shape)}')
            out[t.name] = dims
        return out

    def _calibrate(self, network, config, shapes):
        import pycuda.driver as cuda
        calibrator = config.int8_calibrator
        cache = calibrator.read_calibration_cache()
        if cache:
            return {'from_cache': True, 'batches': 0}
        names = [t.name for t in network._inputs]
        batches, peak = 0, {}
        while True:
            pointers = calibrator.get_batch(names)
            if not pointers:
                break
            if len(pointers) != len(names):
                return self._fail(f'calibrator returned {len(pointers)} pointers for '
                                  f'{len(names)} inputs')
            for t, ptr in zip(network._inputs, pointers):
                values = cuda.device_view(int(ptr), shapes[t.name], nptype(t.dtype))
                peak[t.name] = max(peak.get(t.name, 0.0), float(np.abs(values).max()))
            batches += 1
        if batches == 0:
            return self._fail('Calibration failure: the calibrator returned no batch')
        text = f'TRT-{__version__.replace(".", "")}-EntropyCalibration2\n' + ''.join(
            f'{k}: {struct.pack(">f", v / 127.0).hex()}\n' for k, v in peak.items())
        calibrator.write_calibration_cache(text.encode())
        return {'from_cache': False, 'batches': batches}


class Runtime(_Counted):
    """Deserializes engines."""

    _kind = 'runtime'

    def __init__(self, logger):
        self.logger = logger
        self.DLA_core = -1
        self._count()

    def deserialize_cuda_engine(self, serialized_engine):
        """Return an :class:`ICudaEngine`, or None if the bytes are not a valid engine."""
        data = bytes(serialized_engine)
        if not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + 36 or \
                hashlib.sha256(data[:-32]).digest() != data[-32:]:
            self.logger.log(Logger.ERROR, 'IRuntime::deserializeCudaEngine: Error Code 1: '
                            'Serialization (Serialization assertion magicTagRead == kMAGIC_TAG '
                            'failed.Magic tag does not match)')
            return None
        start = len(_MAGIC) + 4
        (length,) = struct.unpack('<I', data[len(_MAGIC):start])
        meta = json.loads(data[start:start + length].decode())
        if meta['version'] != __version__:
            self.logger.log(Logger.ERROR, 'IRuntime::deserializeCudaEngine: Error Code 1: '
                            'Serialization (Serialization assertion stdVersionRead == '
                            f'kSERIALIZATION_VERSION failed. Version tag does not match. Note: '
                            f'Current Version: {__version__}, Serialized Engine Version: '
                            f'{meta["version"]})')
            return None
        return ICudaEngine(meta, data[start + length:-32], data)


class ICudaEngine(_Counted):
    """A deserialized engine with the tensor-name API."""

    _kind = 'engine'

    def __init__(self, meta, onnx_bytes, serialized):
        self._meta, self._onnx, self._serialized = meta, onnx_bytes, serialized
        self._io = {t['name']: t for t in meta['io']}
        self._order = [t['name'] for t in meta['io']]
        self._session = None
        self.name = 'standin_engine'
        self._count()

    @property
    def num_io_tensors(self):
        return len(self._order)

    @property
    def num_optimization_profiles(self):
        return max(1, len(self._meta['profiles']))

    def get_tensor_name(self, index):
        return self._order[index]

    def _tensor(self, name):
        try:
            return self._io[name]
        except KeyError:
            raise ValueError(f'{name} is not a tensor of this engine') from None

    def get_tensor_mode(self, name):
        if name not in self._io:
            return TensorIOMode.NONE
        return TensorIOMode[self._io[name]['mode']]

    def get_tensor_shape(self, name):
        return Dims(self._tensor(name)['shape'])

    def get_tensor_dtype(self, name):
        return DataType(self._tensor(name)['dtype'])

    def get_tensor_profile_shape(self, name, profile_index):
        profiles = self._meta['profiles']
        if profile_index >= len(profiles) or name not in profiles[profile_index]:
            shape = Dims(self._tensor(name)['shape'])
            return [shape, shape, shape]
        return [Dims(d) for d in profiles[profile_index][name]]

    def create_execution_context(self):
        return IExecutionContext(self)

    def serialize(self):
        return IHostMemory(self._serialized)

    def _run(self, feeds):
        if self._session is None:
            import onnxruntime
            options = onnxruntime.SessionOptions()
            options.log_severity_level = 3
            options.intra_op_num_threads = 1
            self._session = onnxruntime.InferenceSession(
                self._onnx, sess_options=options, providers=['CPUExecutionProvider'])
        names = [o.name for o in self._session.get_outputs()]
        outputs = dict(zip(names, self._session.run(names, feeds)))
        unknown = sorted(set(OUTPUT_SCALE) - set(outputs))
        if unknown:
            raise OutputScaleError(f'tensorrt stand-in: OUTPUT_SCALE names {unknown}, not an '
                                   f'output of this engine (its outputs: {names}); fix the test')
        for name, factor in OUTPUT_SCALE.items():
            outputs[name] = (outputs[name] * factor).astype(outputs[name].dtype)
        return outputs


class IExecutionContext(_Counted):
    """Runs an engine: set shapes and addresses, then ``execute_async_v3``."""

    _kind = 'context'

    def __init__(self, engine):
        self.engine = engine
        self._shapes = {}
        self._addresses = {}
        self._resolved = {}
        self._count()

    def set_input_shape(self, name, shape):
        """Set an input's shape; return False if it is outside profile 0 or static dims."""
        engine = self.engine
        if engine.get_tensor_mode(name) != TensorIOMode.INPUT:
            return False
        static = engine.get_tensor_shape(name)
        lo, _, hi = engine.get_tensor_profile_shape(name, 0)
        shape = tuple(int(s) for s in shape)
        if len(shape) != len(static) or any(
                (d >= 0 and d != s) or not (a <= s <= b)
                for d, s, a, b in zip(static, shape, lo, hi)):
            return False
        self._shapes[name] = shape
        self._resolved = {}
        return True

    def _input_shape(self, name):
        return self._shapes.get(name, tuple(self.engine._io[name]['shape']))

    def _output_shapes(self):
        if not self._resolved:
            engine = self.engine
            ins = [n for n in engine._order if engine._io[n]['mode'] == 'INPUT']
            outs = [n for n in engine._order if engine._io[n]['mode'] == 'OUTPUT']
            shapes = {n: tuple(engine._io[n]['shape']) for n in outs}
            if any(-1 in s for s in shapes.values()):
                if self.infer_shapes():
                    return {n: Dims(s) for n, s in shapes.items()}
                feeds = {n: np.zeros(self._input_shape(n), nptype(engine.get_tensor_dtype(n)))
                         for n in ins}
                shapes = {n: v.shape for n, v in engine._run(feeds).items()}
            self._resolved = {n: Dims(s) for n, s in shapes.items()}
        return self._resolved

    def get_tensor_shape(self, name):
        engine = self.engine
        if engine.get_tensor_mode(name) == TensorIOMode.INPUT:
            return Dims(self._input_shape(name))
        return self._output_shapes()[name]

    def set_tensor_address(self, name, memory):
        if name not in self.engine._io:
            return False
        self._addresses[name] = int(memory)
        return True

    def get_tensor_address(self, name):
        return self._addresses.get(name, 0)

    def set_optimization_profile_async(self, profile_index, stream_handle):
        return profile_index == 0

    def infer_shapes(self):
        """Return the names of inputs whose shapes are still unknown."""
        return [n for n in self.engine._order if self.engine._io[n]['mode'] == 'INPUT'
                and -1 in self._input_shape(n)]

    def execute_async_v3(self, stream_handle):
        """Run the engine on device memory; return False on a missing shape or address."""
        import pycuda.driver as cuda
        engine = self.engine
        if self.infer_shapes() or any(n not in self._addresses for n in engine._order):
            return False
        feeds = {}
        for name in engine._order:
            if engine._io[name]['mode'] == 'INPUT':
                dtype = nptype(engine.get_tensor_dtype(name))
                feeds[name] = np.array(cuda.device_view(
                    self._addresses[name], self._input_shape(name), dtype))
        for name, value in engine._run(feeds).items():
            dtype = nptype(engine.get_tensor_dtype(name))
            cuda.device_view(self._addresses[name], value.shape, dtype)[...] = value
        return True


def init_libnvinfer_plugins(logger, namespace):
    """Register the built-in plugins (no-op)."""
    return True
