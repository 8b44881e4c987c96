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
Preprocessing: where a planted square lands in the tensor and how ``to_source`` maps back.

Sizes are chosen so every resize is an exact 2× reduction (OpenCV's bilinear filter then
averages aligned 2×2 blocks), so a 4×4 white square on a dark background becomes an exact
2×2 block whose position is known by hand:

- source 64×32 (W×H), square at columns 20..23, rows 10..13 (centre (22, 12)).
- stretch to 32×16: block at columns 10..11, rows 5..6.
- letterbox to 32×32: scale 0.5, content 32×16; centred → rows 8..23 hold the image,
  block at rows 13..14; top-left → rows 0..15, block at rows 5..6.
- centre crop to 16×16 with the shorter side resized to 16: 32×16, crop columns 8..23,
  block at columns 2..3, rows 5..6.
"""

import cv2
from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.image import image_from_buffer
from jetson_dnn_ros.preprocessing import compute_transform
from jetson_dnn_ros.preprocessing import preprocess
from jetson_dnn_ros.preprocessing import Preprocessor
from jetson_dnn_ros.preprocessing import PreprocessSpec
import numpy as np
import pytest

BG = (20, 30, 40)   # BGR background
SQUARE = (slice(10, 14), slice(20, 24))
CENTRE = (22.0, 12.0)   # (x, y) source pixels


def source_bgr():
    image = np.empty((32, 64, 3), np.uint8)
    image[:] = BG
    image[SQUARE] = 255
    return image


def spec(resize, **kw):
    sizes = {'stretch': (32, 16), 'letterbox': (32, 32), 'center_crop': (16, 16)}
    w, h = sizes[resize]
    extra = {'resize_shorter': 16} if resize == 'center_crop' else {}
    return PreprocessSpec(width=w, height=h, resize=resize, pad_value=114, **extra, **kw)


# (resize, align) -> (block columns, block rows) in the network input, by hand
BLOCKS = {
    ('stretch', 'center'): ((10, 12), (5, 7)),
    ('letterbox', 'center'): ((10, 12), (13, 15)),
    ('letterbox', 'top_left'): ((10, 12), (5, 7)),
    ('center_crop', 'center'): ((2, 4), (5, 7)),
}


def bright_block(tensor, layout='NCHW'):
    """Return the (x0, x1), (y0, y1) pixel bounds (end exclusive) of values > 0.9."""
    planes = tensor[0] if layout == 'NCHW' else np.moveaxis(tensor[0], -1, 0)
    mask = np.all(planes > 0.9, axis=0)
    ys, xs = np.nonzero(mask)
    return (int(xs.min()), int(xs.max()) + 1), (int(ys.min()), int(ys.max()) + 1)


@pytest.mark.parametrize('resize, align', list(BLOCKS))
def test_planted_square_lands_where_expected_and_maps_back(resize, align):
    s = spec(resize, align=align)
    tensor, transform = preprocess(source_bgr(), 'bgr8', s)
    (x0, x1), (y0, y1) = bright_block(tensor)
    assert ((x0, x1), (y0, y1)) == BLOCKS[(resize, align)]
    # every value of the block is exactly the white square (aligned 2× reduction)
    np.testing.assert_allclose(tensor[0, :, y0:y1, x0:x1], 1.0, atol=1e-6)
    # the block's centre (continuous coordinates) maps back to the square's centre
    centre_net = np.array([(x0 + x1) / 2, (y0 + y1) / 2])
    np.testing.assert_allclose(transform.to_source(centre_net), CENTRE, atol=1e-5)
    np.testing.assert_allclose(transform.to_network(transform.to_source(centre_net)),
                               centre_net, atol=1e-5)
    # the whole source rectangle maps onto the network region that holds image content
    corners = transform.to_network(np.array([[0.0, 0.0], [64.0, 32.0]]))
    expected = {'stretch': [[0, 0], [32, 16]], 'letterbox': [[0, 8], [32, 24]],
                'center_crop': [[-8, 0], [24, 16]]}[resize]
    if (resize, align) == ('letterbox', 'top_left'):
        expected = [[0, 0], [32, 16]]
    np.testing.assert_allclose(corners, expected, atol=1e-5)


@pytest.mark.parametrize('align, pad_rows', [('center', [0, 1, 6, 7, 24, 25, 30, 31]),
                                             ('top_left', [16, 17, 23, 30, 31])])
def test_letterbox_padding_value_is_normalised(align, pad_rows):
    s = spec('letterbox', align=align, mean=(0.5, 0.25, 0.0), std=(0.5, 0.25, 1.0))
    tensor, _ = preprocess(source_bgr(), 'bgr8', s)
    expected = (114 / 255 - np.array([0.5, 0.25, 0.0])) / np.array([0.5, 0.25, 1.0])
    pad = tensor[0][:, pad_rows, :]
    np.testing.assert_allclose(pad, np.broadcast_to(expected[:, None, None], pad.shape),
                               atol=1e-6)
    content = tensor[0][:, 8 if align == 'center' else 0, :]   # first image row: background
    assert np.all(np.abs(content - expected[:, None]) > 0.1)


def test_normalisation_follows_scale_mean_std_in_network_channel_order():
    image = np.empty((8, 8, 3), np.uint8)
    image[:] = (128, 0, 255)                      # B, G, R
    s = PreprocessSpec(width=8, height=8, color='rgb', scale=1 / 255,
                       mean=(0.485, 0.456, 0.406), std=(0.229, 0.224, 0.225))
    tensor, _ = preprocess(image, 'bgr8', s)
    rgb = np.array([255, 0, 128]) / 255
    expected = (rgb - [0.485, 0.456, 0.406]) / np.array([0.229, 0.224, 0.225])
    np.testing.assert_allclose(tensor[0, :, 3, 3], expected, rtol=1e-5)
    s = PreprocessSpec(width=8, height=8, color='bgr', scale=1 / 128, mean=1.0, std=1.0)
    tensor, _ = preprocess(image, 'bgr8', s)
    np.testing.assert_allclose(tensor[0, :, 0, 0], [0.0, -1.0, 255 / 128 - 1], atol=1e-6)


def test_nhwc_is_the_transpose_of_nchw_and_float16_is_close():
    image = source_bgr()
    nchw, _ = preprocess(image, 'bgr8', spec('letterbox'))
    nhwc, _ = preprocess(image, 'bgr8', spec('letterbox', layout='NHWC'))
    half, _ = preprocess(image, 'bgr8', spec('letterbox', dtype='float16'))
    assert nchw.shape == (1, 3, 32, 32) and nhwc.shape == (1, 32, 32, 3)
    np.testing.assert_array_equal(nhwc[0], nchw[0].transpose(1, 2, 0))
    assert bright_block(nhwc, 'NHWC') == BLOCKS[('letterbox', 'center')]
    assert half.dtype == np.float16
    np.testing.assert_allclose(half.astype(np.float32), nchw, atol=1e-3)


def test_preprocessor_reuses_its_buffer():
    pre = Preprocessor(spec('stretch'))
    first, _ = pre(source_bgr(), 'bgr8')
    second, _ = pre(np.zeros((32, 64, 3), np.uint8), 'bgr8')
    assert first is second and np.all(second == 0)


# ------------------------------------------------------------------------- encodings

def encoded(encoding, bgr):
    """Return ``bgr`` in ``encoding``, with the grey (or neutral-chroma) reference image."""
    gray = cv2.cvtColor(bgr, cv2.COLOR_BGR2GRAY)
    if encoding == 'bgr8':
        return bgr, bgr
    if encoding == 'rgb8':
        return np.ascontiguousarray(bgr[..., ::-1]), bgr
    if encoding in ('rgba8', 'bgra8'):
        color = bgr[..., ::-1] if encoding == 'rgba8' else bgr
        alpha = np.full(bgr.shape[:2] + (1,), 7, np.uint8)
        return np.concatenate((color, alpha), axis=2), bgr
    if encoding == 'mono8':
        return gray, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    if encoding == 'mono16':
        return gray.astype(np.uint16) * 257, cv2.cvtColor(gray, cv2.COLOR_GRAY2BGR)
    # packed 4:2:2 with neutral chroma (U = V = 128): luma carries the picture
    chroma = np.empty(gray.shape, np.uint8)
    chroma[:, 0::2], chroma[:, 1::2] = 128, 128
    if encoding == 'yuv422':      # UYVY: U Y0 V Y1
        packed = np.stack((chroma, gray), axis=2)
        return packed, cv2.cvtColor(packed, cv2.COLOR_YUV2BGR_UYVY)
    packed = np.stack((gray, chroma), axis=2)   # yuv422_yuy2 = YUYV: Y0 U Y1 V
    return packed, cv2.cvtColor(packed, cv2.COLOR_YUV2BGR_YUY2)


ENCODINGS = ['bgr8', 'rgb8', 'rgba8', 'bgra8', 'mono8', 'mono16', 'yuv422', 'yuv422_yuy2']


@pytest.mark.parametrize('encoding', ENCODINGS)
@pytest.mark.parametrize('resize, align', [('letterbox', 'center'), ('center_crop', 'center')])
def test_every_encoding_gives_the_tensor_of_its_bgr_equivalent(encoding, resize, align):
    image, reference = encoded(encoding, source_bgr())
    s = spec(resize, align=align, color='rgb')
    tensor, transform = preprocess(image, encoding, s)
    expected, ref_transform = preprocess(reference, 'bgr8', s)
    np.testing.assert_allclose(tensor, expected, atol=1.01 / 255)
    assert transform == ref_transform
    (x0, x1), (y0, y1) = bright_block(tensor)
    assert ((x0, x1), (y0, y1)) == BLOCKS[(resize, align)]


@pytest.mark.parametrize('encoding', ENCODINGS)
def test_buffers_with_row_padding_are_read_through_the_step(encoding):
    image, _ = encoded(encoding, source_bgr())
    h, w = image.shape[:2]
    row = image.reshape(h, -1).view(np.uint8).reshape(h, -1)
    step = row.shape[1] + 12                               # 12 padding bytes per row
    buf = np.full((h, step), 0xAB, np.uint8)
    buf[:, :row.shape[1]] = row
    view = image_from_buffer(buf.tobytes(), h, w, encoding, step=step)
    np.testing.assert_array_equal(view, image)
    s = spec('stretch')
    np.testing.assert_array_equal(preprocess(view, encoding, s)[0],
                                  preprocess(image, encoding, s)[0])


def test_big_endian_mono16():
    image, _ = encoded('mono16', source_bgr())
    big = image.astype('>u2').tobytes()
    view = image_from_buffer(big, 32, 64, 'mono16', is_bigendian=True)
    assert view.dtype == np.uint16 and view.dtype.isnative
    np.testing.assert_array_equal(view, image)
    tensor, _ = preprocess(view, 'mono16', spec('letterbox'))
    assert bright_block(tensor) == BLOCKS[('letterbox', 'center')]


def test_gray_network_input_has_one_channel():
    tensor, _ = preprocess(source_bgr(), 'bgr8', spec('stretch', color='gray'))
    assert tensor.shape == (1, 1, 16, 32)
    assert bright_block(tensor) == BLOCKS[('stretch', 'center')]


# ------------------------------------------------------------------------- bad input

@pytest.mark.parametrize('call, match', [
    (lambda: image_from_buffer(b'\0' * 64, 4, 4, 'bgr16'), 'unsupported image encoding'),
    (lambda: image_from_buffer(b'\0' * 64, 4, 4, 'bgr8', step=8), 'step 8 is smaller'),
    (lambda: image_from_buffer(b'\0' * 40, 4, 4, 'bgr8'), 'truncated image data'),
    (lambda: image_from_buffer(b'', 0, 4, 'mono8'), 'zero-size image'),
    (lambda: image_from_buffer(b'\0' * 10, 2, 3, 'mono16', step=5), 'step 5 is smaller'),
    (lambda: preprocess(np.zeros((0, 4, 3), np.uint8), 'bgr8', spec('stretch')), 'zero-size'),
    (lambda: preprocess(np.zeros((4, 4), np.uint8), 'bgr8', spec('stretch')),
     'bgr8 needs 3 channel'),
    (lambda: preprocess(np.zeros((4, 4, 3), np.uint16), 'rgb8', spec('stretch')), 'uint8'),
    (lambda: preprocess(np.zeros((4, 4, 3), np.uint8), 'jpeg', spec('stretch')),
     'unsupported image encoding'),
    (lambda: preprocess(np.zeros((4, 5, 2), np.uint8), 'yuv422', spec('stretch')),
     'even width'),
    (lambda: preprocess(np.zeros((4, 4), np.float32), '32FC1', spec('stretch')),
     'holds data'),
])
def test_bad_input_raises_image_encoding_error(call, match):
    with pytest.raises(ImageEncodingError, match=match):
        call()


@pytest.mark.parametrize('spec, tolerance', [
    (PreprocessSpec(64, 32), 1e-4),  # stretch: whole grid cells -> crop + cv2.resize
    (PreprocessSpec(64, 64, resize='letterbox', pad_value=0), 1.0 / 32),  # sub-cell -> warp
])
def test_map_to_source_samples_a_ramp_at_source_pixel_centres(spec, tolerance):
    """Bilinear resampling of a linear ramp is exact: each source pixel gets its grid x."""
    t = compute_transform(spec, (48, 80))
    grid_w = spec.width // 4  # an output stride of 4
    ramp = np.tile(np.arange(grid_w, dtype=np.float32), (spec.height // 4, 1))
    out = t.map_to_source(ramp, 'linear')
    assert out.shape == (48, 80)
    x = np.arange(80) + 0.5  # source pixel centres
    grid_x = (x * t.scale_x + t.offset_x) * grid_w / spec.width - 0.5
    expected = np.clip(grid_x, 0, grid_w - 1)
    np.testing.assert_allclose(out[24], expected, atol=tolerance)
    nearest = t.map_to_source(ramp, 'nearest')
    assert np.abs(nearest[24] - expected).max() <= 0.5 + tolerance


@pytest.mark.parametrize('image, encoding', [
    (np.arange(48, dtype=np.uint8).reshape(6, 8), 'mono8'),
    (np.arange(48, dtype=np.uint16).reshape(6, 8) * 1000, 'mono16'),
    (np.arange(144, dtype=np.uint8).reshape(6, 8, 3), 'bgr8'),
    (np.arange(192, dtype=np.uint8).reshape(6, 8, 4), 'bgra8'),
])
def test_decode_compressed_keeps_grey_depth_and_alpha(image, encoding):
    """PNG round trip: the shared decoder (files, bags, nodes) keeps what the image holds."""
    from jetson_dnn_ros.image import decode_compressed
    ok, png = cv2.imencode('.png', image)
    assert ok
    decoded, got = decode_compressed(png.tobytes(), 'png')
    assert got == encoding
    np.testing.assert_array_equal(decoded, image)


@pytest.mark.parametrize('ext, image', [
    ('.tiff', np.linspace(0, 1, 144, dtype=np.float32).reshape(6, 8, 3)),
    ('.tiff', np.linspace(0, 1, 48, dtype=np.float32).reshape(6, 8)),
    ('.tiff', np.linspace(0, 1, 144).reshape(6, 8, 3)),
    ('.hdr', np.linspace(0, 4, 144, dtype=np.float32).reshape(6, 8, 3)),
    ('.tiff', (np.arange(48, dtype=np.int16) - 20).reshape(6, 8)),
])
def test_decode_compressed_refuses_float_hdr_and_signed_images(tmp_path, ext, image):
    """Float/HDR and signed images (cv2.imwrite) raise ImageEncodingError, never TypeError."""
    from jetson_dnn_ros.errors import ImageEncodingError
    from jetson_dnn_ros.image import decode_compressed
    path = tmp_path / f'frame{ext}'
    assert cv2.imwrite(str(path), image)
    with pytest.raises(ImageEncodingError) as info:
        decode_compressed(path.read_bytes(), '', source=str(path))
    message = str(info.value)
    assert str(path) in message and str(image.dtype) in message
    assert 'only unsigned 8- or 16-bit' in message
