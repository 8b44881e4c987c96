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

"""INT8 entropy calibration for TensorRT versions that still have calibrators (≤ 10).

Calibration images come from an image folder or a rosbag2 (``sensor_msgs/Image`` and
``sensor_msgs/CompressedImage`` topics) and go through the model's own
:class:`~jetson_dnn_ros.preprocessing.Preprocessor`, so the calibrated ranges are those of
real inputs. The calibration cache is written atomically and reused by later builds.

TensorRT 11's Python bindings have no calibrators: :func:`make_calibrator` then raises
:class:`EngineBuildError` telling the user to quantise the model explicitly (QDQ).
"""

from pathlib import Path
from typing import Iterator, Optional

import cv2
from jetson_dnn_ros.backends import trt_compat
from jetson_dnn_ros.backends.engine_cache import atomic_write
from jetson_dnn_ros.errors import EngineBuildError
from jetson_dnn_ros.image import image_from_buffer
from jetson_dnn_ros.preprocessing import Preprocessor, PreprocessSpec
import numpy as np

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp')
IMAGE_TYPES = ('sensor_msgs/msg/Image', 'sensor_msgs/msg/CompressedImage')


def _is_bag(path: Path) -> bool:
    return path.suffix in ('.bag', '.mcap', '.db3') or (path / 'metadata.yaml').is_file()


def iter_images(source) -> Iterator[tuple]:
    """Yield ``(image, encoding)`` from an image folder or a rosbag2.

    :param source: a folder of images (sorted by name), or a rosbag2 folder / ``.mcap`` /
        ``.db3`` / ROS 1 ``.bag`` file (every Image and CompressedImage topic, in time order).
    :raises EngineBuildError: if the source does not exist or holds no images.
    """
    path = Path(source).expanduser()
    if not path.exists():
        raise EngineBuildError(f'calibration source {path} does not exist')
    if _is_bag(path):
        yield from _iter_bag(path)
        return
    files = sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES)
    if not files:
        raise EngineBuildError(f'calibration folder {path} has no images ({IMAGE_SUFFIXES})')
    for file in files:
        image = cv2.imread(str(file), cv2.IMREAD_COLOR)
        if image is not None:
            yield image, 'bgr8'


def _iter_bag(path: Path) -> Iterator[tuple]:
    try:
        from rosbags.highlevel import AnyReader
        from rosbags.typesys import get_typestore, Stores
    except ImportError as exc:
        raise EngineBuildError(f'reading {path} needs rosbags: pip install rosbags') from exc
    paths = [path.parent if path.suffix in ('.mcap', '.db3') else path]
    with AnyReader(paths, default_typestore=get_typestore(Stores.ROS2_HUMBLE)) as reader:
        connections = [c for c in reader.connections if c.msgtype in IMAGE_TYPES]
        if not connections:
            raise EngineBuildError(f'rosbag {path} has no sensor_msgs Image or '
                                   'CompressedImage topic for calibration')
        for conn, _, raw in reader.messages(connections=connections):
            msg = reader.deserialize(raw, conn.msgtype)
            if conn.msgtype.endswith('CompressedImage'):
                image = cv2.imdecode(np.frombuffer(msg.data, np.uint8), cv2.IMREAD_COLOR)
                if image is not None:
                    yield image, 'bgr8'
            else:
                yield image_from_buffer(msg.data, msg.height, msg.width, msg.encoding,
                                        msg.step, bool(msg.is_bigendian)), msg.encoding


def iter_batches(source, spec: PreprocessSpec, max_images: int = 500) -> Iterator[np.ndarray]:
    """Yield preprocessed (1, C, H, W) or (1, H, W, C) tensors of ``spec`` from ``source``."""
    preprocessor = Preprocessor(spec)
    for count, (image, encoding) in enumerate(iter_images(source)):
        if count >= max_images:
            break
        tensor, _ = preprocessor(image, encoding)
        yield np.ascontiguousarray(tensor)


def make_calibrator(trt, spec: PreprocessSpec, source, cache_file,
                    max_images: int = 500, cuda=None):
    """Return an ``IInt8EntropyCalibrator2`` fed from ``source`` (batch size 1).

    The calibrator owns one device buffer; call its ``close()`` after the build (the CUDA
    context must be current while it is created, used and closed).

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
            self.batches = iter_batches(source, spec, max_images)
            self.count = 0
            nbytes = int(np.prod(spec.input_shape)) * np.dtype(spec.dtype).itemsize
            self.host = cuda.pagelocked_empty(spec.input_shape, np.dtype(spec.dtype))
            self.device = cuda.mem_alloc(nbytes)

        def get_batch_size(self):
            return 1

        def get_batch(self, names, p_str=None):
            try:
                batch = next(self.batches)
            except StopIteration:
                return None
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
