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

"""Depth decoders on planted maps, colour maps, point clouds and FastDepth on real data."""

import warnings

import cv2
from jetson_dnn_ros.backends import create_backend
from jetson_dnn_ros.colormaps import apply_colormap
from jetson_dnn_ros.errors import ImageEncodingError, ModelError
from jetson_dnn_ros.models import descriptor_from_dict, get_descriptor
from jetson_dnn_ros.overlay import draw, OverlayOptions
from jetson_dnn_ros.pipeline import Pipeline
import jetson_dnn_ros.tasks.depth as depth_module
from jetson_dnn_ros.tasks.depth import colorize_depth, depth_to_points
import numpy as np
from onnxgen import constant_model
import pytest

NET = 32


def metric_descriptor(**decoder):
    return descriptor_from_dict({
        'name': 'planted_depth', 'task': 'depth',
        'input': {'name': 'input', 'width': NET, 'height': NET, 'resize': 'stretch'},
        'decoder': {'name': 'depth_metric', **decoder}})


def pipeline(tmp_path, descriptor, outputs, input_name='input', input_shape=(1, 3, NET, NET)):
    path = constant_model(tmp_path / 'depth.onnx', outputs, input_name=input_name,
                          input_shape=input_shape)
    return Pipeline(descriptor, create_backend('onnxruntime', str(path)))


def step_map(h, w, near=1.0, far=4.0):
    """Left half ``near`` metres, right half ``far``."""
    grid = np.full((h, w), far, np.float32)
    grid[:, : w // 2] = near
    return grid


@pytest.mark.parametrize('shape', [(1, 1, NET // 2, NET // 2), (1, NET // 2, NET // 2)])
def test_metric_decoder_step_at_source_resolution(tmp_path, shape):
    grid = step_map(NET // 2, NET // 2)
    pipe = pipeline(tmp_path, metric_descriptor(output='depth'), {'depth': grid.reshape(shape)})
    pipe.update_params(filter_mode='point')
    result = pipe.run(np.zeros((48, 80, 3), np.uint8))
    assert result.kind == 'metric' and result.depth.dtype == np.float32
    assert result.depth.shape == (48, 80) and result.image_size == (48, 80)
    # the step sits at the middle column of the source (stretch), up to 1 px
    assert (result.depth[:, :39] == 1.0).all() and (result.depth[:, 41:] == 4.0).all()
    pipe.update_params(filter_mode='linear')
    linear = pipe.run(np.zeros((48, 80, 3), np.uint8)).depth
    assert linear.min() == pytest.approx(1.0) and linear.max() == pytest.approx(4.0)
    assert ((linear > 1.0) & (linear < 4.0)).any()  # bilinear ramp across the step
    summary = pipe.run(np.zeros((48, 80, 3), np.uint8)).to_dict()
    assert summary['kind'] == 'metric' and summary['min'] == pytest.approx(1.0)
    assert summary['max'] == pytest.approx(4.0)


def test_metric_scale_shift_and_depth_size(tmp_path):
    grid = np.full((1, 1, 8, 8), 1500.0, np.float32)  # millimetres
    pipe = pipeline(tmp_path, metric_descriptor(scale=0.001, shift=0.25), {'depth': grid})
    result = pipe.run(np.zeros((40, 60, 3), np.uint8))
    np.testing.assert_allclose(result.depth, 1.75, rtol=1e-6)
    pipe.update_params(depth_size=0.5)
    half = pipe.run(np.zeros((40, 60, 3), np.uint8))
    assert half.depth.shape == (20, 30) and half.image_size == (40, 60)
    pipe.update_params(depth_size=-1)
    with pytest.raises(ModelError, match='depth_size'):
        pipe.run(np.zeros((40, 60, 3), np.uint8))


def test_depth_size_keeps_geometry(tmp_path):
    grid = step_map(16, 16)
    pipe = pipeline(tmp_path, metric_descriptor(), {'depth': grid[None, None]})
    pipe.update_params(filter_mode='point', depth_size=0.5)
    depth = pipe.run(np.zeros((64, 100, 3), np.uint8)).depth
    assert depth.shape == (32, 50)
    assert (depth[:, :24] == 1.0).all() and (depth[:, 26:] == 4.0).all()


@pytest.mark.parametrize('model,input_name,size,output_name', [
    ('midas_v21_small', 'input', 256, 'output'),  # model-small.onnx [1,3,256,256]->[1,256,256]
    ('depth_anything_v2_small', 'image', 518, 'depth'),  # fabio-sim export: image -> depth
])
def test_relative_models_drop_in(tmp_path, model, input_name, size, output_name):
    """A file with the published I/O runs through the shipped descriptor unchanged."""
    inverse = np.tile(np.linspace(10.0, 1.0, size, dtype=np.float32)[:, None], (1, size))
    path = constant_model(tmp_path / f'{model}.onnx', {output_name: inverse[None]},
                          input_name=input_name, input_shape=(1, 3, size, size))
    descriptor = get_descriptor(model).with_file(str(path))
    with Pipeline(descriptor, create_backend('onnxruntime', str(path))) as pipe:
        result = pipe.run(np.zeros((120, 160, 3), np.uint8))
    assert result.kind == 'relative_inverse'
    assert result.depth.shape == (120, 160)
    # top rows have the larger inverse depth = nearer; monotonic down the image
    column = result.depth[:, 80]
    assert (np.diff(column) <= 1e-4).all() and column[0] > column[-1]
    rgb = colorize_depth(result.depth, result.kind)
    near, far = apply_colormap(np.array([[0, 255]], np.uint8))[0]
    np.testing.assert_array_equal(rgb[0, 80], near)
    np.testing.assert_array_equal(rgb[-1, 80], far)


def test_wrong_output_shape_is_reported(tmp_path):
    outputs = {'depth': np.zeros((1, 2, 8, 8), np.float32)}
    path = constant_model(tmp_path / 'bad.onnx', outputs, input_name='input',
                          input_shape=(1, 3, NET, NET))
    with pytest.raises(ModelError, match='depth_metric'):
        Pipeline(metric_descriptor(), create_backend('onnxruntime', str(path)))


def test_colorize_depth_ends_and_options():
    depth = np.array([[1.0, 2.0, 3.0, np.nan, 0.0]], np.float32)
    viridis = cv2.applyColorMap(np.array([[0], [255]], np.uint8), cv2.COLORMAP_VIRIDIS)[:, 0, ::-1]
    default = colorize_depth(depth, 'metric')
    # viridis_inverted (default): near = top of viridis (yellow), far = bottom (dark purple)
    np.testing.assert_array_equal(default[0, 0], viridis[1])
    np.testing.assert_array_equal(default[0, 2], viridis[0])
    np.testing.assert_array_equal(default[0, 3:], 0)  # NaN and 0 m are invalid: black
    plain = colorize_depth(depth, 'metric', colormap='viridis')
    np.testing.assert_array_equal(plain[0, 0], viridis[0])
    # relative inverse depth: the largest value is nearest and gets the near colour
    inverse = colorize_depth(1.0 / depth[:, :3], 'relative_inverse')
    np.testing.assert_array_equal(inverse[0, 0], viridis[1])
    # a fixed range: d = depth / 8 m, colour index round(255 d), inverted for the default
    # (1, 2, 3 m and 9 m: indices 32, 64, 96 and 255, clipped; none near a rounding tie)
    lut = cv2.applyColorMap(np.arange(256, dtype=np.uint8)[:, None],
                            cv2.COLORMAP_VIRIDIS)[:, 0, ::-1]
    metres = np.array([[1.0, 2.0, 3.0, 9.0]], np.float32)
    ranged = colorize_depth(metres, 'metric', range=(0.0, 8.0))
    np.testing.assert_array_equal(ranged[0], lut[255 - np.array([32, 64, 96, 255])])
    plain_ranged = colorize_depth(metres, 'metric', colormap='viridis', range=(0.0, 8.0))
    np.testing.assert_array_equal(plain_ranged[0], lut[[32, 64, 96, 255]])
    # the other maps: near = their low end, far = their high end (reversed when inverted)
    for name, code in (('turbo', cv2.COLORMAP_TURBO), ('inferno', cv2.COLORMAP_INFERNO)):
        ends = cv2.applyColorMap(np.array([[0], [255]], np.uint8), code)[:, 0, ::-1]
        for suffix, (near, far) in (('', ends), ('_inverted', ends[::-1])):
            out = colorize_depth(depth, 'metric', colormap=name + suffix)
            assert out.shape == (1, 5, 3)
            np.testing.assert_array_equal(out[0, 0], near)
            np.testing.assert_array_equal(out[0, 2], far)
            np.testing.assert_array_equal(out[0, 3:], 0)
    ramp = np.tile(np.concatenate([np.linspace(1, 1.1, 90), np.linspace(5, 9, 10)]), (4, 1))
    flat, equal = (colorize_depth(ramp, 'metric', equalize=e, colormap='inferno')
                   for e in (False, True))
    # equalisation spreads the crowded near values over more colours
    assert len(np.unique(equal[0, :90], axis=0)) > len(np.unique(flat[0, :90], axis=0))
    with pytest.raises(ValueError, match='colormap'):
        colorize_depth(depth, 'metric', colormap='rainbowish')
    with pytest.raises(ValueError, match='kind'):
        colorize_depth(depth, 'metres')


def test_depth_overlay(tmp_path):
    grid = step_map(16, 16)
    pipe = pipeline(tmp_path, metric_descriptor(), {'depth': grid[None, None]})
    image = np.full((30, 40, 3), 77, np.uint8)
    result = pipe.run(image)
    both = draw(image, result)
    assert both.shape == (30, 80, 3)
    np.testing.assert_array_equal(both[:, :40], image)
    np.testing.assert_array_equal(both[:, 40:], colorize_depth(result.depth, 'metric')[:, :, ::-1])
    alone = draw(image, result, OverlayOptions.parse('depth,turbo'))
    np.testing.assert_array_equal(
        alone, colorize_depth(result.depth, 'metric', colormap='turbo')[:, :, ::-1])
    pipe.update_params(colormap='inferno', depth_equalize=True, depth_size=0.5)
    small = pipe.run(image)
    assert (small.colormap, small.equalize) == ('inferno', True)
    assert draw(image, small, OverlayOptions.parse('depth')).shape == (30, 40, 3)


def test_depth_to_points_plane():
    h, w = 48, 64
    fx, fy, cx, cy = 100.0, 120.0, 31.5, 23.5
    K = [fx, 0, cx, 0, fy, cy, 0, 0, 1]
    depth = np.full((h, w), 2.0, np.float32)
    points, colors = depth_to_points(depth, K)
    assert points.shape == (h * w, 3) and points.dtype == np.float32 and colors is None
    v, u = np.mgrid[0:h, 0:w]
    np.testing.assert_allclose(points[:, 2], 2.0)
    np.testing.assert_allclose(points[:, 0], ((u - cx) * 2.0 / fx).ravel(), atol=1e-6)
    np.testing.assert_allclose(points[:, 1], ((v - cy) * 2.0 / fy).ravel(), atol=1e-6)
    # REP-103 optical frame: top-left pixel is left (x < 0) and up (y < 0)
    assert points[0, 0] < 0 and points[0, 1] < 0


def test_depth_to_points_stride_colors_and_invalid():
    h, w = 10, 12
    depth = np.full((h, w), 3.0, np.float32)
    depth[0, 0] = np.nan
    depth[2, 4] = 0.0
    depth[4, 6] = -1.0
    image = np.arange(h * w * 3, dtype=np.uint8).reshape(h, w, 3)
    K = np.array([[50.0, 0, 6.0], [0, 50.0, 5.0], [0, 0, 1]])
    points, colors = depth_to_points(depth, K, stride=2, colors=image)
    keep = np.isfinite(depth[::2, ::2]) & (depth[::2, ::2] > 0)
    assert points.shape == (int(keep.sum()), 3) == (5 * 6 - 3, 3)
    v, u = np.nonzero(keep)
    np.testing.assert_allclose(points[:, 0], (2 * u - 6.0) * 3.0 / 50.0, atol=1e-6)
    np.testing.assert_array_equal(colors, image[2 * v, 2 * u])
    with pytest.raises(ImageEncodingError, match='colors'):
        depth_to_points(depth, K, colors=image[:5])
    with pytest.raises(ValueError, match='stride'):
        depth_to_points(depth, K, stride=0)
    with pytest.raises(ValueError, match='K'):
        depth_to_points(depth, [1, 2, 3])


def test_depth_to_points_distortion_warns_once(monkeypatch):
    monkeypatch.setattr(depth_module, '_DISTORTION_WARNED', False)
    depth = np.ones((4, 4), np.float32)
    K = [10, 0, 2, 0, 10, 2, 0, 0, 1]
    with pytest.warns(UserWarning, match='distortion'):
        depth_to_points(depth, K, distortion=[0.1, 0, 0, 0, 0])
    with warnings.catch_warnings():
        warnings.simplefilter('error')
        depth_to_points(depth, K, distortion=[0.1, 0, 0, 0, 0])  # second time: silent
        monkeypatch.setattr(depth_module, '_DISTORTION_WARNED', False)
        depth_to_points(depth, K, distortion=[0.0] * 5)  # zero coefficients: nothing to warn


# real model -------------------------------------------------------------------------------
@pytest.fixture(scope='module')
def fastdepth(data_dir):
    with Pipeline.from_model('fastdepth', backend='onnxruntime') as pipe:
        yield pipe


def test_fastdepth_nyu_accuracy(fastdepth, data_dir):
    sample = data_dir / 'samples' / 'fastdepth_nyu'
    rgb = np.load(sample / 'rgb.npy')
    truth = np.load(sample / 'depth.npy')
    reference = np.load(sample / 'pred.npy').reshape(truth.shape)
    image = np.clip(np.rint(rgb * 255.0), 0, 255).astype(np.uint8)
    result = fastdepth.run(image, 'rgb8')
    assert result.kind == 'metric' and result.depth.shape == truth.shape
    valid = truth > 0

    def scores(pred):
        err = pred[valid] - truth[valid]
        return float(np.sqrt(np.mean(err ** 2))), float(np.mean(np.abs(err) / truth[valid]))

    rmse, absrel = scores(result.depth)
    assert rmse <= 0.63 and absrel <= 0.15
    ref_rmse, _ = scores(reference)
    assert abs(rmse - ref_rmse) < 0.05  # same model as the original, up to int8->fp32 export
    assert float(np.sqrt(np.mean((result.depth - reference) ** 2))) < 0.1


@pytest.mark.parametrize('name', ['room_0', 'room_1', 'room_2', 'room_5', 'room_6'])
def test_fastdepth_rooms_near_furniture(fastdepth, photo, name, tmp_path):
    image = photo(name)
    result = fastdepth.run(image)
    h, w = image.shape[:2]
    assert result.depth.shape == (h, w)
    centre = slice(int(0.35 * w), int(0.65 * w))
    bottom = np.median(result.depth[int(0.8 * h):, centre])  # furniture / floor in front
    top = np.median(result.depth[int(0.1 * h):int(0.35 * h), centre])  # back wall
    assert bottom < top
    assert 0.3 < bottom and top < 12.0  # indoor range of NYU-v2, metres
    cv2.imwrite(str(tmp_path / f'{name}.png'), draw(image, result))
