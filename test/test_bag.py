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

"""Bag I/O without ROS: real bags, write_images_bag, result bags and the CLI round trip."""

from types import SimpleNamespace

from jetson_dnn_ros import bag
from jetson_dnn_ros import cli
from jetson_dnn_ros.msgdefs import make_typestore
import numpy as np
import pytest

PHOTOS = ('dog_0', 'peds_0', 'humans_0')
FPS = 4.0


def _messages(path):
    """Return [(topic, msgtype, timestamp, message)] of a bag, deserialised."""
    from rosbags.rosbag2 import Reader
    store = make_typestore()
    with Reader(path) as reader:
        return [(c.topic, c.msgtype, t, store.deserialize_cdr(raw, c.msgtype))
                for c, t, raw in reader.messages()]


def _stamp_ns(msg):
    return msg.header.stamp.sec * 1_000_000_000 + msg.header.stamp.nanosec


@pytest.fixture(scope='module')
def photo_files(data_dir):
    return [data_dir / 'images' / f'{name}.jpg' for name in PHOTOS]


@pytest.fixture(scope='module')
def camera_bag(tmp_path_factory, photo_files):
    path = tmp_path_factory.mktemp('bags') / 'camera_bag'
    count = bag.write_images_bag(path, photo_files, fps=FPS, start_ns=1_700_000_000_000_000_000)
    assert count == len(PHOTOS)
    return path


@pytest.mark.parametrize('name', ['photos_sqlite3', 'photos_mcap'])
def test_real_ros2_bags(data_dir, name):
    path = data_dir / 'bags' / name
    assert bag.image_topics(path) == [('/camera/image_raw', bag.IMAGE_TYPE),
                                      ('/camera/image_raw/compressed', bag.COMPRESSED_TYPE)]
    assert bag.default_image_topic(path) == '/camera/image_raw'
    raw = list(bag.read_images(path, '/camera/image_raw'))
    packed = list(bag.read_images(path, '/camera/image_raw/compressed'))
    assert len(raw) == len(packed) == 8
    for (_, h1, img1, enc1), (_, h2, img2, enc2) in zip(raw, packed):
        assert enc1 == enc2 == 'bgr8'
        assert img1.shape == img2.shape == (480, 640, 3)
        assert h1 == h2 and h1.frame_id == 'camera_optical_frame'
        # the same frame, once raw and once JPEG: only compression noise differs
        assert np.abs(img1.astype(np.int16) - img2).mean() < 6.0
    stamps = [h.stamp_ns for _, h, _, _ in raw]
    assert stamps == sorted(stamps)
    info = bag.camera_info_for(path, '/camera/image_raw/compressed')
    assert (info.width, info.height) == (640, 480)
    np.testing.assert_allclose(info.k, [[0.9 * 640, 0, 320], [0, 0.9 * 640, 240], [0, 0, 1]])


def test_ros2bag_tools_bag_named_dot_bag(data_dir):
    path = data_dir / 'bags' / 'ait_ros2bag_tools_images.bag'  # a rosbag2 folder despite .bag
    frames = list(bag.read_images(path))
    assert [t for t, _, _, _ in frames] == ['/image'] * 3
    assert [h.stamp_ns for _, h, _, _ in frames] == [0, 1_000_000_000, 2_000_000_000]
    assert all(img.shape == (2, 2) and enc == 'mono8' for _, _, img, enc in frames)
    assert bag.camera_info_for(path, '/image') is None


def test_write_images_bag_round_trip(camera_bag, photo, photo_files):
    records = list(bag.read_image_records(camera_bag))
    assert len(records) == len(PHOTOS)
    for i, (rec, name) in enumerate(zip(records, PHOTOS)):
        expected = 1_700_000_000_000_000_000 + int(round(i * 1e9 / FPS))
        assert rec.header == bag.Header(expected, 'camera_optical_frame')
        assert rec.timestamp_ns == expected
        np.testing.assert_array_equal(rec.image, photo(name))
    info = bag.camera_info_for(camera_bag, '/camera/image_raw')
    assert info.k[0, 0] == pytest.approx(0.9 * info.width)


@pytest.mark.parametrize('storage', ['sqlite3', 'mcap'])
def test_write_compressed_and_rgb(tmp_path, photo, photo_files, storage):
    path = tmp_path / 'c'
    bag.write_images_bag(path, photo_files[:1], compressed=True, storage=storage,
                         camera_info=False)
    assert bag.topic_types(path) == {'/camera/image_raw/compressed': bag.COMPRESSED_TYPE}
    (_, _, image, encoding), = bag.read_images(path)
    assert encoding == 'bgr8'
    assert np.abs(image.astype(np.int16) - photo(PHOTOS[0])).mean() < 6.0
    rgb_path = tmp_path / 'rgb'
    bag.write_images_bag(rgb_path, photo_files[:1], encoding='rgb8', storage=storage)
    (_, _, image, encoding), = bag.read_images(rgb_path)
    assert encoding == 'rgb8'
    np.testing.assert_array_equal(image, photo(PHOTOS[0])[:, :, ::-1])


def test_topic_namespace():
    assert bag.topic_namespace('/camera/image_raw') == '/camera'
    assert bag.topic_namespace('/camera/image_raw/compressed') == '/camera'
    assert bag.topic_namespace('/robot/front/image') == '/robot/front'
    assert bag.topic_namespace('/image') == ''


def test_cli_run_bag_to_bag_copies_headers(camera_bag, tmp_path, data_dir):
    out = tmp_path / 'results.mcap'
    code = cli.main(['run', '--task', 'classification', '--model', 'mobilenet_v2_1001',
                     '--input', str(camera_bag), '--output', str(out), '--quiet'])
    assert code == 0
    source = {t: m for _, _, t, m in _messages(camera_bag) if m.__msgtype__ == bag.IMAGE_TYPE}
    written = _messages(tmp_path / 'results')
    topics = {topic for topic, _, _, _ in written}
    assert topics == {'/camera/classification', '/camera/overlay', '/camera/label_info'}
    assert sum(topic == '/camera/label_info' for topic, _, _, _ in written) == 1
    for topic, msgtype, timestamp, msg in written:
        src = source[timestamp]  # bag timestamps are the source receive timestamps
        assert _stamp_ns(msg) == _stamp_ns(src)
        assert msg.header.frame_id == src.header.frame_id
    # classification messages carry what the pipeline gives for the same image
    from jetson_dnn_ros.pipeline import Pipeline
    with Pipeline.from_model('mobilenet_v2_1001', backend='onnxruntime') as pipeline:
        for topic, _, timestamp, msg in written:
            if topic != '/camera/classification':
                continue
            src = source[timestamp]
            image = np.frombuffer(src.data, np.uint8).reshape(src.height, src.width, 3)
            result = pipeline.run(image, 'bgr8')
            assert [h.class_id for h in msg.results] == list(result.labels)
            np.testing.assert_allclose([h.score for h in msg.results], result.scores,
                                       rtol=1e-5)
    for topic, _, timestamp, msg in written:
        if topic == '/camera/overlay':
            src = source[timestamp]
            assert (msg.encoding, msg.height, msg.width) == ('bgr8', src.height, src.width)


def _write_one(tmp_path, result, **kwargs):
    header = bag.Header(12_345_000_000_007, 'cam_optical')
    path = tmp_path / 'w'
    with bag.BagResultWriter(path, **kwargs) as writer:
        writer.write(result, header, 99, '/cam/image_raw/compressed')
    written = _messages(path)
    for _, _, timestamp, msg in written:
        assert timestamp == 99
        assert _stamp_ns(msg) == header.stamp_ns and msg.header.frame_id == 'cam_optical'
    return {topic: msg for topic, _, _, msg in written}


def test_writer_detection_messages(tmp_path):
    from jetson_dnn_ros.tasks.detection import make_detections
    result = make_detections([[10, 20, 50, 100], [0, 0, 4, 2]], [0.9, 0.5], [3, 7],
                             None, (120, 160), track_ids=[11, 12])
    msgs = _write_one(tmp_path, result, labels=['a', 'b', 'c', 'd'], score_threshold=0.3)
    det = msgs['/cam/detections'].detections
    assert len(det) == 2
    assert det[0].bbox.center.position.x == 30 and det[0].bbox.center.position.y == 60
    assert (det[0].bbox.size_x, det[0].bbox.size_y) == (40, 80)
    assert det[0].results[0].hypothesis.class_id == '3'
    assert det[0].results[0].hypothesis.score == pytest.approx(0.9)
    assert (det[0].id, det[1].id) == ('11', '12')
    info = msgs['/cam/label_info']
    assert [c.class_name for c in info.class_map] == ['a', 'b', 'c', 'd']
    assert info.threshold == pytest.approx(0.3)


def test_writer_pose_convention(tmp_path):
    keypoints = np.array([[5, 6, 0.8], [7, 8, 0.4]], np.float32)
    person = SimpleNamespace(box=np.array([1, 2, 11, 22], np.float32), score=0.75,
                             keypoints=keypoints)
    result = SimpleNamespace(task='pose', persons=(person,), keypoint_names=('nose', 'eye'))
    det, = _write_one(tmp_path, result)['/cam/poses'].detections
    assert det.results[0].hypothesis.class_id == 'person'
    assert det.results[0].hypothesis.score == pytest.approx(0.75)
    assert [r.hypothesis.class_id for r in det.results[1:]] == ['nose', 'eye']
    assert [r.hypothesis.score for r in det.results[1:]] == pytest.approx([0.8, 0.4])
    assert [(r.pose.pose.position.x, r.pose.pose.position.y) for r in det.results[1:]] == \
        [(5, 6), (7, 8)]
    assert (det.bbox.size_x, det.bbox.size_y) == (10, 20)


def test_writer_segmentation_images(tmp_path):
    class_map = np.array([[0, 1, 2], [2, 1, 0]], np.uint8)
    palette = np.array([[0, 0, 0], [255, 0, 0], [0, 255, 0]], np.uint8)
    from jetson_dnn_ros.tasks.segmentation import SegmentationResult
    result = SegmentationResult(class_map, None, np.full(3, 1 / 3, np.float32), ('a', 'b', 'c'),
                                (2, 3))
    msgs = _write_one(tmp_path, result, palette=palette)
    seg, mask = msgs['/cam/segmentation'], msgs['/cam/color_mask']
    assert (seg.encoding, mask.encoding) == ('mono8', 'rgb8')
    np.testing.assert_array_equal(np.frombuffer(seg.data, np.uint8).reshape(2, 3), class_map)
    np.testing.assert_array_equal(np.frombuffer(mask.data, np.uint8).reshape(2, 3, 3),
                                  palette[class_map])


def test_writer_depth_points(tmp_path):
    from jetson_dnn_ros.tasks.depth import colorize_depth, DepthResult
    depth = np.full((4, 6), 2.0, np.float32)
    result = DepthResult(depth, 'metric', (4, 6))
    k = np.array([[10.0, 0, 3.0], [0, 10.0, 2.0], [0, 0, 1]])
    info = bag.CameraInfo(bag.Header(0, 'cam_optical'), 6, 4, k, np.zeros(5), 'plumb_bob')
    image = np.zeros((4, 6, 3), np.uint8)
    image[..., 2] = 200  # red in BGR
    path = tmp_path / 'd'
    with bag.BagResultWriter(path) as writer:
        topics = writer.write(result, bag.Header(5, 'cam_optical'), 5, '/cam/image_raw',
                              image=image, encoding='bgr8', camera_info=info)
    assert topics == ['/cam/depth', '/cam/depth/colored', '/cam/points']
    msgs = {t: m for t, _, _, m in _messages(path)}
    depth_msg = msgs['/cam/depth']
    assert depth_msg.encoding == '32FC1'
    np.testing.assert_array_equal(np.frombuffer(depth_msg.data, np.float32).reshape(4, 6),
                                  depth)
    colored = msgs['/cam/depth/colored']  # the depth task's own colour map, as the node's
    np.testing.assert_array_equal(np.frombuffer(colored.data, np.uint8).reshape(4, 6, 3),
                                  colorize_depth(depth, 'metric'))
    cloud = msgs['/cam/points']
    assert [f.name for f in cloud.fields] == ['x', 'y', 'z', 'rgb']
    pts = np.frombuffer(cloud.data, np.float32).reshape(cloud.width, 4)
    assert cloud.width == 24
    np.testing.assert_allclose(pts[:, 2], 2.0)
    # pinhole: x = (u - cx) * z / fx over the pixel columns u = 0..5
    np.testing.assert_allclose(np.unique(pts[:, 0]), (np.arange(6) - 3.0) * 2.0 / 10.0,
                               atol=1e-6)
    rgb = pts[:, 3].view(np.uint32)
    assert np.all(rgb == (200 << 16))


def test_missing_bag_and_bad_topic(tmp_path, camera_bag):
    with pytest.raises(FileNotFoundError):
        list(bag.read_images(tmp_path / 'nope'))
    with pytest.raises(bag.ImageEncodingError, match='not an Image'):
        list(bag.read_images(camera_bag, '/camera/camera_info'))


def test_cli_run_instance_segmentation_bag(camera_bag, tmp_path, data_dir):
    """Real photos through YOLOv8n-seg into a result bag: detections + mono16 instances."""
    out = tmp_path / 'seg.mcap'
    code = cli.main(['run', '--task', 'instance_segmentation', '--model', 'yolov8n_seg',
                     '--input', str(camera_bag), '--output', str(out), '--quiet'])
    assert code == 0
    source = {t: m for _, _, t, m in _messages(camera_bag) if m.__msgtype__ == bag.IMAGE_TYPE}
    written = _messages(tmp_path / 'seg')
    topics = {topic for topic, _, _, _ in written}
    assert topics == {'/camera/detections', '/camera/instances', '/camera/overlay',
                      '/camera/label_info'}
    by_stamp = {}
    for topic, _, timestamp, msg in written:
        assert _stamp_ns(msg) == _stamp_ns(source[timestamp])
        by_stamp.setdefault(timestamp, {})[topic] = msg
    assert len(by_stamp) == len(PHOTOS)
    from jetson_dnn_ros.pipeline import Pipeline
    with Pipeline.from_model('yolov8n_seg', backend='onnxruntime') as pipeline:
        for timestamp, msgs in by_stamp.items():
            src = source[timestamp]
            image = np.frombuffer(src.data, np.uint8).reshape(src.height, src.width, 3)
            result = pipeline.run(image, 'bgr8')
            det, ids = msgs['/camera/detections'], msgs['/camera/instances']
            assert [d.id for d in det.detections] == [str(i) for i in range(len(result))]
            assert [d.results[0].hypothesis.class_id for d in det.detections] == \
                list(result.labels)
            assert (ids.encoding, ids.height, ids.width) == ('mono16', src.height, src.width)
            got = np.frombuffer(ids.data, np.uint16).reshape(src.height, src.width)
            np.testing.assert_array_equal(got, result.instance_map())
            assert len(result) > 0 and got.max() >= 1
