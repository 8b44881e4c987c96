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
Parity gate for TensorRT engines (issue 14 item 3), through the TensorRT stand-in.

The stand-in runs the ONNX graph with ONNX Runtime, so an engine agrees exactly unless the
test asks it (``tensorrt.OUTPUT_SCALE``) to scale an output, as a TensorRT build that computes
wrong depth would.
"""

import json

from jetson_dnn_ros.cli import main
from jetson_dnn_ros.pipeline import Pipeline
import numpy as np
import onnx
from onnx import helper, TensorProto
import pytest
from standins_trt import installed, real_tensorrt_present

pytestmark = pytest.mark.skipif(real_tensorrt_present(),
                                reason='real TensorRT installed: the stand-in cannot scale it')


@pytest.fixture(scope='module')
def trt():
    with installed() as (module, _):
        yield module


@pytest.fixture
def depth_model(tmp_path):
    """Write a depth 'network': depth = 0.5 + mean of the RGB input (metres), 32x32."""
    graph = helper.make_graph(
        [helper.make_node('ReduceMean', ['input'], ['mean'], axes=[1], keepdims=1),
         helper.make_node('Add', ['mean', 'half'], ['depth'])],
        'depth', [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 32, 32])],
        [helper.make_tensor_value_info('depth', TensorProto.FLOAT, [1, 1, 32, 32])],
        [helper.make_tensor('half', TensorProto.FLOAT, [], [0.5])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / 'depth.onnx'))
    (tmp_path / 'depth.yaml').write_text(
        'name: tiny_depth\ntask: depth\nfile: depth.onnx\n'
        'input: {name: input, width: 32, height: 32, resize: stretch, color: rgb,\n'
        '        scale: 0.00392156862745098, layout: NCHW}\n'
        'decoder: {name: depth_metric, output: depth}\ndepth_kind: metric\n'
        'verify_images: [no/such/photo.jpg]   # not found: the synthetic pattern is used\n')
    return tmp_path / 'depth.yaml'


def _open(model, tmp_path, **kwargs):
    return Pipeline.from_model(str(model), backend='tensorrt', precision='fp16',
                               engine_cache_dir=str(tmp_path / 'engines'), progress=False,
                               use_gpu_preprocessing=False, **kwargs)


def _metadata(pipeline):
    with open(str(pipeline.backend.engine_path) + '.json', encoding='utf-8') as stream:
        return json.load(stream)


def test_exact_engine_passes_and_is_marked_verified(trt, depth_model, tmp_path):
    with _open(depth_model, tmp_path) as pipeline:
        result = pipeline.verification
        assert result.passed and not result.cached
        assert result.images == ('synthetic',)
        assert result.figures['abs_rel'] == pytest.approx(0.0, abs=1e-6)
        assert result.figures['output_rel_error'] == pytest.approx(0.0, abs=1e-6)
        meta = _metadata(pipeline)
    assert meta['verification']['passed'] is True
    assert meta['verification']['figures']['abs_rel'] == pytest.approx(0.0, abs=1e-6)
    # the next start finds the verified engine: not verified again
    with _open(depth_model, tmp_path) as pipeline:
        assert pipeline.verification.cached and pipeline.verification.passed


def test_engine_with_a_scaled_output_is_refused(trt, depth_model, tmp_path, monkeypatch, caplog):
    from jetson_dnn_ros.parity import ParityError
    monkeypatch.setitem(trt.OUTPUT_SCALE, 'depth', 1.5)
    with pytest.raises(ParityError) as info:
        _open(depth_model, tmp_path)
    message = str(info.value)
    assert 'abs_rel 0.5 > 0.05' in message          # |1.5 d - d| / d
    assert 'use precision fp32' in message          # what to fall back to
    assert 'disagrees with ONNX Runtime' in caplog.text
    # the refusal is in the cache metadata too, and a refused engine is checked again
    meta_files = list((tmp_path / 'engines').rglob('*.engine.json'))
    assert len(meta_files) == 1
    meta = json.loads(meta_files[0].read_text())
    assert meta['verification']['passed'] is False
    assert any('abs_rel' in f for f in meta['verification']['failures'])
    with pytest.raises(ParityError):
        _open(depth_model, tmp_path)
    # turned off, the engine is used as it is
    with _open(depth_model, tmp_path, verify_engine=False) as pipeline:
        assert pipeline.verification is None
        out = pipeline.run(np.full((32, 32, 3), 255, np.uint8))
        assert float(out.depth.mean()) == pytest.approx(1.5 * 1.5, rel=1e-3)


def test_scaling_an_output_the_engine_lacks_is_an_error_not_a_silent_no_op(
        trt, depth_model, tmp_path, monkeypatch):
    monkeypatch.setitem(trt.OUTPUT_SCALE, 'dpeth', 1.5)   # a typo of 'depth'
    unknown = r"OUTPUT_SCALE names \['dpeth'\], not an output of this engine \(its outputs: " \
              r"\['depth'\]\)"
    with pytest.raises(trt.OutputScaleError, match=unknown):   # not a ParityError
        _open(depth_model, tmp_path)
    with _open(depth_model, tmp_path, verify_engine=False) as pipeline:
        with pytest.raises(trt.OutputScaleError, match=unknown):   # nor an exact result
            pipeline.run(np.full((32, 32, 3), 255, np.uint8))
    monkeypatch.setitem(trt.OUTPUT_SCALE, 'depth', 1.5)   # the real name scales
    trt.OUTPUT_SCALE.pop('dpeth')
    with _open(depth_model, tmp_path, verify_engine=False) as pipeline:
        out = pipeline.run(np.full((32, 32, 3), 255, np.uint8))
        assert float(out.depth.mean()) == pytest.approx(1.5 * 1.5, rel=1e-3)


def test_verified_engine_with_scaled_output_is_caught_after_a_threshold_change(
        trt, depth_model, tmp_path, monkeypatch):
    with _open(depth_model, tmp_path) as pipeline:
        assert pipeline.verification.passed
    # new thresholds in the descriptor: the stored verification no longer applies
    text = depth_model.read_text() + 'verify_thresholds: {max_abs_rel: 0.01}\n'
    depth_model.write_text(text)
    monkeypatch.setitem(trt.OUTPUT_SCALE, 'depth', 1.05)
    from jetson_dnn_ros.parity import ParityError
    with pytest.raises(ParityError, match='abs_rel'):
        _open(depth_model, tmp_path)


def test_build_engine_verify_cli(trt, depth_model, tmp_path, monkeypatch, capsys):
    args = ['build-engine', '--model', str(depth_model), '--engine-cache-dir',
            str(tmp_path / 'engines'), '--no-progress', '--verify']
    assert main(args) == 0
    assert 'verified against ONNX Runtime on synthetic' in capsys.readouterr().out
    monkeypatch.setitem(trt.OUTPUT_SCALE, 'depth', 2.0)
    assert main(args + ['--force']) == 1
    assert 'use precision fp32' in capsys.readouterr().err


def test_shipped_descriptor_verifies_on_its_photos(trt, data_dir, tmp_path):
    from jetson_dnn_ros.models import resolve_model
    from jetson_dnn_ros.parity import verification_images
    descriptor = resolve_model('yolox_nano')
    names = [n for n, _ in verification_images(descriptor)]
    assert names == ['peds_0.jpg', 'dog_0.jpg']      # photos of $JETSON_DNN_DATA
    with _open('yolox_nano', tmp_path) as pipeline:
        result = pipeline.verification
        assert result.passed and result.images == ('peds_0.jpg', 'dog_0.jpg')
        assert result.figures['matched_rate'] == 1.0
        assert result.thresholds['min_matched_rate'] == 0.9


def test_missing_photos_fall_back_to_the_synthetic_pattern(tmp_path, monkeypatch):
    from jetson_dnn_ros.models import resolve_model
    from jetson_dnn_ros.parity import verification_images
    monkeypatch.setenv('JETSON_DNN_DATA', str(tmp_path))
    images = verification_images(resolve_model('deeplabv3_mobilenetv2_voc'))
    assert [n for n, _ in images] == ['synthetic']
    assert images[0][1].shape == (257, 257, 3) and images[0][1].std() > 20


def test_input_size_keeps_the_source_aspect_on_the_grid(tmp_path):
    """Issue 14 item 4: a dynamic-input model gets an input per source aspect and budget."""
    from jetson_dnn_ros.errors import ModelError
    from jetson_dnn_ros.pipeline import InputSize
    size = InputSize(197505, 16, 1)              # BodyPix: 16k + 1, 513 x 385 pixels
    assert size.for_image(640, 480) == (513, 385)
    assert size.for_image(480, 640) == (385, 513)   # portrait: not letterboxed into 4:3
    w, h = size.for_image(1920, 1080)
    assert (w - 1) % 16 == 0 and (h - 1) % 16 == 0 and w * h <= 197505
    assert abs(w / h - 16 / 9) < 0.1
    # through the pipeline: a depth model with dynamic H and W sees the chosen size
    graph = helper.make_graph(
        [helper.make_node('ReduceMean', ['input'], ['depth'], axes=[1], keepdims=1)], 'dyn',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, [1, 3, 'h', 'w'])],
        [helper.make_tensor_value_info('depth', TensorProto.FLOAT, [1, 1, 'h', 'w'])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.save(model, str(tmp_path / 'dyn.onnx'))
    text = ('name: dyn\ntask: depth\nfile: dyn.onnx\n'
            'input: {name: input, width: 32, height: 32, resize: letterbox, color: rgb, '
            'layout: NCHW}\ndecoder: {name: depth_metric, output: depth}\n')
    (tmp_path / 'dyn.yaml').write_text(text + 'input_size: {max_pixels: 2048, stride: 8}\n')
    with Pipeline.from_model(str(tmp_path / 'dyn.yaml'), backend='onnxruntime') as pipeline:
        wide = pipeline.process(np.zeros((100, 200, 3), np.uint8), keep_outputs=True)
        assert wide.outputs['depth'].shape == (1, 1, 32, 64)
        tall = pipeline.process(np.zeros((200, 100, 3), np.uint8), keep_outputs=True)
        assert tall.outputs['depth'].shape == (1, 1, 64, 32)
        assert tall.result.depth.shape == (200, 100)
    # a static input cannot change size: refused with the reason
    (tmp_path / 'depth_static.yaml').write_text(
        text.replace('dyn.onnx', 'static.onnx') + 'input_size: {max_pixels: 2048}\n')
    value_info = helper.make_tensor_value_info
    model.graph.input[0].CopyFrom(value_info('input', TensorProto.FLOAT, [1, 3, 32, 32]))
    model.graph.output[0].CopyFrom(value_info('depth', TensorProto.FLOAT, [1, 1, 32, 32]))
    onnx.save(model, str(tmp_path / 'static.onnx'))
    with pytest.raises(ModelError, match='dynamic height and width'):
        Pipeline.from_model(str(tmp_path / 'depth_static.yaml'), backend='onnxruntime')


def _dynamic_model(path):
    """Write a labels model (per-pixel argmax of the colour channels) with dynamic N, H and W."""
    graph = helper.make_graph(
        [helper.make_node('ArgMax', ['input'], ['labels'], axis=1, keepdims=1)], 'dyn',
        [helper.make_tensor_value_info('input', TensorProto.FLOAT, ['n', 3, 'h', 'w'])],
        [helper.make_tensor_value_info('labels', TensorProto.INT64, ['n', 1, 'h', 'w'])])
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid('', 13)])
    model.ir_version = 8
    onnx.save(model, str(path))
    text = (f'name: dyn\ntask: segmentation\nfile: {path.name}\nlabels: [r, g, b]\n'
            'input: {name: input, width: 48, height: 32, resize: letterbox, color: rgb, '
            'layout: NCHW}\ndecoder: {name: segmentation_labels, output: labels}\n'
            'input_size: {max_pixels: 1536, stride: 8, offset: 0}\n')
    (path.parent / 'dyn.yaml').write_text(text)
    return path.parent / 'dyn.yaml'


def test_input_size_override_clamp_and_engine_profile(tmp_path):
    """Issue 14 item 4: the user's input size, the 2:1 clamp and the profile it implies."""
    from jetson_dnn_ros.errors import ModelError
    from jetson_dnn_ros.models import load_descriptor
    from jetson_dnn_ros.pipeline import apply_input_size, engine_profile, InputSize
    size = InputSize(1536, 8, 0)                      # 48 x 32 at 3:2
    assert size.for_image(300, 200) == (48, 32)
    # wider than 2:1: the 2:1 size, the source letterboxed into it; bounds over 1:2 .. 2:1
    assert size.for_image(1000, 100) == size.for_image(200, 100) == (48, 24)
    assert size.for_image(100, 1000) == (24, 48)
    assert size.bounds() == ((24, 24), (48, 48))
    yaml_path = _dynamic_model(tmp_path / 'dyn.onnx')
    descriptor = load_descriptor(yaml_path)
    assert apply_input_size(descriptor, None) is descriptor
    assert apply_input_size(descriptor, 'auto') is descriptor
    fixed = apply_input_size(descriptor, '64x40')
    assert (fixed.preprocess.width, fixed.preprocess.height) == (64, 40)
    assert fixed.extras['input_size'] is None
    budget = apply_input_size(descriptor, '3000')   # the descriptor's grid, a new budget
    assert dict(budget.extras['input_size']) == {'max_pixels': 3000, 'stride': 8,
                                                 'offset': 0, 'max_aspect': 2.0}
    for bad in ('64 by 40', '0x40', '-5', 'x'):
        with pytest.raises(ModelError, match='is not WxH'):
            apply_input_size(descriptor, bad)
    with pytest.raises(ModelError, match='not a usable budget'):
        apply_input_size(descriptor, '10')
    with pytest.raises(ModelError, match='pixel budget needs the input grid'):
        apply_input_size(fixed, '3000')      # no input_size: the grid is unknown
    # TensorRT profile: batch 1..4 and every size per aspect; OPT = the descriptor's size
    onnx_file = tmp_path / 'dyn.onnx'
    assert engine_profile(descriptor, onnx_file, 4) == {
        'input': ((1, 3, 24, 24), (4, 3, 32, 48), (4, 3, 48, 48))}
    assert engine_profile(descriptor, onnx_file, 1) == {
        'input': ((1, 3, 24, 24), (1, 3, 32, 48), (1, 3, 48, 48))}
    assert engine_profile(fixed, onnx_file, 1) is None            # one static shape
    assert engine_profile(fixed, onnx_file, 2) == {
        'input': ((1, 3, 40, 64), (2, 3, 40, 64), (2, 3, 40, 64))}


def test_batches_of_other_aspects_run_frame_by_frame(tmp_path):
    """A batch is one tensor: frames whose per-aspect sizes differ are not letterboxed alike."""
    yaml_path = _dynamic_model(tmp_path / 'dyn.onnx')
    rng = np.random.default_rng(3)
    wide, tall = (rng.integers(0, 255, shape, dtype=np.uint8)
                  for shape in ((100, 150, 3), (150, 100, 3)))
    with Pipeline.from_model(str(yaml_path), backend='onnxruntime') as pipeline:
        assert pipeline.batch_capacity() == 0
        for frames in ([wide, tall], [wide, wide[::-1].copy()]):
            batch = pipeline.process_batch([(f, 'bgr8') for f in frames])
            for frame, got in zip(frames, batch):
                want = pipeline.process(frame, 'bgr8')
                np.testing.assert_array_equal(got.result.class_map, want.result.class_map)
                assert got.result.class_map.shape == frame.shape[:2]
                assert got.transform == want.transform


def test_sized_preprocessors_are_bounded_and_closed(tmp_path, monkeypatch):
    """Photos of many aspects: preprocessors per size stay bounded; evicted ones are freed."""
    import jetson_dnn_ros.pipeline as pipeline_module
    from jetson_dnn_ros.preprocessing import Preprocessor
    monkeypatch.setattr(pipeline_module, 'SIZED_PREPROCESSORS', 3)
    closed = []

    class Closable(Preprocessor):
        """A host preprocessor that records close() (as a device one frees its buffers)."""

        def close(self):
            closed.append((self.spec.width, self.spec.height))

    yaml_path = _dynamic_model(tmp_path / 'dyn.onnx')
    with Pipeline.from_model(str(yaml_path), backend='onnxruntime') as pipeline:
        monkeypatch.setattr(pipeline.backend, 'create_preprocessor', Closable, raising=False)
        sizes = []
        for w in (100, 160, 200, 60, 50):          # 5 aspects -> 5 sizes, 3 kept at most
            image = np.zeros((100, w, 3), np.uint8)
            sizes.append(pipeline.input_size_for(image))
            assert pipeline.run(image).class_map.shape == (100, w)
            assert len(pipeline._sized) <= 3
        assert len(set(sizes)) == 5 and (48, 32) in sizes
        # the fixed (descriptor) size never goes through the cache; the first three other
        # sizes were closed when the fourth came
        others = [s for s in sizes if s != (48, 32)]
        assert sorted(closed) == sorted(others[:3])


def test_parity_gate_prepares_each_verification_image_at_its_own_input_size(trt, tmp_path):
    """
    The reference runs each verification image at the size the pipeline picks for it.

    With ``input_size`` a 2:1 photo runs at 48x24, not at the descriptor's 48x32: preparing the
    ONNX Runtime side at the fixed size compared tensors of two shapes and refused an exact
    engine.
    """
    import cv2
    yaml_path = _dynamic_model(tmp_path / 'dyn.onnx')
    rng = np.random.default_rng(5)
    for name, shape in (('wide.png', (100, 200, 3)), ('tall.png', (200, 100, 3))):
        cv2.imwrite(str(tmp_path / name), rng.integers(0, 255, shape, dtype=np.uint8))
    yaml_path.write_text(yaml_path.read_text() + 'verify_images: [wide.png, tall.png]\n')
    with _open(yaml_path, tmp_path) as pipeline:
        assert pipeline.input_size_for(np.zeros((100, 200, 3))) == (48, 24)
        assert pipeline.input_size_for(np.zeros((200, 100, 3))) == (24, 48)
        result = pipeline.verification
        assert result.passed and result.images == ('wide.png', 'tall.png')
        assert result.figures['output_rel_error'] == pytest.approx(0.0, abs=1e-9)


def test_a_fixed_input_size_off_the_model_grid_is_refused(tmp_path):
    """
    ``--input-size WxH`` off the descriptor's ``input_size`` grid fails clearly at configure.

    BodyPix (output stride 16) needs W, H = 16k + 1: at 640x480 ONNX Runtime runs, the heatmap
    cells no longer sit on network pixels ``16 i`` and every keypoint is shifted silently.
    """
    from jetson_dnn_ros.errors import ModelError
    from jetson_dnn_ros.models import load_descriptor, resolve_model
    from jetson_dnn_ros.pipeline import apply_input_size
    bodypix = resolve_model('bodypix_mobilenetv1_050')
    for text, nearest in (('640x480', '641x481'), ('641x480', '641x481'),
                          ('513x384', '513x385')):
        with pytest.raises(ModelError, match=rf'16k \+ 1.*nearest: {nearest}'):
            apply_input_size(bodypix, text)
    fixed = apply_input_size(bodypix, '513x385')
    assert (fixed.preprocess.width, fixed.preprocess.height) == (513, 385)
    descriptor = load_descriptor(_dynamic_model(tmp_path / 'dyn.onnx'))   # stride 8, offset 0
    with pytest.raises(ModelError, match=r'8k \(nearest: 48x32\)'):
        apply_input_size(descriptor, '50x32')
    assert apply_input_size(descriptor, '64x40').preprocess.width == 64
    with pytest.raises(ModelError, match=r'16k \+ 1'):
        Pipeline.from_model('bodypix_mobilenetv1_050', backend='onnxruntime',
                            input_size='640x480')


def test_benchmark_times_the_engine_at_the_input_size_the_pipeline_runs(tmp_path, monkeypatch):
    """
    ``jetson-dnn benchmark``'s engine-only runs use the image's per-aspect input size.

    The benchmark input is 1920x1080 and BodyPix's default runs it at 737x417: engine-only runs
    at the fixed size timed another shape than the end-to-end runs (and made an engine switch
    shapes every iteration).
    """
    from jetson_dnn_ros.cli import time_pipeline
    yaml_path = _dynamic_model(tmp_path / 'dyn.onnx')
    image = np.zeros((100, 200, 3), np.uint8)   # 2:1: 48x24, not the fixed 48x32
    with Pipeline.from_model(str(yaml_path), backend='onnxruntime') as pipeline:
        shapes = []
        infer = pipeline.backend.infer

        def record(inputs):
            shapes.append(np.shape(inputs['input']))
            return infer(inputs)

        monkeypatch.setattr(pipeline.backend, 'infer', record)
        timing = time_pipeline(pipeline, image, iterations=2, warmup=0)
    assert timing['engine_ms'] > 0
    assert shapes == [(1, 3, 24, 48)] * 4   # 2 end-to-end and 2 engine-only, alternating
