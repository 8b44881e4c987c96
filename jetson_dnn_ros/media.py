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
Input discovery for the offline tools: image file, folder, glob, video or bag → frames.

:func:`iter_frames` expands one ``--input`` value into :class:`Frame` tuples
``(name, header or None, image, encoding)``. A bad item (corrupt JPEG, undecodable bag message)
raises :class:`~jetson_dnn_ros.errors.ImageEncodingError` for that item only: with an
``on_error`` callback the error is handed over and iteration goes on with the next item.
"""

import glob
from pathlib import Path
from typing import Callable, Iterator, List, NamedTuple, Optional

import cv2
from jetson_dnn_ros import bag
from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.image import decode_compressed
import numpy as np

IMAGE_SUFFIXES = bag.IMAGE_SUFFIXES
VIDEO_SUFFIXES = bag.VIDEO_SUFFIXES
OnError = Optional[Callable[[str, Exception], None]]


class Frame(NamedTuple):
    """
    One input image.

    :param name: a file-name-safe identifier (image stem, ``video_000012``,
        ``camera_image_raw_000003``), unique within one input.
    :param header: the source :class:`~jetson_dnn_ros.bag.Header` for bag frames, else None.
    :param image: (H, W[, C]) array in ``encoding``.
    :param encoding: ``sensor_msgs/image_encodings`` name (``bgr8`` for files and videos).
    :param source: where the frame came from: the image file, ``<video>#<frame index>``,
        ``<bag>:<topic>@<bag timestamp>`` or ``<camera>#<frame index>``; None when unknown.
    :param topic: the bag topic of a bag frame, else None.
    :param timestamp_ns: the bag (receive) timestamp of a bag frame in nanoseconds, else None.
    :param fps: the frame rate a video or camera reports (None when it reports none, and for
        other inputs).
    """

    name: str
    header: Optional[bag.Header]
    image: np.ndarray
    encoding: str
    source: Optional[str] = None
    topic: Optional[str] = None
    timestamp_ns: Optional[int] = None
    fps: Optional[float] = None


STREAM_SCHEMES = ('rtsp://', 'rtsps://', 'rtmp://', 'http://', 'https://', 'udp://', 'tcp://')
"""URL schemes read as a live stream through ``cv2.VideoCapture``."""


def is_camera(spec) -> bool:
    """Return True for a camera index (``0``), a V4L2 device (``/dev/video0``) or a stream URL."""
    text = str(spec)
    return text.isdigit() or text.startswith('/dev/video') or \
        text.lower().startswith(STREAM_SCHEMES)


def open_capture(spec):
    """
    Open a video file, camera index, device or stream URL with ``cv2.VideoCapture``.

    :raises ImageEncodingError: if OpenCV cannot open it.
    """
    text = str(spec)
    cap = cv2.VideoCapture(int(text) if text.isdigit() else text)
    if not cap.isOpened():
        cap.release()
        what = 'camera/stream' if is_camera(spec) else 'video'
        raise ImageEncodingError(f'OpenCV cannot open {what} {text}')
    return cap


def capture_fps(cap) -> Optional[float]:
    """Return the frame rate an open ``cv2.VideoCapture`` reports, or None when it has none."""
    fps = float(cap.get(cv2.CAP_PROP_FPS))
    return fps if np.isfinite(fps) and 0 < fps < 1000 else None


def input_kind(spec) -> str:
    """
    Classify an ``--input`` value: ``bag``, ``video``, ``image``, ``dir``, ``glob``, ``camera``.

    ``camera`` is a camera index, a ``/dev/video*`` device or a stream URL (:func:`is_camera`);
    an existing file or folder named with digits (``2024``) is that file or folder.

    :raises FileNotFoundError: if it names nothing that exists (and is not a glob).
    """
    text = str(spec)
    if not text.strip():
        raise FileNotFoundError('no input given (give an image, a folder, a glob, a video or a '
                                'bag)')
    path = Path(text).expanduser()
    if is_camera(text) and not (text.isdigit() and path.exists()):
        return 'camera'
    if path.exists():
        if bag.is_bag(path):
            return 'bag'
        if path.is_dir():
            return 'dir'
        if path.suffix.lower() in VIDEO_SUFFIXES:
            return 'video'
        return 'image'
    if any(ch in text for ch in '*?['):
        return 'glob'
    raise FileNotFoundError(f'input {text} does not exist (give an image, a folder, a glob, a '
                            'video or a bag)')


def require_images(spec) -> List[Path]:
    """
    Return :func:`image_files` of a file, folder or glob.

    :raises FileNotFoundError: if there is none (an empty folder, a glob with no match).
    """
    files = image_files(spec)
    if not files:
        raise FileNotFoundError(f'no images ({", ".join(IMAGE_SUFFIXES)}) found at {spec}')
    return files


def image_files(spec) -> List[Path]:
    """Return the image files of a file, folder (not recursive) or glob, sorted by name."""
    kind = input_kind(spec)
    path = Path(str(spec)).expanduser()
    if kind == 'image':
        return [path]
    if kind == 'dir':
        return sorted(p for p in path.iterdir()
                      if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if kind == 'glob':
        return sorted(Path(p) for p in glob.glob(str(path)) if Path(p).is_file())
    return []


def read_image_file(path, max_pixels: Optional[int] = None) -> Frame:
    """
    Read one image file as a :class:`Frame` (encodings as ``image.decode_compressed``).

    :param max_pixels: decoded-size cap (None = the default 64 MP, 0 = none).
    :raises ImageEncodingError: if the file is missing, empty, over the cap or does not decode.
    """
    path = Path(path)
    try:
        data = np.fromfile(str(path), np.uint8)
    except OSError as exc:
        raise ImageEncodingError(f'cannot read {path}: {exc}') from exc
    image, encoding = decode_compressed(data, source=str(path), max_pixels=max_pixels)
    return Frame(path.stem, None, image, encoding, str(path))


def count_frames(spec, topic: Optional[str] = None) -> Optional[int]:
    """Return the number of frames ``spec`` will give, or None when unknown (some videos)."""
    kind = input_kind(spec)
    if kind == 'bag':
        return bag.count_images(spec, topic or bag.default_image_topic(spec))
    if kind == 'camera':
        return None
    if kind == 'video':
        cap = cv2.VideoCapture(str(spec))
        try:
            count = int(cap.get(cv2.CAP_PROP_FRAME_COUNT))
        finally:
            cap.release()
        return count if count > 0 else None
    return len(image_files(spec))


def _safe(text: str) -> str:
    return ''.join(ch if ch.isalnum() or ch in '-_.' else '_' for ch in text).strip('_.')


def iter_frames(spec, topic: Optional[str] = None, on_error: OnError = None,
                stats: Optional[bag.ReadStats] = None, max_pixels: Optional[int] = None
                ) -> Iterator[Frame]:
    """
    Expand an ``--input`` value into frames.

    :param spec: image file, folder (its images sorted by name), glob, video file, camera
        index, ``/dev/videoN`` or stream URL (``cv2.VideoCapture``), rosbag2 folder or
        ``.db3``/``.mcap`` file.
    :param topic: bag image topic; None = :func:`jetson_dnn_ros.bag.default_image_topic`.
    :param on_error: ``fn(name, exc)`` for an item that cannot be read; it is then skipped.
        None = raise.
    :param stats: a :class:`~jetson_dnn_ros.bag.ReadStats` a bag input fills (damaged
        storage is reported through ``on_error`` as well, with its position).
    :param max_pixels: decoded-size cap of image files (see
        :func:`~jetson_dnn_ros.image.decode_compressed`).
    :return: iterator of :class:`Frame`.
    :raises FileNotFoundError: if ``spec`` names nothing (or a glob/folder has no image).
    :raises ImageEncodingError: for an unreadable item when ``on_error`` is None, or a video
        OpenCV cannot open.
    """
    kind = input_kind(spec)
    if kind == 'bag':
        topic = topic or bag.default_image_topic(spec)
        prefix = _safe(topic.replace('/', '_'))

        def damaged(position, reason):
            if on_error is not None:
                on_error(position, bag.StorageDamage(reason))

        records = bag.read_image_records(spec, topic, on_error, stats, damaged, max_pixels)
        for index, record in enumerate(records):
            yield Frame(f'{prefix}_{index:06d}', record.header, record.image, record.encoding,
                        f'{spec}:{record.topic}@{record.timestamp_ns}', record.topic,
                        record.timestamp_ns)
        return
    if kind in ('video', 'camera'):
        cap = open_capture(spec)
        stem = 'camera' if kind == 'camera' else _safe(Path(str(spec)).stem)
        try:
            fps = capture_fps(cap)
            index = 0
            while True:
                ok, frame = cap.read()
                if not ok:
                    break
                yield Frame(f'{stem}_{index:06d}', None, frame, 'bgr8', f'{spec}#{index}',
                            fps=fps)
                index += 1
        finally:
            cap.release()
        return
    files = require_images(spec)
    used = set()
    for path in files:
        try:
            frame = read_image_file(path, max_pixels)
        except ImageEncodingError as exc:
            if on_error is None:
                raise
            on_error(path.name, exc)
            continue
        name, index = frame.name, 1
        while name in used:  # a.jpg and a.png, or one stem in two folders of a glob
            name, index = f'{frame.name}_{index}', index + 1
        used.add(name)
        yield frame._replace(name=name)


__all__ = ['Frame', 'count_frames', 'image_files', 'input_kind', 'is_camera', 'iter_frames',
           'capture_fps', 'open_capture', 'read_image_file', 'require_images']
