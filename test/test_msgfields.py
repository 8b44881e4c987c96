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
One message convention: live node messages and result-bag messages agree on the wire.

The node path (:mod:`jetson_dnn_ros.ros.conversions`, rclpy classes — the stand-in here) and
the bag path (:mod:`jetson_dnn_ros.bag`, rosbags classes) both build from
:mod:`jetson_dnn_ros.msgfields`; here the same result goes through both and the CDR bytes are
compared.
"""

from jetson_dnn_ros import bag
from jetson_dnn_ros.labels import COCO17_KEYPOINTS
from jetson_dnn_ros.msgdefs import make_typestore
from jetson_dnn_ros.ros import conversions
from jetson_dnn_ros.tasks.classification import ClassificationResult
from jetson_dnn_ros.tasks.detection import make_detections
from jetson_dnn_ros.tasks.pose import make_pose_result
import numpy as np
from rosbags_bridge import message_type_name, to_rosbags

STAMP_NS = 1_700_000_000_123_456_789


def _bag_message(tmp_path, result, topic):
    with bag.BagResultWriter(tmp_path / 'b') as writer:
        writer.write(result, bag.Header(STAMP_NS, 'camera_optical_frame'), 1, '/cam/image_raw')
    from rosbags.rosbag2 import Reader
    with Reader(tmp_path / 'b') as reader:
        raw = {c.topic: (c.msgtype, data) for c, _, data in reader.messages()}
    return raw[topic]


def _node_cdr(msg):
    store = make_typestore()
    return store.serialize_cdr(to_rosbags(msg, store), message_type_name(msg))


def _header():
    from builtin_interfaces.msg import Time
    from std_msgs.msg import Header
    return Header(stamp=Time(sec=STAMP_NS // 10**9, nanosec=STAMP_NS % 10**9),
                  frame_id='camera_optical_frame')


def test_detections_identical_from_node_and_bag(tmp_path):
    result = make_detections([[10.5, 20, 50, 100.25], [0, 0, 4, 2], [5, 5, 9, 9]],
                             [0.9, 0.5, 0.4], [0, 2, 1], ('person', 'bicycle', 'car'),
                             (120, 160), track_ids=[7, -1, 3])
    msgtype, data = _bag_message(tmp_path, result, '/cam/detections')
    assert msgtype == 'vision_msgs/msg/Detection2DArray'
    node = conversions.detections_to_msg(result, _header())
    assert bytes(_node_cdr(node)) == bytes(data)
    assert [d.id for d in node.detections] == ['7', '', '3']  # -1 = no track


def test_poses_identical_from_node_and_bag(tmp_path):
    rng = np.random.default_rng(0)
    keypoints = np.concatenate([rng.uniform(0, 100, (2, 17, 2)),
                                rng.uniform(0, 1, (2, 17, 1))], axis=2).astype(np.float32)
    result = make_pose_result(keypoints, np.array([0.8, 0.6], np.float32), COCO17_KEYPOINTS,
                              (), (120, 160))
    _, data = _bag_message(tmp_path, result, '/cam/poses')
    node = conversions.pose_to_msg(result, _header())
    assert bytes(_node_cdr(node)) == bytes(data)
    first = node.detections[0].results
    assert first[0].hypothesis.class_id == 'person' and len(first) == 18


def test_classification_identical_from_node_and_bag(tmp_path):
    result = ClassificationResult(np.array([3, 1]), np.array([0.7, 0.2], np.float32),
                                  ('cat', 'dog'), False, (10, 10))
    _, data = _bag_message(tmp_path, result, '/cam/classification')
    node = conversions.classification_to_msg(result, _header())
    assert bytes(_node_cdr(node)) == bytes(data)
    assert [h.class_id for h in node.results] == ['cat', 'dog']


def _instances():
    from jetson_dnn_ros.tasks.instance_segmentation import make_instances
    masks = np.zeros((2, 12, 16), bool)
    masks[0, 2:9, 3:8] = True
    masks[1, 5:12, 6:16] = True      # overlaps instance 0 at rows 5..8, cols 6..7
    return make_instances([[3, 2, 8, 9], [6, 5, 16, 12]], [0.6, 0.9], [0, 1],
                          masks, ('person', 'bicycle'), (12, 16))


def test_instances_identical_from_node_and_bag(tmp_path):
    result = _instances()
    _, data = _bag_message(tmp_path, result, '/cam/detections')
    node = conversions.instances_to_msg(result, _header())
    assert bytes(_node_cdr(node)) == bytes(data)
    # id = instance index as text, in score order (the bicycle scored higher)
    assert [d.id for d in node.detections] == ['0', '1']
    assert [d.results[0].hypothesis.class_id for d in node.detections] == ['bicycle', 'person']
    msgtype, data = _bag_message(tmp_path / 'i', result, '/cam/instances')
    assert msgtype == 'sensor_msgs/msg/Image'
    image = conversions.instance_map_to_msg(result, _header())
    assert bytes(_node_cdr(image)) == bytes(data)
    assert (image.encoding, image.height, image.width, image.step) == ('mono16', 12, 16, 32)
    ids = np.frombuffer(bytes(image.data), np.uint16).reshape(12, 16)
    # pixel value = int(Detection2D.id) + 1; the overlap belongs to the higher score
    assert ids[6, 6] == 1 and ids[3, 4] == 2 and ids[0, 0] == 0
    assert set(np.unique(ids).tolist()) == {0, 1, 2}
