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
INT8 entropy calibration for TensorRT versions that still have calibrators (≤ 10).

Calibration images come from an image folder or a rosbag2 (``sensor_msgs/Image`` and
``sensor_msgs/CompressedImage`` topics) and go through the model's own
:class:`~jetson_dnn_ros.preprocessing.Preprocessor`, so the calibrated ranges are those of
real inputs. The calibration cache is written atomically and reused by later builds.

Calibration runs at one shape per input: the OPT shape of the calibration profile
(``IBuilderConfig.set_calibration_profile``, which TensorRT says must be set for INT8
calibration of a network with runtime dimensions; its MIN and MAX are overwritten by OPT).
The backend sets it to the OPT shapes of the optimisation profile and hands them to the
calibrator (``bind_shapes``), which preprocesses images to exactly that height and width and
stacks OPT-batch images per calibration batch, so its device buffer is the size TensorRT
reads.

:func:`source_fingerprint` says what the engine cache key records of the calibration data.

TensorRT 11's Python bindings have no calibrators: :func:`make_calibrator` then raises
:class:`EngineBuildError` telling the user to quantise the model explicitly (QDQ).
"""

import logging
from pathlib import Path
from typing import Iterator, List, Mapping, Optional, Sequence, Tuple

from jetson_dnn_ros import bag, media
from jetson_dnn_ros.backends import trt_compat
from jetson_dnn_ros.backends.engine_cache import atomic_write, files_digest
from jetson_dnn_ros.errors import EngineBuildError, ImageEncodingError
from jetson_dnn_ros.preprocessing import Preprocessor, PreprocessSpec
import numpy as np

BAG_STORAGE_SUFFIXES = ('.db3', '.mcap', '.zstd')
LOG = logging.getLogger(__name__)


def image_files(folder) -> List[Path]:
    """Return the image files calibration reads from ``folder`` (``media.image_files``)."""
    return media.image_files(folder)


def _bag_files(path: Path) -> Tuple[Path, List[Path]]:
    """Return ``(root, files)`` a rosbag reader opens for ``path`` (see :func:`_iter_bag`)."""
    if path.is_file() and path.suffix not in ('.mcap', '.db3'):
        return path.parent, [path]  # a ROS 1 .bag
    folder = path.parent if path.suffix in ('.mcap', '.db3') else path
    files = sorted(p for p in folder.iterdir() if p.is_file() and (
        p.name == 'metadata.yaml' or p.name.endswith(BAG_STORAGE_SUFFIXES)))
    return folder, files


def source_fingerprint(source) -> str:
    """
    Return a content fingerprint of a calibration source, for the engine cache key.

    ``folder:<digest>`` of the sorted (relative name, size, mtime_ns) of the image files
    :func:`iter_images` reads (:func:`image_files`; other files never matter), or
    ``rosbag:<digest>`` of the bag's ``metadata.yaml`` and storage files (``.db3``,
    ``.mcap``, compressed ``.zstd``; a ``.db3``/``.mcap`` file stands for its folder, which
    the reader opens; a ROS 1 ``.bag`` for itself). No file content is read, so it is cheap
    for large bags; an edited file has a new mtime. Neither the folder's name nor its
    location matters.

    :raises EngineBuildError: if the source does not exist or a folder holds no images.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise EngineBuildError(f'calibration source {path} does not exist')
    if bag.is_bag(path):
        root, files = _bag_files(path)
        return 'rosbag:' + files_digest(root, files)
    files = image_files(path)
    if not files:
        raise EngineBuildError(f'calibration folder {path} has no images '
                               f'({", ".join(media.IMAGE_SUFFIXES)})')
    return 'folder:' + files_digest(path, files)


def iter_images(source) -> Iterator[tuple]:
    """
    Yield ``(image, encoding)`` from an image folder or a rosbag2.

    Reads through :func:`jetson_dnn_ros.media.iter_frames`, as ``jetson-dnn run`` does: a
    folder's images sorted by name, or a bag's camera topic
    (:func:`jetson_dnn_ros.bag.default_image_topic`: its raw Image topic, else its compressed
    one, so the raw and compressed copies of a frame are not both used). Unreadable items are
    skipped with a warning.

    :param source: a folder of images, or a rosbag2 folder / ``.mcap`` / ``.db3`` file.
    :raises EngineBuildError: if the source does not exist or holds no images.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise EngineBuildError(f'calibration source {path} does not exist')
    if not bag.is_bag(path) and not image_files(path):
        raise EngineBuildError(f'calibration folder {path} has no images '
                               f'({", ".join(media.IMAGE_SUFFIXES)})')

    def skip(name, exc):
        LOG.warning('calibration: skipping %s: %s', name, exc)

    try:
        for frame in media.iter_frames(path, on_error=skip):
            yield frame.image, frame.encoding
    except (ImageEncodingError, FileNotFoundError) as exc:
        raise EngineBuildError(f'cannot read calibration images from {path}: {exc}') from exc


def iter_batches(source, spec: PreprocessSpec, max_images: int = 500,
                 batch: int = 1) -> Iterator[np.ndarray]:
    """
    Yield preprocessed (N, C, H, W) or (N, H, W, C) tensors of ``spec`` from ``source``.

    ``N`` is ``batch``; at most ``max_images`` images are used and a last incomplete batch is
    dropped.
    """
    preprocessor = Preprocessor(spec)
    pending = []
    for count, (image, encoding) in enumerate(iter_images(source)):
        if count >= max_images:
            break
        tensor, _ = preprocessor(image, encoding)
        pending.append(tensor)
        if len(pending) == batch:
            yield np.ascontiguousarray(np.concatenate(pending, axis=0))
            pending = []


def calibration_spec_for(spec: PreprocessSpec, shapes: Mapping[str, Sequence[int]]
                         ) -> Tuple[PreprocessSpec, Tuple[int, ...]]:
    """
    Return ``(spec resized to the calibration shape, that shape)``.

    :param spec: the model's preprocessing.
    :param shapes: ``{input name: shape}`` calibration runs at (the calibration profile's
        OPT shapes), every network input, in network order.
    :raises EngineBuildError: if the model has several inputs (images feed one) or the shape
        is not a 4-D image tensor of the spec's layout and channel count.
    """
    if len(shapes) != 1:
        raise EngineBuildError(
            f'INT8 calibration from images feeds one input, the model has inputs '
            f'{list(shapes)}; pass a calibrator object (calibration=<trt.IInt8Calibrator>, with '
            'calibration_id) or quantise the model (QDQ)')
    (name, shape), = shapes.items()
    shape = tuple(int(d) for d in shape)
    if len(shape) == 4:
        n, c, h, w = shape if spec.layout == 'NCHW' else (shape[0], shape[3], shape[1], shape[2])
        if c == spec.channels and min(n, h, w) >= 1:
            if (w, h) != (spec.width, spec.height):
                LOG.info('INT8 calibration runs at %s (input %r, profile OPT): images are '
                         'preprocessed to %dx%d', shape, name, w, h)
                spec = spec.with_size(w, h)
            return spec, shape
    raise EngineBuildError(
        f'INT8 calibration runs at the shape {shape} of input {name!r} (the OPT shape of its '
        f'profile), which images preprocessed as {spec.layout} with {spec.channels} '
        'channel(s) cannot fill; fix calibration_spec or the profile')


def make_calibrator(trt, spec: PreprocessSpec, source, cache_file,
                    max_images: int = 500, cuda=None):
    """
    Return an ``IInt8EntropyCalibrator2`` fed from ``source``.

    It calibrates at ``spec.input_shape`` until ``bind_shapes({input: shape})`` gives the shape
    of the calibration profile (the backend does, with the profile's OPT shapes); images are
    then preprocessed to that height and width, and batched by its first dimension. It owns
    one device buffer of exactly that shape, allocated at the first batch; call its
    ``close()`` after the build (the CUDA context must be current while it is used and
    closed).

    :param trt: the ``tensorrt`` module.
    :param spec: the model's preprocessing spec (shape, dtype, normalisation).
    :param source: image folder or rosbag (see :func:`iter_images`).
    :param cache_file: calibration cache path, read if present and written after calibration.
    :param max_images: at most this many images are used.
    :param cuda: ``pycuda.driver``; None imports it.
    :raises EngineBuildError: where this TensorRT has no calibrators (11+).
    """
    if not trt_compat.has_calibrators(trt):
        raise EngineBuildError(
            f'TensorRT {trt.__version__} has no INT8 calibrators (removed from the Python '
            'bindings in TensorRT 11): quantise the model explicitly (QDQ ONNX, e.g. NVIDIA '
            'ModelOpt) and build with precision int8, or use fp16')
    cuda = cuda or trt_compat.import_pycuda()

    class EntropyCalibrator(trt.IInt8EntropyCalibrator2):
        """Entropy calibrator 2 over preprocessed images, with a calibration cache."""

        def __init__(self):
            trt.IInt8EntropyCalibrator2.__init__(self)
            self.cache_file = Path(cache_file)
            self.spec, self.shape = spec, tuple(spec.input_shape)
            self.batches = None
            self.count = 0
            self.host = self.device = None

        def bind_shapes(self, shapes):
            """Calibrate at ``shapes`` (``{input: shape}``, the calibration profile's OPT)."""
            self.spec, self.shape = calibration_spec_for(spec, shapes)
            self.batches = None
            self.close()

        def get_batch_size(self):
            return 1  # explicit batch: the batch is the first dimension of self.shape

        def get_batch(self, names, p_str=None):
            if self.batches is None:
                self.batches = iter_batches(source, self.spec, max_images, self.shape[0])
            try:
                batch = next(self.batches)
            except StopIteration:
                if self.count == 0:
                    LOG.error('no calibration batch of shape %s from %s (%d image(s) per '
                              'batch)', self.shape, source, self.shape[0])
                return None
            if self.device is None:
                dtype = np.dtype(self.spec.dtype)
                self.host = cuda.pagelocked_empty(self.shape, dtype)
                self.device = cuda.mem_alloc(int(np.prod(self.shape)) * dtype.itemsize)
            np.copyto(self.host, batch)
            cuda.memcpy_htod(self.device, self.host)
            self.count += 1
            return [int(self.device)]

        def read_calibration_cache(self) -> Optional[bytes]:
            if self.cache_file.is_file():
                return self.cache_file.read_bytes()
            return None

        def write_calibration_cache(self, cache):
            atomic_write(self.cache_file, bytes(cache))

        def close(self):
            if self.device is not None:
                self.device.free()
                self.device = None
            if self.host is not None:
                self.host.base.free()
                self.host = None

    return EntropyCalibrator()
