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

"""Segmentation decoders on planted logits (analytic), palettes, overlays and real models."""

import cv2
from jetson_dnn_ros.backends import create_backend
from jetson_dnn_ros.colormaps import load_palette, parse_palette_lines, voc_palette
from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.models import descriptor_from_dict, get_descriptor
from jetson_dnn_ros.overlay import draw, OverlayOptions
from jetson_dnn_ros.pipeline import Pipeline
from jetson_dnn_ros.preprocessing import compute_transform
from jetson_dnn_ros.tasks.segmentation import (candidate_classes, colorize, linear_argmax,
                                               resample_to_source, resolve_layout)
import numpy as np
from onnxgen import constant_model
import pytest

NET = 64  # network input is NET x NET


def make_descriptor(decoder, labels=None, resize='stretch', layout='NCHW', palette=None,
                    options=None):
    return descriptor_from_dict({
        'name': 'planted', 'task': 'segmentation',
        'input': {'name': 'images', 'width': NET, 'height': NET, 'resize': resize,
                  'layout': 'NCHW'},
        'decoder': decoder, 'labels': labels, 'palette': palette, 'options': options or {}})


def pipeline_for(tmp_path, outputs, descriptor, name='m.onnx'):
    path = constant_model(tmp_path / name, outputs, input_shape=(1, 3, NET, NET))
    return Pipeline(descriptor, create_backend('onnxruntime', str(path)))


def planted_logits(stride, classes, rect, cls=2, layout='NCHW', high=6.0):
    """
    Return logits on the stride grid: background class 0 everywhere, ``cls`` in ``rect``.

    :param rect: (row0, row1, col0, col1) grid cells, end exclusive.
    """
    g = NET // stride
    logits = np.zeros((classes, g, g), np.float32)
    logits[0] = high
    r0, r1, c0, c1 = rect
    logits[0, r0:r1, c0:c1] = 0.0
    logits[cls, r0:r1, c0:c1] = high
    logits = logits[None]
    return logits if layout == 'NCHW' else np.ascontiguousarray(logits.transpose(0, 2, 3, 1))


def expected_region(transform, stride, rect):
    """
    Source pixels whose centre maps into the planted cells (inverse transform).

    Pixels the network did not see (centre crop) take the nearest edge: clip to the input.
    """
    h, w = transform.source_size
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32) + 0.5
    net = np.clip(transform.to_network(np.stack([xs, ys], axis=-1)), 0.0, NET - 1e-3)
    r0, r1, c0, c1 = rect
    return ((net[..., 0] >= c0 * stride) & (net[..., 0] < c1 * stride) &
            (net[..., 1] >= r0 * stride) & (net[..., 1] < r1 * stride))


def assert_region(found, expected, corner_radius=0.0):
    """
    Match up to 1 px at region borders, exactly elsewhere.

    Bilinear upsampling rounds a rectangle's corners (the class boundary is where the product
    of two ramps is 1/2), so ``corner_radius`` source pixels around each corner are free.
    """
    kernel = np.ones((3, 3), np.uint8)
    e8 = expected.astype(np.uint8)
    band = cv2.dilate(e8, kernel).astype(bool) & ~cv2.erode(e8, kernel).astype(bool)
    if corner_radius > 0 and expected.any():
        rows, cols = np.nonzero(expected)
        ys, xs = np.mgrid[0:expected.shape[0], 0:expected.shape[1]]
        for cy in (rows.min(), rows.max() + 1):
            for cx in (cols.min(), cols.max() + 1):
                band |= np.hypot(ys - cy, xs - cx) <= corner_radius
    wrong = (found != expected) & ~band
    assert not wrong.any(), f'{int(wrong.sum())} pixels wrong away from the borders'
    assert found[cv2.erode(e8, kernel).astype(bool) & ~band].all()


@pytest.mark.parametrize('stride', [1, 4, 8, 32])
@pytest.mark.parametrize('layout', ['NCHW', 'NHWC'])
@pytest.mark.parametrize('filter_mode', ['point', 'linear'])
@pytest.mark.parametrize('resize,source', [('stretch', (96, 160)), ('letterbox', (32, 128)),
                                           ('center_crop', (80, 64))])
def test_planted_region_maps_to_source(tmp_path, stride, layout, filter_mode, resize, source):
    classes = 5
    g = NET // stride
    rect = (g // 4, g // 2 + 1, g // 4, 3 * g // 4) if g > 2 else (0, 1, 1, 2)
    logits = planted_logits(stride, classes, rect, layout=layout)
    desc = make_descriptor({'name': 'segmentation_logits', 'layout': 'auto',
                            'confidence': True},
                           labels=[f'c{i}' for i in range(classes)], resize=resize)
    pipe = pipeline_for(tmp_path, {'scores': logits}, desc)
    pipe.update_params(filter_mode=filter_mode)
    image = np.zeros(source + (3,), np.uint8)
    inference = pipe.process(image)
    result = inference.result
    assert result.class_map.shape == source
    assert result.class_map.dtype == np.uint8
    t = inference.transform
    expected = expected_region(t, stride, rect)
    cell = stride / min(t.scale_x, t.scale_y)  # one grid cell in source pixels
    assert_region(result.class_map == 2, expected, cell if filter_mode == 'linear' else 0.0)
    assert set(np.unique(result.class_map)) <= {0, 2}
    # fractions are pixel counts
    assert result.class_fractions.shape == (classes,)
    assert result.class_fractions[2] == pytest.approx((result.class_map == 2).mean())
    assert result.class_fractions.sum() == pytest.approx(1.0)
    # softmax confidence of a 6-vs-0 logit at grid points: e^6 / (e^6 + C - 1)
    p = np.exp(6.0) / (np.exp(6.0) + classes - 1)
    assert result.confidence.dtype == np.float32
    assert result.confidence.max() == pytest.approx(p, rel=1e-4)


def test_linear_differs_from_point_and_is_exact_argmax():
    """Linear = argmax of bilinearly upsampled logits (checked against a brute-force argmax)."""
    rng = np.random.default_rng(0)
    scores = rng.normal(size=(6, 9, 12)).astype(np.float32)
    scores[..., 3] += 2.0  # a dominant class; others compete near it
    spec_t = compute_transform(make_descriptor('segmentation_logits').preprocess, (50, 70))
    found = linear_argmax(scores, spec_t)
    brute = np.argmax(resample_to_source(scores, spec_t, 'linear'), axis=2)
    np.testing.assert_array_equal(found, brute)
    point = resample_to_source(np.argmax(scores, axis=2).astype(np.uint8), spec_t, 'nearest')
    assert (point != found).any()


def test_candidate_pruning_keeps_interpolated_winner():
    """A class that wins nowhere on the grid can win between grid points; it must be kept."""
    scores = np.zeros((1, 2, 4), np.float32)
    scores[0, 0] = [10, 0, 9, -50]
    scores[0, 1] = [0, 10, 9, -50]
    kept = candidate_classes(scores)
    assert 2 in kept and 3 not in kept


def test_uint16_class_map_with_many_classes(tmp_path):
    classes = 300
    logits = planted_logits(8, classes, (1, 3, 2, 5), cls=280)
    desc = make_descriptor({'name': 'segmentation_logits', 'layout': 'NCHW'})
    pipe = pipeline_for(tmp_path, {'scores': logits}, desc)
    for mode in ('point', 'linear'):
        pipe.update_params(filter_mode=mode)
        result = pipe.run(np.zeros((64, 64, 3), np.uint8))
        assert result.class_map.dtype == np.uint16
        assert set(np.unique(result.class_map)) == {0, 280}
        assert result.class_fractions.shape == (300,)
        assert result.labels[280] == '280'


def test_ignore_class_not_drawn_but_counted(tmp_path):
    labels = ['void', 'road', 'car']
    logits = planted_logits(4, 3, (0, 8, 0, 16), cls=2)
    desc = make_descriptor({'name': 'segmentation_logits'}, labels=labels,
                           options={'ignore_class': 'void'})
    pipe = pipeline_for(tmp_path, {'scores': logits}, desc)
    image = np.full((64, 64, 3), 200, np.uint8)
    result = pipe.run(image)
    assert result.ignore_class == 0
    assert result.class_fractions[0] == pytest.approx(0.5)
    mask = colorize(result.class_map, result.palette, result.ignore_class)
    assert (mask[result.class_map == 0] == 0).all()
    assert (mask[result.class_map == 2] == voc_palette(3)[2]).all()
    drawn = draw(image, result, OverlayOptions.parse('overlay', alpha=0.5))
    assert (drawn[result.class_map == 0] == 200).all()  # ignored: untouched
    assert (drawn[result.class_map == 2] != 200).any()
    both = draw(image, result, OverlayOptions.parse('overlay,mask'))
    assert both.shape == (64, 128, 3)
    np.testing.assert_array_equal(both[:, 64:], mask[:, :, ::-1])  # BGR mask panel
    only = draw(image, result, OverlayOptions.parse('mask'))
    np.testing.assert_array_equal(only, mask[:, :, ::-1])
    # by id, and an unknown name is an error naming the problem
    assert pipe.update_params(ignore_class=1) and pipe.run(image).ignore_class == 1
    pipe.update_params(ignore_class='sky')
    with pytest.raises(ModelError, match='ignore_class'):
        pipe.run(image)


@pytest.mark.parametrize('shape,dtype', [((1, 16, 16), np.int64), ((1, 1, 16, 16), np.float32),
                                         ((1, 16, 16, 1), np.int32)])
def test_label_map_decoder(tmp_path, shape, dtype):
    grid = np.zeros((16, 16), np.int64)
    grid[4:8, 2:10] = 7
    desc = make_descriptor({'name': 'segmentation_labels'}, labels=[f'c{i}' for i in range(21)])
    pipe = pipeline_for(tmp_path, {'labels': grid.reshape(shape).astype(dtype)}, desc)
    result = pipe.run(np.zeros((32, 48, 3), np.uint8))
    assert result.confidence is None
    assert result.class_map.shape == (32, 48) and result.class_map.dtype == np.uint8
    t = compute_transform(desc.preprocess, (32, 48))
    assert_region(result.class_map == 7, expected_region(t, 4, (4, 8, 2, 10)))
    assert result.class_fractions.shape == (21,)
    assert result.to_dict()['classes'][1]['label'] == 'c7'


def test_layout_resolution():
    assert resolve_layout((1, 21, 8, 16), 'auto', 21, (256, 512)) == 'NCHW'
    assert resolve_layout((1, 8, 16, 21), 'auto', 21, (256, 512)) == 'NHWC'
    # no labels: the spatial axes have the input's aspect ratio
    assert resolve_layout((1, 21, 8, 16), 'auto', None, (256, 512)) == 'NCHW'
    assert resolve_layout((1, 128, 128, 150), 'auto', None, (512, 512)) == 'NHWC'
    assert resolve_layout((1, 150, 128, 128), 'auto', None, (512, 512)) == 'NCHW'
    with pytest.raises(ModelError, match='layout'):
        resolve_layout((1, 4, 4, 4), 'auto', None, (64, 64))


def test_wrong_label_count_is_reported(tmp_path):
    desc = make_descriptor({'name': 'segmentation_logits', 'layout': 'NCHW'},
                           labels=['a', 'b'])
    path = constant_model(tmp_path / 'm.onnx', {'s': np.zeros((1, 3, 8, 8), np.float32)},
                          input_shape=(1, 3, NET, NET))
    with pytest.raises(ModelError, match='3 classes'):
        Pipeline(desc, create_backend('onnxruntime', str(path)))


def test_palettes(tmp_path):
    voc = voc_palette(256)
    assert voc[0].tolist() == [0, 0, 0] and voc[1].tolist() == [128, 0, 0]
    assert voc[15].tolist() == [192, 128, 128]  # VOC 'person'
    assert len({tuple(c) for c in voc}) == 256
    named = parse_palette_lines(['background 0 0 0', 'traffic light 250 170 30', '# x', ''])
    assert named.tolist() == [[0, 0, 0], [250, 170, 30]]
    rgba = parse_palette_lines(['10 20 30 255', '1 2 3'])
    assert rgba.tolist() == [[10, 20, 30], [1, 2, 3]]
    with pytest.raises(ModelError, match='R G B'):
        parse_palette_lines(['road 1 2'])
    (tmp_path / 'p.txt').write_text('a 1 2 3\n')
    extended = load_palette('p.txt', 4, [tmp_path])
    assert extended.shape == (4, 3) and extended[0].tolist() == [1, 2, 3]
    assert extended[3].tolist() == voc[3].tolist()
    with pytest.raises(ModelError, match='not found'):
        load_palette('missing.txt', 4, [tmp_path])


def test_descriptor_families_load():
    for name, classes in (('fcn_resnet18_cityscapes', None), ('fcn_resnet18_voc', 21),
                          ('segformer_b0', 150), ('deeplabv3_mobilenetv2_voc', 21)):
        d = get_descriptor(name)
        assert d.task == 'segmentation' and d.decoder == 'segmentation_logits'
        if classes:
            assert len(d.load_labels()) == classes


# real models ------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def deeplab(data_dir):
    with Pipeline.from_model('deeplabv3_mobilenetv2_voc', backend='onnxruntime') as pipe:
        yield pipe


@pytest.fixture(scope='module')
def road(data_dir):
    with Pipeline.from_model('road_segmentation_adas_0001', backend='onnxruntime') as pipe:
        yield pipe


@pytest.mark.parametrize('photo_name,classes', [('dog_1', ('dog', 'person')),
                                                ('cat_0', ('cat',))])
@pytest.mark.parametrize('filter_mode', ['point', 'linear'])
def test_deeplab_finds_animals(deeplab, photo, photo_name, classes, filter_mode, tmp_path):
    image = photo(photo_name)
    saved = deeplab.params   # module-scoped: leave it as found for the next test
    deeplab.update_params(filter_mode=filter_mode)
    try:
        result = deeplab.run(image)
    finally:
        deeplab.params = saved
    assert result.class_map.shape == image.shape[:2]
    for name in classes:
        assert result.fraction_of(name) > 0.01, result.to_dict()
    voc_file = np.asarray(load_palette('labels/voc21_palette_rgb.txt', 21))
    np.testing.assert_array_equal(result.palette[:21], voc_file)
    np.testing.assert_array_equal(voc_file, voc_palette(21))  # the file is the VOC palette
    out = draw(image, result, OverlayOptions.parse('overlay,mask'))
    assert out.shape == (image.shape[0], 2 * image.shape[1], 3)
    cv2.imwrite(str(tmp_path / f'{photo_name}.png'), out)


def test_road_model_finds_road(road, photo):
    image = photo('city_0')
    result = road.run(image)
    assert result.class_map.shape == image.shape[:2]
    non_bg = [c for c in result.present_classes() if result.labels[c] != 'BG']
    assert result.labels[non_bg[0]] == 'road'
    assert result.fraction_of('road') > 0.1
    # the road is in the lower half of a dash-cam image
    rows = np.nonzero(result.class_map == result.labels.index('road'))[0]
    assert np.median(rows) > image.shape[0] / 2
    assert result.ignore_class == 0  # descriptor option: BG undrawn
    assert result.confidence is None  # per-pixel confidence is opt-in (decoder confidence: true)


@pytest.mark.parametrize('resize', ['stretch', 'letterbox'])
@pytest.mark.parametrize('seed', range(4))
def test_pruned_linear_argmax_equals_brute_force_on_random_logits(resize, seed):
    """Candidate pruning (pure cells skipped) never changes the bilinear argmax."""
    import cv2
    from jetson_dnn_ros.preprocessing import compute_transform, PreprocessSpec
    from jetson_dnn_ros.tasks.segmentation import linear_argmax
    rng = np.random.default_rng(seed)
    logits = rng.standard_normal((17, 23, 7)).astype(np.float32) * 3
    logits = cv2.GaussianBlur(logits, (3, 3), 0)  # smooth regions, like real logits
    transform = compute_transform(PreprocessSpec(92, 68, resize=resize), (101, 157))
    brute = np.argmax(transform.map_to_source(logits, 'linear'), axis=2)
    np.testing.assert_array_equal(linear_argmax(logits, transform), brute)
