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
TensorRT backend against the TensorRT 10 / pycuda stand-ins (CI, no GPU).

The stand-in engine runs the ONNX model with ONNX Runtime on the bytes it finds in simulated
device memory, so every expected value here is either analytic (tiny models from
:mod:`onnxgen`) or ONNX Runtime's own output on the same real model and photo.
"""

import gc
import json
import logging
import threading
import types

import cv2
import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto
from onnxgen import constant_model, identity_model
import pytest
from standins_trt import installed, real_tensorrt_present

pytestmark = pytest.mark.skipif(real_tensorrt_present(),
                                reason='real TensorRT installed: see test_tensorrt_real.py')

MOBILENET = 'models/classification/mobilenet_v2_1.0_224_fp32.onnx'


@pytest.fixture(scope='module')
def standin():
    """Install the stand-ins for this module only; yield ``(tensorrt, pycuda.driver)``."""
    with installed() as modules:
        yield modules


def text(records) -> str:
    """Return the messages of log records, one a line."""
    return '\n'.join(r.getMessage() for r in records)


@pytest.fixture
def trt(standin):
    return standin[0]


@pytest.fixture
def cuda(standin):
    return standin[1]


@pytest.fixture(scope='module')
def tiny_models(tmp_path_factory):
    """Write the analytic models once: two named constant outputs, identity, dynamic H/W."""
    root = tmp_path_factory.mktemp('models')
    a = np.arange(6, dtype=np.float32).reshape(1, 6)
    b = np.full((1, 2, 3), 7.5, np.float32)
    two = constant_model(root / 'two.onnx', {'alpha': a, 'beta': b}, input_shape=(1, 3, 8, 8))
    ident = identity_model(root / 'ident.onnx', shape=(1, 3, 8, 8))
    return {'two': (two, a, b), 'ident': ident, 'dynamic': _dynamic_model(root / 'dyn.onnx'),
            'unsupported': _unsupported_model(root / 'bad.onnx'),
            'qdq': _qdq_model(root / 'qdq.onnx'), 'root': root}


def _save(graph, path):
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, str(path))
    return path


def _dynamic_model(path):
    """BodyPix-like NHWC input with dynamic H and W; stride-16 average pool + sigmoid head."""
    x = helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 'H', 'W', 3])
    pooled = helper.make_tensor_value_info('pooled', TensorProto.FLOAT, [1, 3, 'h', 'w'])
    heat = helper.make_tensor_value_info('heatmaps', TensorProto.FLOAT, [1, 3, 'h', 'w'])
    nodes = [helper.make_node('Transpose', ['input'], ['nchw'], perm=[0, 3, 1, 2]),
             helper.make_node('AveragePool', ['nchw'], ['pooled'], kernel_shape=[16, 16],
                              strides=[16, 16]),
             helper.make_node('Sigmoid', ['pooled'], ['heatmaps'])]
    return _save(helper.make_graph(nodes, 'dyn', [x], [heat, pooled]), path)


def _unsupported_model(path):
    x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 4])
    y = helper.make_tensor_value_info('y', TensorProto.INT64, [None, 2])
    nodes = [helper.make_node('NonZero', ['x'], ['nz'], name='find_nonzero'),
             helper.make_node('Transpose', ['nz'], ['y'], name='flip')]
    return _save(helper.make_graph(nodes, 'bad', [x], [y]), path)


def _qdq_model(path):
    """Explicitly quantised identity: QuantizeLinear -> DequantizeLinear (scale 1/64)."""
    x = helper.make_tensor_value_info('x', TensorProto.FLOAT, [1, 3, 4, 4])
    y = helper.make_tensor_value_info('y', TensorProto.FLOAT, [1, 3, 4, 4])
    inits = [numpy_helper.from_array(np.array(1 / 64, np.float32), 's'),
             numpy_helper.from_array(np.array(0, np.int8), 'z')]
    nodes = [helper.make_node('QuantizeLinear', ['x', 's', 'z'], ['q']),
             helper.make_node('DequantizeLinear', ['q', 's', 'z'], ['y'])]
    return _save(helper.make_graph(nodes, 'qdq', [x], [y], initializer=inits), path)


def _backend(path, cache, **options):
    from jetson_dnn_ros.backends.tensorrt import TensorRTBackend
    options.setdefault('progress', False)
    return TensorRTBackend(str(path), engine_cache_dir=str(cache), **options)


# -- real model: outputs equal ONNX Runtime's ---------------------------------------------

@pytest.fixture(scope='module')
def mobilenet(standin, data_dir, tmp_path_factory):
    cache = tmp_path_factory.mktemp('engines')
    backend = _backend(data_dir / MOBILENET, cache, use_gpu_preprocessing=False)
    yield backend, cache
    backend.close()


def test_mobilenet_matches_onnxruntime(mobilenet, data_dir, photo):
    from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
    from jetson_dnn_ros.models import get_descriptor
    from jetson_dnn_ros.preprocessing import preprocess
    backend, _ = mobilenet
    tensor, _ = preprocess(photo('dog_0'), 'bgr8', get_descriptor('mobilenet_v2_1001').preprocess)
    got = backend.infer({'input': tensor})['logits'].copy()
    with OnnxRuntimeBackend(str(data_dir / MOBILENET)) as ort:
        want = ort.infer({'input': tensor})['logits']
    assert got.shape == want.shape == (1, 1001)
    np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)
    assert backend.describe()['backend'] == 'tensorrt'


def test_engine_is_cached_and_reused(mobilenet, data_dir):
    backend, cache = mobilenet
    assert backend.engine_built and backend.engine_path.is_file()
    meta = json.loads(backend.engine_path.with_name(backend.engine_path.name + '.json')
                      .read_text())
    assert meta['key']['precision'] == 'fp16' and meta['key']['onnx_sha256']
    with _backend(data_dir / MOBILENET, cache, use_gpu_preprocessing=False) as again:
        assert not again.engine_built and again.engine_path == backend.engine_path
    timing = list((cache / 'timing').glob('*.cache'))
    assert len(timing) == 1 and timing[0].stat().st_size > 0


def test_pipeline_with_tensorrt_backend_matches_onnxruntime(standin, data_dir, photo, tmp_path,
                                                            logs):
    from jetson_dnn_ros.pipeline import Pipeline
    image = photo('cat_0')
    records = logs('jetson_dnn_ros', logging.WARNING)
    trt_pipe = Pipeline.from_model('mobilenet_v2_1001', backend='tensorrt',
                                   engine_cache_dir=str(tmp_path), progress=False)
    # the stand-in cannot compile CUDA: the backend says so and the CPU path runs
    assert 'GPU preprocessing unavailable' in text(records)
    ort_pipe = Pipeline.from_model('mobilenet_v2_1001', backend='onnxruntime')
    with trt_pipe, ort_pipe:
        got, want = trt_pipe.run(image), ort_pipe.run(image)
    assert len(got) == len(want) > 0
    np.testing.assert_array_equal(got.class_ids, want.class_ids)
    np.testing.assert_allclose(got.scores, want.scores, atol=1e-5)


def test_pipeline_builds_dynamic_bodypix_for_every_input_size_it_picks(standin, data_dir, photo,
                                                                       tmp_path):
    """Issue 14 item 4: the engine profile covers every per-aspect BodyPix input size."""
    from jetson_dnn_ros.pipeline import Pipeline
    if not (data_dir / 'models/pose/bodypix_mobilenetv1_x050_stride16.onnx').is_file():
        pytest.skip('BodyPix model missing')
    image = photo('humans_0')
    trt_pipe = Pipeline.from_model('bodypix_mobilenetv1_050', backend='tensorrt',
                                   engine_cache_dir=str(tmp_path), progress=False)
    ort_pipe = Pipeline.from_model('bodypix_mobilenetv1_050', backend='onnxruntime')
    with trt_pipe, ort_pipe:
        assert trt_pipe.backend.input_specs[0].shape == (1, None, None, 3)
        # MIN / MAX: the sizes input_size picks from aspect 1:2 to 2:1 (16k + 1 grid)
        assert trt_pipe.backend.profile['input'] == ((1, 385, 385, 3), (1, 785, 785, 3))
        # landscape 4:3 (the OPT shape), portrait, 16:9 and a panorama wider than 2:1
        for h, w, size in ((480, 640, (641, 481)), (640, 480, (481, 641)),
                           (360, 640, (737, 417)), (200, 1000, (785, 385))):
            frame = cv2.resize(image, (w, h))
            assert trt_pipe.input_size_for(frame) == size == ort_pipe.input_size_for(frame)
            got = trt_pipe.process(frame, keep_outputs=True)
            want = ort_pipe.process(frame, keep_outputs=True)
            assert got.outputs['heatmaps'].shape[1:3] == ((size[1] - 1) // 16 + 1,
                                                          (size[0] - 1) // 16 + 1)
            for name in want.outputs:   # thread counts differ: summation order, not values
                np.testing.assert_allclose(got.outputs[name], want.outputs[name],
                                           rtol=1e-4, atol=1e-4)
            assert len(got.result) == len(want.result)
        assert len(trt_pipe.run(image)) > 0


def test_engine_built_for_one_size_runs_other_aspects_at_that_size(standin, data_dir, photo,
                                                                   tmp_path, logs):
    """A user profile that does not cover a per-aspect size: that frame runs at the fixed size."""
    from jetson_dnn_ros.pipeline import Pipeline
    records = logs('jetson_dnn_ros.pipeline')
    if not (data_dir / 'models/pose/bodypix_mobilenetv1_x050_stride16.onnx').is_file():
        pytest.skip('BodyPix model missing')
    shape = (1, 481, 641, 3)
    with Pipeline.from_model('bodypix_mobilenetv1_050', backend='tensorrt',
                             engine_cache_dir=str(tmp_path), progress=False,
                             profile={'input': (shape, shape, shape)}) as pipe:
        portrait = cv2.resize(photo('humans_0'), (480, 640))
        assert pipe.input_size_for(portrait) == (641, 481)
        assert len(pipe.run(portrait)) > 0
        assert pipe.input_size_for(cv2.resize(portrait, (640, 480))) == (641, 481)
    assert sum('outside the engine profile' in r.getMessage() for r in records) == 1


# -- engine cache: stale, corrupt, forced ----------------------------------------------------

def test_force_engine_update_rebuilds(standin, tiny_models, tmp_path):
    path = tiny_models['ident']
    with _backend(path, tmp_path) as first:
        assert first.engine_built
    with _backend(path, tmp_path, force_engine_update=True) as forced:
        assert forced.engine_built and forced.rebuild_reason == 'force_engine_update'


def test_corrupt_engine_bytes_are_rebuilt(standin, tiny_models, tmp_path):
    path = tiny_models['ident']
    with _backend(path, tmp_path) as first:
        engine = first.engine_path
    data = bytearray(engine.read_bytes())
    data[len(data) // 2] ^= 0xFF
    engine.write_bytes(bytes(data))
    with _backend(path, tmp_path) as second:
        assert second.engine_built and second.rebuild_reason.startswith('corrupt')
        x = np.random.default_rng(0).random((1, 3, 8, 8), np.float32)
        np.testing.assert_array_equal(second.infer({'input': x})['output'], x)


def test_engine_that_trt_rejects_is_rebuilt(standin, tiny_models, tmp_path):
    """Metadata consistent with the bytes, but TensorRT cannot deserialise them."""
    from jetson_dnn_ros.backends.engine_cache import EngineKey, read_entry, write_entry
    path = tiny_models['ident']
    with _backend(path, tmp_path) as first:
        engine = first.engine_path
    meta = json.loads(engine.with_name(engine.name + '.json').read_text())
    write_entry(engine, EngineKey.from_dict(meta['key']), b'not an engine at all')
    assert read_entry(engine)[1] == 'ok'
    with _backend(path, tmp_path) as second:
        assert second.engine_built
        assert 'deserialise' in second.rebuild_reason


def test_metadata_mismatch_rebuilds(standin, tiny_models, tmp_path):
    path = tiny_models['ident']
    with _backend(path, tmp_path) as first:
        engine = first.engine_path
    meta_path = engine.with_name(engine.name + '.json')
    meta = json.loads(meta_path.read_text())
    meta['key']['tensorrt_version'] = '8.6.1'
    meta_path.write_text(json.dumps(meta))
    with _backend(path, tmp_path) as second:
        assert second.engine_built
        assert second.rebuild_reason == 'stale: tensorrt_version changed'


def test_engine_file_path_is_used(standin, tiny_models, tmp_path):
    target = tmp_path / 'custom' / 'ident.plan'
    with _backend(tiny_models['ident'], tmp_path / 'unused', engine_file_path=str(target)) as b:
        assert b.engine_path == target
    assert target.is_file() and (tmp_path / 'custom' / 'ident.plan.json').is_file()
    assert not (tmp_path / 'unused').exists() or not list((tmp_path / 'unused').glob('*.engine'))


# -- tensors by name, dynamic shapes ----------------------------------------------------------

def test_outputs_returned_by_name_whatever_the_engine_order(standin, tiny_models, tmp_path):
    path, a, b = tiny_models['two']
    with _backend(path, tmp_path) as backend:
        order = [s.name for s in backend.output_specs]
        assert order == ['beta', 'alpha']  # the stand-in reverses the ONNX order
        out = backend.infer({'images': np.ones((1, 3, 8, 8), np.float32)})
        np.testing.assert_array_equal(out['alpha'], a)
        np.testing.assert_array_equal(out['beta'], b)


def test_dynamic_shapes_with_profile(standin, tiny_models, tmp_path):
    from jetson_dnn_ros.backends.onnxruntime import OnnxRuntimeBackend
    from jetson_dnn_ros.errors import BackendError
    path = tiny_models['dynamic']
    profile = {'input': ((1, 33, 33, 3), (1, 257, 257, 3), (1, 513, 513, 3))}
    rng = np.random.default_rng(1)
    with _backend(path, tmp_path, profile=profile) as backend, \
            OnnxRuntimeBackend(str(path)) as ort:
        assert backend.input_specs[0].shape == (1, None, None, 3)
        assert backend.profile['input'] == ((1, 33, 33, 3), (1, 513, 513, 3))
        for size in (257, 513, 129):
            x = rng.random((1, size, size, 3), np.float32)
            got = backend.infer({'input': x})
            want = ort.infer({'input': x})
            assert got['heatmaps'].shape == (1, 3, size // 16, size // 16)
            for name in ('heatmaps', 'pooled'):
                np.testing.assert_allclose(got[name], want[name], rtol=1e-6, atol=1e-6)
        with pytest.raises(BackendError, match='outside the engine optimisation profile'):
            backend.infer({'input': np.zeros((1, 529, 529, 3), np.float32)})


def test_dynamic_input_without_shapes_is_a_clear_error(standin, tiny_models, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    with pytest.raises(EngineBuildError, match='dynamic dimensions.*input_shapes='):
        _backend(tiny_models['dynamic'], tmp_path)


def test_dynamic_input_uses_default_shape(standin, tiny_models, tmp_path):
    defaults = {None: (1, 257, 257, 3)}
    with _backend(tiny_models['dynamic'], tmp_path, default_input_shapes=defaults) as backend:
        assert backend.profile['input'] == ((1, 257, 257, 3), (1, 257, 257, 3))
        out = backend.infer({'input': np.zeros((1, 257, 257, 3), np.float32)})
        np.testing.assert_allclose(out['heatmaps'], 0.5)  # sigmoid(0)


# -- CUDA context, memory ---------------------------------------------------------------------

def test_context_push_pop_balanced_across_threads(standin, tiny_models, tmp_path):
    trt, cuda = standin
    x = np.random.default_rng(2).random((1, 3, 8, 8), np.float32)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        del cuda.context_log[:]
        results, errors = [], []

        def work():
            try:
                results.append(backend.infer({'input': x})['output'].copy())
            except Exception as exc:  # noqa: B902 - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work, name=f'executor-{i}') for i in range(4)]
        for t in threads:
            t.start()
        work()
        for t in threads:
            t.join()
        assert not errors and len(results) == 5
        for r in results:
            np.testing.assert_array_equal(r, x)
        log = list(cuda.context_log)
    assert cuda.Context.get_current() is None
    for name in {entry[1] for entry in log}:
        mine = [e for e in log if e[1] == name]
        assert sum(e[0] == 'push' for e in mine) == sum(e[0] == 'pop' for e in mine) > 0
        assert mine[-1][2] == 0


def test_close_frees_every_allocation(standin, tiny_models, tmp_path):
    trt, cuda = standin
    gc.collect()
    before, objects = cuda.live_allocations(), dict(trt.live_objects)
    contexts = cuda.Context._live
    x = np.ones((1, 3, 8, 8), np.float32)
    for i in range(20):
        backend = _backend(tiny_models['ident'], tmp_path)
        backend.infer({'input': x})
        assert cuda.live_allocations()['device'] > before['device']
        backend.close()
        backend.close()  # idempotent
    gc.collect()
    assert cuda.live_allocations() == before
    assert trt.live_objects == objects
    assert cuda.Context._live == contexts


def test_failed_build_leaks_nothing(standin, tiny_models, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    trt, cuda = standin
    gc.collect()
    before = cuda.live_allocations()
    with pytest.raises(EngineBuildError):
        _backend(tiny_models['unsupported'], tmp_path)
    gc.collect()
    assert cuda.live_allocations() == before
    assert cuda.Context.get_current() is None


def test_mapped_memory_on_integrated_gpu(standin, tiny_models, tmp_path, monkeypatch):
    trt, cuda = standin
    monkeypatch.setattr(cuda, 'INTEGRATED', 1)

    def no_copy(*args, **kwargs):
        raise AssertionError('mapped memory must not be copied')

    monkeypatch.setattr(cuda, 'memcpy_htod_async', no_copy)
    monkeypatch.setattr(cuda, 'memcpy_dtoh_async', no_copy)
    x = np.random.default_rng(3).random((1, 3, 8, 8), np.float32)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        assert backend.integrated and backend._mapped
        np.testing.assert_array_equal(backend.infer({'input': x})['output'], x)
        assert cuda.live_allocations()['device_mapped'] == 2
    assert cuda.live_allocations()['device_mapped'] == 0


def test_device_tensor_inputs(standin, tiny_models, tmp_path, monkeypatch):
    from jetson_dnn_ros.backends.cuda_preprocess import DeviceTensor
    trt, cuda = standin
    x = np.random.default_rng(4).random((1, 3, 8, 8), np.float32)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        with backend._ctx_scope():
            other = cuda.mem_alloc(x.nbytes)
            cuda.memcpy_htod(other, x)
        # a tensor elsewhere on the device is copied device to device
        got = backend.infer({'input': DeviceTensor(int(other), x.shape, x.dtype)})['output']
        np.testing.assert_array_equal(got, x)
        # a tensor already in the input buffer is used in place
        with backend._ctx_scope():
            target = backend._input_pointer('input', x.shape)
            cuda.memcpy_htod(target, x * 2)
        monkeypatch.setattr(cuda, 'memcpy_dtod_async', lambda *a: pytest.fail('copied'))
        got = backend.infer({'input': DeviceTensor(target, x.shape, x.dtype)})['output']
        np.testing.assert_array_equal(got, x * 2)
        with backend._ctx_scope():
            other.free()


def test_gpu_preprocessing_falls_back_without_nvcc(standin, tiny_models, tmp_path, logs,
                                                   monkeypatch):
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    # as after ``import launch`` (LaunchLogger: propagate=False): caplog saw nothing there
    for name in ('jetson_dnn_ros', 'jetson_dnn_ros.backends', 'jetson_dnn_ros.backends.tensorrt'):
        monkeypatch.setattr(logging.getLogger(name), 'propagate', False)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        records = logs('jetson_dnn_ros', logging.WARNING)
        assert backend.create_preprocessor(PreprocessSpec(8, 8)) is None
        assert 'cannot compile the GPU preprocessing kernel' in text(records)
        backend.use_gpu_preprocessing = False
        assert backend.create_preprocessor(PreprocessSpec(8, 8)) is None


def test_a_device_preprocessor_closed_early_is_freed_once(standin, tiny_models, tmp_path,
                                                          monkeypatch):
    """Pipeline closes evicted per-size preprocessors: freed then, not again at backend close."""
    from jetson_dnn_ros.backends import tensorrt as trt_backend
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    closed = []

    class Kernel:
        """Records close(); the real CudaPreprocessor needs nvcc and a GPU."""

        def __init__(self, spec, stream, mapped, destination):
            self.spec = spec

        def close(self):
            closed.append(self)

    monkeypatch.setattr(trt_backend, 'CudaPreprocessor', Kernel)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        spec = backend.input_specs[0]
        pre = backend.create_preprocessor(
            PreprocessSpec(spec.shape[3], spec.shape[2], dtype=str(spec.dtype)))
        kept = backend.create_preprocessor(
            PreprocessSpec(spec.shape[3], spec.shape[2], dtype=str(spec.dtype)))
        assert pre is not None and len(backend._preprocessors) == 2
        pre.close()
        pre.close()
        assert closed == [pre.preprocessor] and backend._preprocessors == [kept.preprocessor]
    assert closed == [pre.preprocessor, kept.preprocessor]


# -- precision, DLA -----------------------------------------------------------------------

def test_fp16_falls_back_to_fp32_without_fast_fp16(standin, tiny_models, tmp_path, monkeypatch,
                                                   logs):
    trt, _ = standin
    monkeypatch.setattr(trt.Builder, 'platform_has_fast_fp16', False)
    records = logs('jetson_dnn_ros', logging.WARNING)
    with _backend(tiny_models['ident'], tmp_path) as b:
        assert b.requested_precision == 'fp16' and b.precision == 'fp32'
    assert 'no fast FP16' in text(records)


def test_int8_without_calibration_or_qdq_is_refused(standin, tiny_models, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    with pytest.raises(EngineBuildError, match='calibration images'):
        _backend(tiny_models['ident'], tmp_path, precision='int8')


def test_int8_qdq_model_uses_int8_flag(standin, tiny_models, tmp_path):
    x = np.linspace(-1, 1, 48, dtype=np.float32).reshape(1, 3, 4, 4)
    with _backend(tiny_models['qdq'], tmp_path, precision='int8') as backend:
        assert 'INT8' in backend._engine._meta['flags']
        got = backend.infer({'x': x})['y']
    np.testing.assert_allclose(got, np.round(x * 64) / 64, atol=1e-7)


def test_int8_calibration_from_images(standin, data_dir, tmp_path):
    from jetson_dnn_ros.models import get_descriptor
    spec = get_descriptor('mobilenet_v2_1001').preprocess
    options = {'precision': 'int8', 'calibration': str(data_dir / 'images'),
               'calibration_spec': spec, 'calibration_images': 3,
               'calibration_cache': str(tmp_path / 'mobilenet.calib')}
    trt, cuda = standin
    before = cuda.live_allocations()
    with _backend(data_dir / MOBILENET, tmp_path, **options) as backend:
        assert backend._engine._meta['calibration'] == {'from_cache': False, 'batches': 3}
    text = (tmp_path / 'mobilenet.calib').read_text()
    assert text.startswith('TRT-1030-EntropyCalibration2') and 'input:' in text
    with _backend(data_dir / MOBILENET, tmp_path, force_engine_update=True, **options) as b:
        assert b._engine._meta['calibration'] == {'from_cache': True, 'batches': 0}
    assert cuda.live_allocations() == before


def test_calibration_images_from_rosbag(data_dir):
    pytest.importorskip('rosbags')
    from jetson_dnn_ros.backends.calibration import iter_batches, iter_images
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    bag = data_dir / 'bags' / 'photos_sqlite3'
    if not bag.exists():
        pytest.skip('photos_sqlite3 bag missing')
    images = list(iter_images(bag))
    # the camera topic only: 8 raw Images, not also their 8 CompressedImage copies
    assert len(images) == 8
    assert all(enc == 'bgr8' and im.shape == (480, 640, 3) for im, enc in images)
    batches = list(iter_batches(bag, PreprocessSpec(32, 24), max_images=5))
    assert len(batches) == 5 and batches[0].shape == (1, 3, 24, 32)


def test_dla_core(standin, tiny_models, tmp_path, monkeypatch):
    from jetson_dnn_ros.errors import EngineBuildError
    trt, _ = standin
    with pytest.raises(EngineBuildError, match='DLA core 0 requested but this GPU has 0'):
        _backend(tiny_models['ident'], tmp_path, dla_core=0)
    monkeypatch.setattr(trt.Builder, 'num_DLA_cores', 2)
    with _backend(tiny_models['ident'], tmp_path, dla_core=1) as backend:
        assert backend._engine._meta['dla_core'] == 1
        assert 'GPU_FALLBACK' in backend._engine._meta['flags']
        assert 'DLA core 1' in backend.device


# -- parser errors, version shims ------------------------------------------------------------

def test_parser_errors_name_nodes_and_ops(standin, tiny_models, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    with pytest.raises(EngineBuildError) as info:
        _backend(tiny_models['unsupported'], tmp_path)
    text = str(info.value)
    assert "node 0, name 'find_nonzero', op NonZero: UNSUPPORTED_NODE" in text
    assert 'cannot parse' in text and 'onnxruntime' in text


def test_real_qoperator_model_is_refused_with_node_names(standin, data_dir, tmp_path):
    from jetson_dnn_ros.errors import EngineBuildError
    with pytest.raises(EngineBuildError, match=r'op QLinearConv: UNSUPPORTED_NODE'):
        _backend(data_dir / 'models/classification/mobilenetv2-12-int8.onnx', tmp_path)


def test_parser_errors_of_tensorrt_8():
    from jetson_dnn_ros.backends.trt_compat import parser_errors
    error = types.SimpleNamespace(code=lambda: 'UNSUPPORTED_NODE', desc=lambda: 'no importer',
                                  node=lambda: 3)
    parser = types.SimpleNamespace(num_errors=1, get_error=lambda i: error)
    assert parser_errors(parser) == ['node 3: UNSUPPORTED_NODE: no importer']


def test_tensorrt_8_6_uses_explicit_batch_flag(standin, tiny_models, tmp_path, monkeypatch):
    from jetson_dnn_ros.backends import trt_compat
    trt, _ = standin
    monkeypatch.setattr(trt, '__version__', '8.6.1')
    flags = trt_compat.network_flags(trt)
    assert flags == 1 << int(trt.NetworkDefinitionCreationFlag.EXPLICIT_BATCH)
    assert trt_compat.has_progress_monitor(trt) and trt_compat.has_calibrators(trt)
    with _backend(tiny_models['ident'], tmp_path) as backend:
        assert backend.engine_built
    monkeypatch.setattr(trt, '__version__', '10.3.0')
    assert trt_compat.network_flags(trt) == 0


def test_tensorrt_11_has_no_calibrators(standin, tiny_models, data_dir, tmp_path, monkeypatch):
    import enum
    from jetson_dnn_ros.backends import trt_compat
    from jetson_dnn_ros.backends.calibration import make_calibrator
    from jetson_dnn_ros.errors import EngineBuildError
    from jetson_dnn_ros.preprocessing import PreprocessSpec
    trt, _ = standin
    monkeypatch.setattr(trt, '__version__', '11.0.0')
    monkeypatch.delattr(trt, 'IInt8EntropyCalibrator2')
    monkeypatch.delattr(trt, 'IInt8Calibrator')
    flags = enum.IntEnum('BuilderFlag', {m.name: m.value for m in trt.BuilderFlag
                                         if m.name != 'INT8'})
    monkeypatch.setattr(trt, 'BuilderFlag', flags)
    assert not trt_compat.has_calibrators(trt)
    with pytest.raises(EngineBuildError, match='no INT8 calibrators'):
        _backend(tiny_models['ident'], tmp_path, precision='int8',
                 calibration=str(data_dir / 'images'), calibration_spec=PreprocessSpec(8, 8))
    with pytest.raises(EngineBuildError, match='no INT8 calibrators'):
        make_calibrator(trt, PreprocessSpec(8, 8), data_dir / 'images', tmp_path / 'c')
    # explicit quantisation still works, through a strongly typed network
    with _backend(tiny_models['qdq'], tmp_path, precision='int8') as backend:
        assert backend._engine._meta['strongly_typed']
        assert 'INT8' not in backend._engine._meta['flags']


def test_tensorrt_too_old_is_refused(standin, tiny_models, tmp_path, monkeypatch):
    from jetson_dnn_ros.errors import BackendError
    trt, _ = standin
    monkeypatch.setattr(trt, '__version__', '8.4.3.1')
    with pytest.raises(BackendError, match=r'TensorRT 8\.4\.3\.1 is too old.*8\.5\+'):
        _backend(tiny_models['ident'], tmp_path)


def test_progress_monitor_or_log_lines(standin, tiny_models, tmp_path, monkeypatch, logs):
    trt, _ = standin
    records = logs('jetson_dnn_ros', logging.INFO)
    with _backend(tiny_models['ident'], tmp_path / 'a'):
        pass
    assert 'engine build: Building engine' in text(records)
    records.clear()
    monkeypatch.delattr(trt, 'IProgressMonitor')
    with _backend(tiny_models['ident'], tmp_path / 'b'):
        pass
    assert 'engine build:' not in text(records) and 'engine built in' in text(records)


def test_workspace_shim():
    from jetson_dnn_ros.backends import trt_compat
    old = types.SimpleNamespace()
    trt_compat.set_workspace(None, old, 1 << 20)
    assert old.max_workspace_size == 1 << 20


# -- CLI ---------------------------------------------------------------------------------------

def test_cli_build_list_clean(standin, tiny_models, tmp_path, capsys):
    from jetson_dnn_ros.backends.cli_tensorrt import main
    cache = str(tmp_path / 'cli')
    assert main(['build-engine', '--model', str(tiny_models['ident']), '--engine-cache-dir',
                 cache, '--precision', 'fp32', '--no-progress']) == 0
    out = capsys.readouterr().out
    assert out.startswith('built: ') and 'input: (1, 3, 8, 8) float32' in out
    assert main(['build-engine', '--model', str(tiny_models['dynamic']), '--engine-cache-dir',
                 cache, '--profile', 'input:1x17x17x3:1x33x33x3:1x65x65x3',
                 '--no-progress']) == 0
    assert 'input: (1, None, None, 3)' in capsys.readouterr().out
    assert main(['engines', 'list', '--engine-cache-dir', cache]) == 0
    listing = capsys.readouterr().out.splitlines()
    assert len(listing) == 2 and all(line.startswith('ok') for line in listing)
    engine = sorted((tmp_path / 'cli').glob('*.engine'))[0]
    engine.write_bytes(b'garbage')
    assert main(['engines', 'clean', '--engine-cache-dir', cache]) == 0
    assert f'removed {engine}' in capsys.readouterr().out
    assert main(['engines', 'clean', '--engine-cache-dir', cache, '--all']) == 0
    assert not list((tmp_path / 'cli').glob('*.engine'))
