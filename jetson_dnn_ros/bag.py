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
Read camera images from rosbags and write results into rosbags, without ROS.

Everything goes through :mod:`rosbags` (pure Python): rosbag2 folders and single ``.db3``
(sqlite3) or ``.mcap`` files are read with ``rosbags.rosbag2.Reader``, ROS 1 ``.bag`` files with
``rosbags.highlevel.AnyReader``; messages are (de)serialised as CDR with the ROS 2 Humble type
store plus vision_msgs (:func:`jetson_dnn_ros.msgdefs.make_typestore`).

Result topics follow DESIGN §3 and live in the namespace of the source image topic:
``/camera/image_raw`` (or ``/camera/image_raw/compressed``) gives ``/camera/detections``,
``/camera/overlay``, ``/camera/label_info``, … Every result message copies the source image
header (stamp and frame_id) and is written at the source message's bag (receive) timestamp.
"""

from dataclasses import dataclass
import os
from pathlib import Path
from typing import Callable, Dict, Iterable, Iterator, List, NamedTuple, Optional, Sequence, Tuple

import cv2
from jetson_dnn_ros import msgfields
from jetson_dnn_ros.errors import ImageEncodingError
from jetson_dnn_ros.image import check_image
from jetson_dnn_ros.image import convert_color
from jetson_dnn_ros.image import decode_compressed
from jetson_dnn_ros.image import image_from_buffer
from jetson_dnn_ros.image import to_bgr8
import numpy as np

IMAGE_TYPE = 'sensor_msgs/msg/Image'
COMPRESSED_TYPE = 'sensor_msgs/msg/CompressedImage'
CAMERA_INFO_TYPE = 'sensor_msgs/msg/CameraInfo'
TRANSPORTS = ('compressed', 'compressedDepth', 'theora', 'zstd')
"""image_transport sub-topic names stripped to find a camera's namespace."""

STORAGES = ('sqlite3', 'mcap')
BAG_VERSION = 8
"""rosbag2 metadata version written (rosbags writes 8 or 9; 8 is read by Iron and later)."""

IMAGE_SUFFIXES = ('.jpg', '.jpeg', '.png', '.bmp', '.tif', '.tiff', '.webp', '.ppm', '.pgm')
VIDEO_SUFFIXES = ('.mp4', '.avi', '.mkv', '.mov', '.webm', '.m4v', '.mpg', '.mpeg')


@dataclass(frozen=True)
class Header:
    """
    The ``std_msgs/Header`` of an image: when and in which frame it was taken.

    :param stamp_ns: acquisition time in nanoseconds since the epoch (``sec * 1e9 + nanosec``).
    :param frame_id: the camera's optical frame (x right, y down, z forward).
    """

    stamp_ns: int
    frame_id: str

    @property
    def sec(self) -> int:
        """Return the whole seconds of the stamp."""
        return int(self.stamp_ns) // 1_000_000_000

    @property
    def nanosec(self) -> int:
        """Return the nanoseconds part of the stamp, in [0, 1e9)."""
        return int(self.stamp_ns) % 1_000_000_000

    def to_dict(self) -> dict:
        """Return a JSON-serialisable dict with ``stamp`` {sec, nanosec} and ``frame_id``."""
        return {'stamp': {'sec': self.sec, 'nanosec': self.nanosec}, 'frame_id': self.frame_id}


class BagImage(NamedTuple):
    """
    One decoded image message with its bag receive timestamp.

    :param topic: the topic it was recorded on.
    :param header: its :class:`Header`.
    :param image: (H, W[, C]) array in ``encoding``; a read-only view of the message buffer
        for raw images.
    :param encoding: ``sensor_msgs/image_encodings`` name (``bgr8`` for decoded JPEG/PNG).
    :param timestamp_ns: the bag (receive) timestamp in nanoseconds.
    """

    topic: str
    header: Header
    image: np.ndarray
    encoding: str
    timestamp_ns: int


@dataclass(frozen=True)
class CameraInfo:
    """
    Intrinsics of a camera from ``sensor_msgs/CameraInfo``.

    :param header: the message header (frame_id = camera optical frame).
    :param width: image width in pixels the intrinsics refer to.
    :param height: image height in pixels.
    :param k: (3, 3) float64 camera matrix [[fx, 0, cx], [0, fy, cy], [0, 0, 1]] in pixels.
    :param d: distortion coefficients (float64), model ``distortion_model``.
    :param distortion_model: e.g. ``plumb_bob``; empty when unknown.
    """

    header: Header
    width: int
    height: int
    k: np.ndarray
    d: np.ndarray
    distortion_model: str


def _typestore():
    from jetson_dnn_ros.msgdefs import make_typestore
    return make_typestore()


def is_bag(path) -> bool:
    """Return True if ``path`` is a rosbag2 folder, a ``.db3``/``.mcap`` file or a ROS 1 bag."""
    path = Path(path)
    if path.is_dir():
        return (path / 'metadata.yaml').is_file()
    return path.is_file() and path.suffix in ('.db3', '.mcap', '.bag')


class _BagReader:
    """Open a bag for reading: connections, raw messages and CDR deserialisation."""

    def __init__(self, path):
        self.path = Path(path)
        if not self.path.exists():
            raise FileNotFoundError(f'bag not found: {self.path}')
        if not is_bag(self.path):
            raise ImageEncodingError(f'{self.path} is not a rosbag2 folder (with metadata.yaml), '
                                     'a .db3/.mcap file or a ROS 1 .bag file')
        self._ros1 = self.path.is_file() and self.path.suffix == '.bag'

    def __enter__(self):
        from jetson_dnn_ros import bagread
        from rosbags.highlevel import AnyReader
        from rosbags.rosbag2 import Reader
        try:
            # damage-tolerant reading (bagread) for plain rosbag2 storage; rosbags itself for
            # ROS 1 bags and compressed rosbag2 (zstd files or messages)
            self._robust = not self._ros1 and not bagread.compression(self.path)
            if self._ros1:
                self._reader = AnyReader([self.path], default_typestore=_typestore())
                self._reader.open()
                self._deserialize = self._reader.deserialize
            elif self._robust:
                self._reader = bagread.RobustReader(self.path)
                self._deserialize = _typestore().deserialize_cdr
            else:
                self._reader = Reader(self.path)
                self._reader.open()
                self._deserialize = _typestore().deserialize_cdr
        except ImageEncodingError:
            raise
        except Exception as exc:  # noqa: B902 - rosbags: ReaderError, AnyReaderError, …
            raise ImageEncodingError(f'cannot open bag {self.path}: {exc}') from exc
        return self

    def __exit__(self, *exc_info):
        self._reader.close()
        return False

    @property
    def connections(self):
        return self._reader.topics if self._robust else self._reader.connections

    def messages(self, connections, on_damage=None):
        """Yield ``(connection, timestamp, raw)``; damaged storage goes to ``on_damage``."""
        if not connections:  # rosbags reads every topic for an empty selection
            return iter(())
        if self._robust:
            return self._reader.messages(connections, on_damage)
        return self._reader.messages(connections=connections)

    def deserialize(self, raw, msgtype):
        return self._deserialize(raw, msgtype)


class StorageDamage(ImageEncodingError):
    """A damaged part of a bag's storage (sqlite page, mcap chunk or record) was skipped."""


class ReadStats:
    """
    What one pass over a bag's image messages met.

    :ivar read: messages of the selected topics the storage gave back (decodable or not).
    :ivar expected: messages recorded on those topics per ``metadata.yaml``, or None.
    :ivar damage: ``(position, reason)`` of each damaged storage unit skipped.
    """

    def __init__(self):
        self.read = 0
        self.expected: Optional[int] = None
        self.damage: List[Tuple[str, str]] = []

    @property
    def lost(self) -> int:
        """Return the messages the storage could not give back (0 when none is known lost)."""
        if self.expected is not None:
            return max(0, self.expected - self.read)
        return len(self.damage)


def topic_types(bag_path) -> Dict[str, str]:
    """Return ``{topic: message type}`` of a bag."""
    with _BagReader(bag_path) as reader:
        return {c.topic: c.msgtype for c in reader.connections}


def image_topics(bag_path) -> List[Tuple[str, str]]:
    """Return the bag's ``(topic, type)`` pairs of Image and CompressedImage, sorted by topic."""
    return sorted((t, m) for t, m in topic_types(bag_path).items()
                  if m in (IMAGE_TYPE, COMPRESSED_TYPE))


def default_image_topic(bag_path) -> str:
    """
    Pick the image topic to process: the first raw Image topic, else the first compressed.

    :raises ImageEncodingError: if the bag has no image topic.
    """
    topics = image_topics(bag_path)
    if not topics:
        raise ImageEncodingError(f'bag {bag_path} has no sensor_msgs/Image or CompressedImage '
                                 f'topic (topics: {sorted(topic_types(bag_path))})')
    raw = [t for t, m in topics if m == IMAGE_TYPE]
    return raw[0] if raw else topics[0][0]


def topic_namespace(topic: str) -> str:
    """
    Return the namespace result topics go into (``''`` for a root topic).

    ``/camera/image_raw`` and ``/camera/image_raw/compressed`` both give ``/camera``;
    ``/image`` gives ``''``.
    """
    parts = [p for p in str(topic).split('/') if p]
    if len(parts) > 1 and parts[-1] in TRANSPORTS:
        parts = parts[:-1]
    return '/' + '/'.join(parts[:-1]) if len(parts) > 1 else ''


def _header(msg) -> Header:
    stamp = msg.header.stamp
    return Header(int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec), str(msg.header.frame_id))


def decode_image_msg(msg, msgtype: str, max_pixels: Optional[int] = None
                     ) -> Tuple[np.ndarray, str]:
    """
    Turn a deserialised Image or CompressedImage message into ``(image, encoding)``.

    Raw images honour ``step`` and ``is_bigendian``
    (:func:`~jetson_dnn_ros.image.image_from_buffer`).
    Compressed images are decoded with ``cv2.imdecode``; image_transport's format strings
    (``bgr8; jpeg compressed bgr8``, ``jpeg``, ``png``) all decode to OpenCV's BGR order, so
    colour results are ``bgr8`` (``bgra8`` with alpha), grey ones ``mono8``/``mono16``.

    :param max_pixels: decoded-size cap of compressed images (None = 64 MP, 0 = none).
    :return: (H, W[, C]) array and its encoding.
    :raises ImageEncodingError: on a bad buffer, an unsupported encoding, compressedDepth data,
        a compressed image over the cap or bytes that do not decode.
    """
    if msgtype == IMAGE_TYPE:
        image = image_from_buffer(msg.data, msg.height, msg.width, msg.encoding,
                                  msg.step, bool(msg.is_bigendian))
        return image, str(msg.encoding)
    if msgtype != COMPRESSED_TYPE:
        raise ImageEncodingError(f'{msgtype} is not an image message')
    return decode_compressed(msg.data, str(msg.format), max_pixels=max_pixels)


def read_image_records(bag_path, topic: Optional[str] = None,
                       on_error: Optional[Callable[[str, Exception], None]] = None,
                       stats: Optional[ReadStats] = None,
                       on_damage: Optional[Callable[[str, str], None]] = None,
                       max_pixels: Optional[int] = None) -> Iterator[BagImage]:
    """
    Iterate over the image messages of a bag in bag-time order.

    :param bag_path: rosbag2 folder, ``.db3``/``.mcap`` file or ROS 1 ``.bag``.
    :param topic: one Image/CompressedImage topic, or None for every image topic.
    :param on_error: ``fn(name, exc)`` called for a message that does not decode (then
        skipped); None re-raises.
    :param stats: a :class:`ReadStats` filled while reading (read, expected, damage), or None.
    :param on_damage: ``fn(position, reason)`` for damaged storage (a sqlite page, an mcap
        chunk or record) that is skipped; reading resumes at the next intact message.
    :param max_pixels: decoded-size cap of compressed images (None = 64 MP, 0 = none).
    :return: iterator of :class:`BagImage`.
    :raises FileNotFoundError: if the bag does not exist.
    :raises ImageEncodingError: if the bag cannot be opened, ``topic`` is not an image topic
        of the bag, or (without ``on_error``) a message does not decode.
    """
    with _BagReader(bag_path) as reader:
        conns = [c for c in reader.connections if c.msgtype in (IMAGE_TYPE, COMPRESSED_TYPE)]
        if topic is not None:
            image_topics = sorted({c.topic for c in conns})
            conns = [c for c in conns if c.topic == topic]
            if not conns:
                raise ImageEncodingError(
                    f'topic {topic!r} is not an Image/CompressedImage topic of {bag_path}; '
                    f'image topics: {image_topics}')
        stats = stats if stats is not None else ReadStats()
        known = [c.msgcount for c in conns]
        stats.expected = None if any(n is None for n in known) or not reader._robust \
            else sum(known)

        def damaged(position, reason):
            stats.damage.append((position, reason))
            if on_damage is not None:
                on_damage(position, reason)

        counts: Dict[str, int] = {}
        for conn, timestamp, raw in reader.messages(conns, damaged):
            stats.read += 1
            index = counts.get(conn.topic, 0)
            counts[conn.topic] = index + 1
            try:
                msg = reader.deserialize(raw, conn.msgtype)
                image, encoding = decode_image_msg(msg, conn.msgtype, max_pixels)
                header = _header(msg)
            except Exception as exc:  # noqa: B902 - any undecodable message -> error or on_error
                if on_error is None:
                    raise ImageEncodingError(
                        f'{conn.topic} message {index} in {bag_path}: {exc}') from exc
                on_error(f'{conn.topic}#{index}', exc)
                continue
            yield BagImage(conn.topic, header, image, encoding, int(timestamp))


def read_images(bag_path, topic: Optional[str] = None
                ) -> Iterator[Tuple[str, Header, np.ndarray, str]]:
    """
    Iterate over ``(topic, header, image, encoding)`` of a bag's image messages.

    See :func:`read_image_records` (which also gives the bag timestamp).
    """
    for record in read_image_records(bag_path, topic):
        yield record.topic, record.header, record.image, record.encoding


def count_images(bag_path, topic: Optional[str] = None) -> Optional[int]:
    """Return how many image messages (``topic``, or all image topics) were recorded, or None."""
    with _BagReader(bag_path) as reader:
        counts = [c.msgcount for c in reader.connections
                  if c.msgtype in (IMAGE_TYPE, COMPRESSED_TYPE)
                  and (topic is None or c.topic == topic)]
    return None if any(n is None for n in counts) else sum(counts)


def read_camera_infos(bag_path, topic: Optional[str] = None
                      ) -> Iterator[Tuple[str, CameraInfo]]:
    """Iterate over ``(topic, CameraInfo)`` of a bag's ``sensor_msgs/CameraInfo`` messages."""
    with _BagReader(bag_path) as reader:
        conns = [c for c in reader.connections if c.msgtype == CAMERA_INFO_TYPE
                 and (topic is None or c.topic == topic)]
        for conn, _, raw in reader.messages(conns):
            msg = reader.deserialize(raw, conn.msgtype)
            yield conn.topic, CameraInfo(
                _header(msg), int(msg.width), int(msg.height),
                np.asarray(msg.k, np.float64).reshape(3, 3).copy(),
                np.asarray(msg.d, np.float64).copy(), str(msg.distortion_model))


def camera_info_for(bag_path, image_topic: str) -> Optional[CameraInfo]:
    """
    Return the first CameraInfo of the image topic's camera with usable intrinsics, or None.

    Usable: K finite with positive fx and fy (a NaN or zero K gives no point cloud at all).

    The camera is matched by namespace: ``/camera/camera_info`` belongs to
    ``/camera/image_raw`` and ``/camera/image_raw/compressed``.
    """
    from jetson_dnn_ros.tasks.depth import intrinsics_problem
    wanted = topic_namespace(image_topic) + '/camera_info'
    for _, info in read_camera_infos(bag_path, wanted):
        if not intrinsics_problem(info.k):
            return info
    return None


# -- writing ---------------------------------------------------------------------------------

def _storage_plugin(storage: str):
    from rosbags.rosbag2 import StoragePlugin
    if storage not in STORAGES:
        raise ValueError(f'bag storage must be one of {STORAGES}, got {storage!r}')
    return StoragePlugin.MCAP if storage == 'mcap' else StoragePlugin.SQLITE3


def _open_writer(path: Path, storage: str, overwrite: bool = False):
    """
    Create and open a rosbags ``Writer`` in a staged sibling of ``path``.

    :return: ``(writer, stage)``: the open writer and its
        :class:`~jetson_dnn_ros.outputs.Staged` (commit it after closing the writer).
    :raises ValueError: on an unknown storage.
    :raises ImageEncodingError: if ``path`` exists (without ``overwrite``) or the bag cannot be
        created (rosbags' ``WriterError``).
    :raises OutputError: if the parent folder is not writable (read-only, permission, …).
    """
    from jetson_dnn_ros.outputs import Staged
    from rosbags.rosbag2 import Writer
    plugin = _storage_plugin(storage)
    if (path.exists() or path.is_symlink()) and not overwrite:
        raise ImageEncodingError(f'cannot create bag {path}: it exists already; pass '
                                 '--overwrite to replace it or pick another name')
    stage = Staged(path, replace=overwrite).__enter__()
    try:
        writer = Writer(stage.path, version=BAG_VERSION, storage_plugin=plugin)
        writer.open()
    except OSError as exc:
        stage.__exit__(type(exc), exc, None)
        raise
    except Exception as exc:  # noqa: B902 - rosbags raises WriterError
        stage.abort()
        raise ImageEncodingError(f'cannot create bag {path}: {exc}') from exc
    return writer, stage


def _finish_writer(writer, stage, ok: bool) -> None:
    """Close (``ok``) and move the bag into place, or abort it and delete everything staged."""
    if not ok:
        try:
            writer.abort()
        except Exception:  # noqa: B902 - already broken; the staged folder goes anyway
            pass
        stage.abort()
        return
    try:
        writer.close()
    except BaseException as exc:  # noqa: B902 - clean up, then re-raise
        stage.__exit__(type(exc), exc, None)
        raise
    stage.__exit__(None, None, None)


class _MsgFactory:
    """Build rosbags message objects of the Humble (+ vision_msgs) type store."""

    def __init__(self, store):
        self.store = store
        self.t = store.types

    def header(self, header: Header):
        time = self.t['builtin_interfaces/msg/Time'](sec=header.sec, nanosec=header.nanosec)
        return self.t['std_msgs/msg/Header'](stamp=time, frame_id=header.frame_id)

    def image(self, header: Header, image: np.ndarray, encoding: str):
        info = check_image(image, encoding)
        data = np.ascontiguousarray(image)
        if data.dtype.byteorder == '>':
            data = data.astype(data.dtype.newbyteorder('<'))
        height, width = data.shape[:2]
        return self.t[IMAGE_TYPE](
            header=self.header(header), height=height, width=width, encoding=encoding,
            is_bigendian=0, step=width * info.bytes_per_pixel,
            data=data.reshape(-1).view(np.uint8))

    def compressed(self, header: Header, image_bgr: np.ndarray, quality: int = 90):
        ok, buf = cv2.imencode('.jpg', image_bgr, [cv2.IMWRITE_JPEG_QUALITY, int(quality)])
        if not ok:
            raise ImageEncodingError('OpenCV could not JPEG-encode the image')
        return self.t[COMPRESSED_TYPE](header=self.header(header),
                                       format='bgr8; jpeg compressed bgr8',
                                       data=buf.reshape(-1))

    def camera_info(self, header: Header, width: int, height: int, k: np.ndarray):
        k = np.asarray(k, np.float64).reshape(3, 3)
        p = np.zeros((3, 4), np.float64)
        p[:, :3] = k
        roi = self.t['sensor_msgs/msg/RegionOfInterest'](
            x_offset=0, y_offset=0, height=0, width=0, do_rectify=False)
        return self.t[CAMERA_INFO_TYPE](
            header=self.header(header), height=height, width=width,
            distortion_model='plumb_bob', d=np.zeros(5, np.float64), k=k.reshape(-1),
            r=np.eye(3).reshape(-1), p=p.reshape(-1), binning_x=0, binning_y=0, roi=roi)

    def _hypothesis_with_pose(self, h: msgfields.Hypothesis):
        g = 'geometry_msgs/msg/'
        pose = self.t[g + 'Pose'](position=self.t[g + 'Point'](x=h.x, y=h.y, z=0.0),
                                  orientation=self.t[g + 'Quaternion'](x=0.0, y=0.0, z=0.0,
                                                                       w=1.0))
        return self.t['vision_msgs/msg/ObjectHypothesisWithPose'](
            hypothesis=self.t['vision_msgs/msg/ObjectHypothesis'](class_id=h.class_id,
                                                                  score=h.score),
            pose=self.t[g + 'PoseWithCovariance'](pose=pose, covariance=np.zeros(36)))

    def classification(self, header: Header, hypotheses):
        hyp = self.t['vision_msgs/msg/ObjectHypothesis']
        return self.t['vision_msgs/msg/Classification'](
            header=self.header(header),
            results=[hyp(class_id=h.class_id, score=h.score) for h in hypotheses])

    def detection_array(self, header: Header, detections):
        v = 'vision_msgs/msg/'
        ros_header = self.header(header)

        def bbox(d):
            center = self.t[v + 'Pose2D'](position=self.t[v + 'Point2D'](x=d.cx, y=d.cy),
                                          theta=0.0)
            return self.t[v + 'BoundingBox2D'](center=center, size_x=d.w, size_y=d.h)

        return self.t[v + 'Detection2DArray'](header=ros_header, detections=[
            self.t[v + 'Detection2D'](
                header=ros_header, results=[self._hypothesis_with_pose(h) for h in d.results],
                bbox=bbox(d), id=d.id_text)
            for d in detections])

    def label_info(self, header: Header, labels: Sequence[str], threshold: float):
        cls = self.t['vision_msgs/msg/VisionClass']
        return self.t['vision_msgs/msg/LabelInfo'](
            header=self.header(header),
            class_map=[cls(class_id=i, class_name=n) for i, n in msgfields.label_items(labels)],
            threshold=float(threshold))

    def point_cloud(self, header: Header, cloud: msgfields.Cloud):
        pf = self.t['sensor_msgs/msg/PointField']
        return self.t['sensor_msgs/msg/PointCloud2'](
            header=self.header(header), height=cloud.height, width=cloud.width,
            fields=[pf(name=n, offset=o, datatype=msgfields.POINT_FIELD_FLOAT32, count=1)
                    for n, o in cloud.fields],
            is_bigendian=False, point_step=cloud.point_step,
            row_step=cloud.point_step * cloud.width, data=cloud.data,
            is_dense=cloud.is_dense)


class BagResultWriter:
    """
    Write pipeline results into a new rosbag2 as real CDR messages.

    Topics (under the source topic's namespace ``ns``): classification →
    ``ns/classification`` (vision_msgs/Classification); detection → ``ns/detections``
    (Detection2DArray); pose → ``ns/poses`` (Detection2DArray, one Detection2D per person:
    results[0] = ``person`` with the person score, results[1..K] = keypoints with class_id =
    keypoint name, score = confidence, pose.pose.position.x/y = pixel coordinates);
    segmentation → ``ns/segmentation`` (mono8/mono16 class ids) and ``ns/color_mask`` (rgb8);
    instance segmentation → ``ns/detections`` (Detection2DArray, ``id`` = instance index as
    text) and ``ns/instances`` (mono16, 0 = background, i + 1 = the i-th detection);
    depth → ``ns/depth`` (32FC1), ``ns/depth/colored`` (rgb8) and ``ns/points`` (PointCloud2,
    only for metric depth with a CameraInfo); every task → ``ns/overlay`` (bgr8, when given)
    and ``ns/label_info`` (LabelInfo, once, when the model has labels).

    :param out_path: the bag folder to create (must not exist).
    :param storage: ``sqlite3`` or ``mcap``.
    :param labels: class names (index = class id) for ``label_info``; None = no label_info.
    :param score_threshold: threshold reported in ``label_info``.
    :param palette: (C, 3) uint8 RGB segmentation colours, or None for generated ones.
    :param point_stride: pixel stride of the depth point cloud (1 = every pixel).
    :param overwrite: replace an existing bag at ``out_path`` once the new one is complete.
    :raises ValueError: on an unknown storage.
    :raises ImageEncodingError: if the bag cannot be created (e.g. it exists).

    The bag is written in a hidden sibling folder and renamed onto ``out_path`` by
    :meth:`close`; :meth:`abort` (or leaving the ``with`` block by an exception) deletes it.
    """

    def __init__(self, out_path, storage: str = 'sqlite3', labels: Optional[Sequence[str]] = None,
                 score_threshold: float = 0.0, palette=None, point_stride: int = 1,
                 overwrite: bool = False):
        self.path = Path(out_path)
        self.storage = storage
        self.labels = tuple(labels) if labels is not None else None
        self.score_threshold = float(score_threshold)
        self.palette = palette
        self.point_stride = max(1, int(point_stride))
        self._store = _typestore()
        self._msg = _MsgFactory(self._store)
        self._writer, self._stage = _open_writer(self.path, storage, overwrite)
        self._conns: Dict[str, object] = {}
        self._label_info_done = set()
        self.counts: Dict[str, int] = {}

    def _put(self, topic: str, msgtype: str, msg, timestamp_ns: int) -> None:
        conn = self._conns.get(topic)
        if conn is None:
            conn = self._writer.add_connection(topic, msgtype, typestore=self._store)
            self._conns[topic] = conn
        data = self._store.serialize_cdr(msg, msgtype)
        try:
            self._writer.write(conn, int(timestamp_ns), data)
        except Exception as exc:  # noqa: B902 - disk full, read-only: OSError or apsw errors
            if _is_storage_error(exc):
                raise _write_error(self.path, exc) from exc
            raise
        self.counts[topic] = self.counts.get(topic, 0) + 1

    def write_message(self, topic: str, msgtype: str, msg, timestamp_ns: int) -> None:
        """Write any rosbags message object (e.g. a copy of the source image)."""
        self._put(topic, msgtype, msg, timestamp_ns)

    def write_image(self, topic: str, header: Header, image: np.ndarray, encoding: str,
                    timestamp_ns: int) -> None:
        """Write an (H, W[, C]) array as ``sensor_msgs/Image`` in ``encoding``."""
        self._put(topic, IMAGE_TYPE, self._msg.image(header, image, encoding), timestamp_ns)

    def write(self, result, header: Header, timestamp_ns: int, source_topic: str,
              overlay_bgr: Optional[np.ndarray] = None, image: Optional[np.ndarray] = None,
              encoding: str = 'bgr8', camera_info: Optional[CameraInfo] = None) -> List[str]:
        """
        Write one result (and its overlay) with the source image's header and timestamp.

        :param result: a task result (dispatch on ``result.task``).
        :param header: the source image's :class:`Header`, copied into every message.
        :param timestamp_ns: the source message's bag timestamp in nanoseconds.
        :param source_topic: the source image topic (gives the output namespace).
        :param overlay_bgr: (H, W, 3) uint8 BGR overlay to write on ``ns/overlay``, or None.
        :param image: the source image (for the colours of depth points), or None.
        :param encoding: ``image``'s encoding.
        :param camera_info: intrinsics for depth point clouds, or None.
        :return: the topics written.
        :raises ValueError: for a result of an unknown task.
        """
        ns = topic_namespace(source_topic)
        written = []

        def put(name, msgtype, msg):
            self._put(f'{ns}/{name}', msgtype, msg, timestamp_ns)
            written.append(f'{ns}/{name}')

        if self.labels and ns not in self._label_info_done:
            put('label_info', 'vision_msgs/msg/LabelInfo',
                self._msg.label_info(header, self.labels, self.score_threshold))
            self._label_info_done.add(ns)
        task = getattr(result, 'task', None)
        m = self._msg
        if task == 'classification':
            put('classification', 'vision_msgs/msg/Classification',
                m.classification(header, msgfields.classification_hypotheses(result)))
        elif task == 'detection':
            put('detections', 'vision_msgs/msg/Detection2DArray',
                m.detection_array(header, msgfields.detections(result)))
        elif task == 'pose':
            put('poses', 'vision_msgs/msg/Detection2DArray',
                m.detection_array(header, msgfields.pose_detections(result)))
        elif task == 'instance_segmentation':
            put('detections', 'vision_msgs/msg/Detection2DArray',
                m.detection_array(header, msgfields.instance_detections(result)))
            put('instances', IMAGE_TYPE, m.image(header, result.instance_map(), 'mono16'))
        elif task == 'segmentation':
            from jetson_dnn_ros.tasks.segmentation import colorize
            class_map = np.asarray(result.class_map)
            enc = 'mono16' if class_map.dtype == np.uint16 else 'mono8'
            put('segmentation', IMAGE_TYPE, m.image(header, class_map, enc))
            # the model's palette (VOC, descriptor), or the writer's when one was given
            mask = result.color_mask() if self.palette is None else colorize(
                class_map, self.palette, ignore_class=result.ignore_class)
            put('color_mask', IMAGE_TYPE, m.image(header, mask, 'rgb8'))
        elif task == 'depth':
            from jetson_dnn_ros.tasks.depth import colorize_depth
            depth = np.asarray(result.depth, np.float32)
            put('depth', IMAGE_TYPE, m.image(header, depth, '32FC1'))
            put('depth/colored', IMAGE_TYPE, m.image(header, colorize_depth(
                depth, result.kind, result.colormap, result.equalize), 'rgb8'))
            if camera_info is not None and result.kind == 'metric':
                rgb = None if image is None else convert_color(image, encoding, 'rgb')
                points, colors = msgfields.depth_cloud(
                    depth, camera_info.k, (camera_info.width, camera_info.height),
                    self.point_stride, rgb, distortion=camera_info.d)
                put('points', 'sensor_msgs/msg/PointCloud2',
                    m.point_cloud(header, msgfields.pack_cloud(points, colors)))
        else:
            raise ValueError(f'cannot write a result of task {task!r} to a bag')
        if overlay_bgr is not None:
            put('overlay', IMAGE_TYPE, m.image(header, overlay_bgr, 'bgr8'))
        return written

    def close(self) -> None:
        """Finish the bag and move it into place; safe to call more than once."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            _finish_writer(writer, self._stage, True)

    def abort(self) -> None:
        """Drop the bag: nothing is left at (or beside) ``out_path``."""
        if self._writer is not None:
            writer, self._writer = self._writer, None
            _finish_writer(writer, self._stage, False)

    def __enter__(self):
        """Return self."""
        return self

    def __exit__(self, exc_type, exc, tb):
        """Close the bag, or abort it when the block raised (disk errors → OutputError)."""
        try:
            if exc is None:
                self.close()
            else:
                self.abort()
        except BaseException as error:  # noqa: B902 - storage errors named, then re-raised
            if _is_storage_error(error):
                raise _write_error(self.path, error) from error
            raise
        if exc is not None and _is_storage_error(exc):
            raise _write_error(self.path, exc) from exc
        return False


def _iter_sources(images, on_error=None) -> Iterator[np.ndarray]:
    """
    Yield (H, W, 3) uint8 BGR frames of ``write_images_bag``'s ``images`` argument.

    Paths go through :func:`jetson_dnn_ros.media.iter_frames` (the same input discovery as
    ``jetson-dnn run``); iterables may hold arrays or image paths. An unreadable image goes to
    ``on_error(name, exc)`` and is skipped (None: raise).
    """
    from jetson_dnn_ros import media
    if isinstance(images, np.ndarray):
        images = [images]
    if isinstance(images, (str, os.PathLike)):
        for frame in media.iter_frames(images, on_error=on_error):
            try:
                yield to_bgr8(frame.image, frame.encoding)
            except ImageEncodingError as exc:
                if on_error is None:
                    raise
                on_error(frame.name, exc)
        return
    for item in images:
        if isinstance(item, np.ndarray):
            yield item
            continue
        try:
            frame = media.read_image_file(item)
            image = to_bgr8(frame.image, frame.encoding)
        except ImageEncodingError as exc:
            if on_error is None:
                raise
            on_error(str(item), exc)
            continue
        yield image


def write_images_bag(out_path, images, topic: str = '/camera/image_raw', fps: float = 5.0,
                     frame_id: str = 'camera_optical_frame', encoding: str = 'bgr8',
                     compressed: bool = False, storage: str = 'sqlite3', start_ns: int = 0,
                     camera_info: bool = True, on_error=None, overwrite: bool = False) -> int:
    """
    Record images or a video into a new rosbag2, like a camera driver would.

    Frame ``i`` gets header stamp and bag timestamp ``start_ns + round(i * 1e9 / fps)``.

    :param out_path: bag folder to create (must not exist).
    :param images: a video file (read with ``cv2.VideoCapture``), an image file, folder or
        glob (sorted by name), or an iterable of paths or (H, W, 3) uint8 BGR arrays.
    :param topic: the Image topic; with ``compressed`` the CompressedImage goes to
        ``topic + '/compressed'`` instead (format ``bgr8; jpeg compressed bgr8``).
    :param fps: frame rate in Hz that sets the stamps.
    :param frame_id: header frame_id (the camera optical frame).
    :param encoding: raw Image encoding: ``bgr8``, ``rgb8`` or ``mono8``.
    :param compressed: write JPEG CompressedImage instead of raw Image.
    :param storage: ``sqlite3`` or ``mcap``.
    :param start_ns: stamp of the first frame in nanoseconds.
    :param camera_info: also write ``<ns>/camera_info`` with nominal intrinsics fx = fy =
        0.9 × width, (cx, cy) at the image centre (as the project's shared bags; not a
        calibration).
    :param on_error: ``fn(name, exc)`` for an unreadable image, which is then skipped; None
        raises (and nothing is written).
    :param overwrite: replace an existing bag once the new one is complete.
    :return: the number of frames written. The bag is built in a hidden sibling folder and
        renamed onto ``out_path`` when complete; on any error nothing is left.
    :raises ImageEncodingError: on an unreadable image or video, an unsupported encoding, or
        a bag that cannot be created (e.g. ``out_path`` exists).
    :raises FileNotFoundError: if no image is found.
    """
    if fps <= 0:
        raise ValueError(f'fps must be > 0, got {fps}')
    if encoding not in ('bgr8', 'rgb8', 'mono8'):
        raise ImageEncodingError(f'write_images_bag writes bgr8, rgb8 or mono8, not {encoding!r}')
    store = _typestore()
    msg = _MsgFactory(store)
    target = {'bgr8': 'bgr', 'rgb8': 'rgb', 'mono8': 'gray'}[encoding]
    frames = _iter_sources(images, on_error)
    first = next(frames, None)
    if first is None:
        raise FileNotFoundError(f'no readable frames in {images}')
    writer, stage = _open_writer(Path(out_path), storage, overwrite)
    count = 0
    ok = False
    try:
        img_topic = topic.rstrip('/') + '/compressed' if compressed else topic
        img_type = COMPRESSED_TYPE if compressed else IMAGE_TYPE
        conn = writer.add_connection(img_topic, img_type, typestore=store)
        info_conn = writer.add_connection(topic_namespace(topic) + '/camera_info',
                                          CAMERA_INFO_TYPE, typestore=store) \
            if camera_info else None
        for frame in _chain(first, frames):
            stamp = int(start_ns) + int(round(count * 1e9 / fps))
            header = Header(stamp, frame_id)
            if compressed:
                message = msg.compressed(header, frame)
            else:
                message = msg.image(header, convert_color(frame, 'bgr8', target), encoding)
            writer.write(conn, stamp, store.serialize_cdr(message, img_type))
            if info_conn is not None:
                h, w = frame.shape[:2]
                k = np.array([[0.9 * w, 0, w / 2.0], [0, 0.9 * w, h / 2.0], [0, 0, 1]])
                writer.write(info_conn, stamp, store.serialize_cdr(
                    msg.camera_info(header, w, h, k), CAMERA_INFO_TYPE))
            count += 1
        ok = True
    except BaseException as exc:  # noqa: B902 - abort the bag, then re-raise
        _finish_writer(writer, stage, False)
        if _is_storage_error(exc):
            raise _write_error(Path(out_path), exc) from exc
        raise
    if ok:
        try:
            _finish_writer(writer, stage, True)
        except BaseException as exc:  # noqa: B902 - storage errors named, then re-raised
            if _is_storage_error(exc):
                raise _write_error(Path(out_path), exc) from exc
            raise
    return count


def _is_storage_error(exc: BaseException) -> bool:
    """Return True for a write failure of the disk (OSError, sqlite3 or apsw errors)."""
    from jetson_dnn_ros.outputs import OutputError
    import sqlite3  # rosbags writes sqlite3 bags with the standard library's driver
    return isinstance(exc, OSError) and not isinstance(exc, OutputError) or \
        isinstance(exc, sqlite3.Error) or type(exc).__module__ == 'apsw'


def _write_error(path: Path, exc: BaseException):
    """Return the one-line OutputError of a failed bag write."""
    from jetson_dnn_ros.outputs import cause, OutputError
    text = cause(exc) if isinstance(exc, OSError) else str(exc)
    text = text.replace('database or disk is full', 'no space left on device')
    return OutputError(f'cannot write bag {path}: {text}; nothing was kept')


def _chain(first, rest: Iterable) -> Iterator:
    yield first
    yield from rest


__all__ = ['BagImage', 'BagResultWriter', 'CameraInfo', 'Header', 'ReadStats', 'StorageDamage',
           'camera_info_for',
           'count_images', 'decode_image_msg',
           'default_image_topic', 'image_topics', 'is_bag', 'read_camera_infos',
           'read_image_records', 'read_images', 'topic_namespace', 'topic_types',
           'write_images_bag']
