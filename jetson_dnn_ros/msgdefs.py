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
Message definitions of vision_msgs 4.1.x (ROS 2 Humble), for use without ROS.

rosbags' ROS 2 Humble type store knows the core interface packages (std_msgs, sensor_msgs,
geometry_msgs, ...) but not vision_msgs. This module carries the ``.msg`` texts of the
vision_msgs messages this package publishes, exactly as released in vision_msgs 4.1.1
(``ros-perception/vision_msgs``, branch ``ros2``, directory ``vision_msgs/msg``; field order and
types are what goes on the wire), and registers them in a rosbags type store so that bags can be
written and read, and messages serialised to CDR, on machines without ROS.

Nothing here imports ROS; only :mod:`rosbags` is needed, and only by :func:`make_typestore`.
"""

import threading

VISION_MSGS = {
    'vision_msgs/msg/Point2D': """\
# Represents a 2D point in pixel coordinates.
# XY matches the sensor_msgs/Image convention: X is positive right and Y is positive down.

float64 x
float64 y
""",
    'vision_msgs/msg/Pose2D': """\
# Represents a 2D pose (coordinates and a radian rotation). Rotation is positive counterclockwise.

vision_msgs/Point2D position
float64 theta
""",
    'vision_msgs/msg/BoundingBox2D': """\
# A 2D bounding box that can be rotated about its center.
# All dimensions are in pixels, but represented using floating-point
#   values to allow sub-pixel precision. If an exact pixel crop is required
#   for a rotated bounding box, it can be calculated using Bresenham's line
#   algorithm.

# The 2D position (in pixels) and orientation of the bounding box center.
vision_msgs/Pose2D center

# The total size (in pixels) of the bounding box surrounding the object relative
#   to the pose of its center.
float64 size_x
float64 size_y
""",
    'vision_msgs/msg/ObjectHypothesis': """\
# An object hypothesis that contains no pose information.
# If you would like to define an array of ObjectHypothesis messages,
#   please see the Classification message type.

# The unique ID of the object class. To get additional information about
#   this ID, such as its human-readable class name, listeners should perform a
#   lookup in a metadata database. See vision_msgs/VisionInfo.msg for more detail.
string class_id

# The probability or confidence value of the detected object. By convention,
#   this value should lie in the range [0-1].
float64 score
""",
    'vision_msgs/msg/ObjectHypothesisWithPose': """\
# An object hypothesis that contains pose information.
# If you would like to define an array of ObjectHypothesisWithPose messages,
#   please see the Detection2D or Detection3D message types.

# The object hypothesis (ID and score).
ObjectHypothesis hypothesis

# The 6D pose of the object hypothesis. This pose should be
#   defined as the pose of some fixed reference point on the object, such as
#   the geometric center of the bounding box, the center of mass of the
#   object or the origin of a reference mesh of the object.
# Note that this pose is not stamped; frame information can be defined by
#   parent messages.
# Also note that different classes predicted for the same input data may have
#   different predicted 6D poses.
geometry_msgs/PoseWithCovariance pose
""",
    'vision_msgs/msg/Detection2D': """\
# Defines a 2D detection result.
#
# This is similar to a 2D classification, but includes position information,
#   allowing a classification result for a specific crop or image point to
#   to be located in the larger image.

std_msgs/Header header

# Class probabilities
ObjectHypothesisWithPose[] results

# 2D bounding box surrounding the object.
BoundingBox2D bbox

# ID used for consistency across multiple detection messages. Detections
# of the same object in different detection messages should have the same id.
# This field may be empty.
string id
""",
    'vision_msgs/msg/Detection2DArray': """\
# A list of 2D detections, for a multi-object 2D detector.

std_msgs/Header header

# A list of the detected proposals. A multi-proposal detector might generate
#   this list with many candidate detections generated from a single input.
Detection2D[] detections
""",
    'vision_msgs/msg/BoundingBox3D': """\
# A 3D bounding box that can be positioned and rotated about its center (6 DOF)
# Dimensions of this box are in meters, and as such, it may be migrated to
#   another package, such as geometry_msgs, in the future.

# The 3D position and orientation of the bounding box center
geometry_msgs/Pose center

# The total size of the bounding box, in meters, surrounding the object's center
#   pose.
geometry_msgs/Vector3 size
""",
    'vision_msgs/msg/Detection3D': """\
# Defines a 3D detection result.
#
# This extends a basic 3D classification by including the pose of the
#   detected object.

std_msgs/Header header

# Class probabilities. Does not have to include hypotheses for all possible
#   object ids, the scores for any ids not listed are assumed to be 0.
ObjectHypothesisWithPose[] results

# 3D bounding box surrounding the object.
BoundingBox3D bbox

# ID used for consistency across multiple detection messages. Detections
# of the same object in different detection messages should have the same id.
# This field may be empty.
string id
""",
    'vision_msgs/msg/Detection3DArray': """\
# A list of 3D detections, for a multi-object 3D detector.

std_msgs/Header header

# A list of the detected proposals. A multi-proposal detector might generate
#   this list with many candidate detections generated from a single input.
Detection3D[] detections
""",
    'vision_msgs/msg/Classification': """\
# Defines a classification result.
#
# This result does not contain any position information. It is designed for
#   classifiers, which simply provide class probabilities given an instance of
#   source data (e.g., an image or a point cloud).

std_msgs/Header header

# A list of class probabilities. This list need not provide a probability for
#   every possible class, just ones that are nonzero, or above some
#   user-defined threshold.
ObjectHypothesis[] results

# Source data that generated this classification are not a part of the message.
# If you need to access them, use an exact or approximate time synchronizer in
# your code, as this message's header should match the header of the source
# data.
""",
    'vision_msgs/msg/VisionClass': """\
# A key value pair that maps an integer class_id to a string class label
#   in computer vision systems.

# The int value that identifies the class.
# Elements identified with 65535, the maximum uint16 value are assumed
#   to belong to the "UNLABELED" class. For vision pipelines using less
#   than 255 classes the "UNLABELED" is the maximum value in the uint8
#   range.
uint16 class_id

# The name of the class represented by the class_id
string class_name
""",
    'vision_msgs/msg/LabelInfo': """\
# Provides meta-information about a visual pipeline.
#
# This message serves a similar purpose to sensor_msgs/CameraInfo, but instead
#   of being tied to hardware, it represents information about a specific
#   computer vision pipeline. This information stays constant (or relatively
#   constant) over time, and so it is wasteful to send it with each individual
#   result. By listening to these messages, subscribers will receive
#   the context in which published vision messages are to be interpreted.
# Each vision pipeline should publish its LabelInfo messages to its own topic,
#   in a manner similar to CameraInfo.
# This message is meant to allow converting data from vision pipelines that
#   return id based classifications back to human readable string class names.

# Used for sequencing
std_msgs/Header header

# An array of uint16 keys and string values containing the association
#   between class identifiers and their names. According to the amount
#   of classes and the datatype used to store their ids internally, the
#   maxiumum class id allowed (65535 for uint16 and 255 for uint8) belongs to
#   the "UNLABELED" class.
vision_msgs/VisionClass[] class_map

# The value between 0-1 used as confidence threshold for the inference.
float32 threshold
""",
    'vision_msgs/msg/VisionInfo': """\
# Provides meta-information about a visual pipeline.
#
# This message serves a similar purpose to sensor_msgs/CameraInfo, but instead
#   of being tied to hardware, it represents information about a specific
#   computer vision pipeline. This information stays constant (or relatively
#   constant) over time, and so it is wasteful to send it with each individual
#   result. By listening to these messages, subscribers will receive
#   the context in which published vision messages are to be interpreted.
# Each vision pipeline should publish its VisionInfo messages to its own topic,
#   in a manner similar to CameraInfo.

# Used for sequencing
std_msgs/Header header

# Name of the vision pipeline. This should be a value that is meaningful to an
#   outside user.
string method

# Location where the metadata database is stored. The recommended location is
#   as an XML string on the ROS parameter server, but the exact implementation
#   and information is left up to the user.
# The database should store information attached to class ids. Each
#   class id should map to an atomic, visually recognizable element. This
#   definition is intentionally vague to allow extreme flexibility. The
#   elements could be classes in a pixel segmentation algorithm, object classes
#   in a detector, different people's faces in a face detection algorithm, etc.
#   Vision pipelines report results in terms of numeric IDs, which map into
#   this  database.
# The information stored in this database is, again, left up to the user. The
#   database could be as simple as a map from ID to class name, or it could
#   include information such as object meshes or colors to use for
#   visualization.
string database_location

# Metadata database version. This counter is incremented
#   each time the pipeline begins using a new version of the database (useful
#   in the case of online training or user modifications).
#   The counter value can be monitored by listeners to ensure that the pipeline
#   and the listener are using the same metadata.
int32 database_version
""",
}
"""``.msg`` texts of vision_msgs 4.1.x keyed by full type name (``vision_msgs/msg/Detection2D``).

Relative type names inside a text (``ObjectHypothesis``) refer to vision_msgs, as in rosidl.
"""

_LOCK = threading.Lock()
_TYPESTORE = None


def register_vision_msgs(typestore) -> None:
    """
    Register the :data:`VISION_MSGS` types in a rosbags type store.

    :param typestore: a ``rosbags.typesys.store.Typestore`` that already knows std_msgs and
        geometry_msgs (any ROS 2 store does); it is modified in place.
    :raises rosbags.typesys.TypesysError: if a definition cannot be parsed or conflicts with a
        different definition already registered under the same name.
    """
    from rosbags.typesys import get_types_from_msg

    types = {}
    for name, text in VISION_MSGS.items():
        types.update(get_types_from_msg(text, name))
    typestore.register(types)


def make_typestore():
    """
    Return the ROS 2 Humble rosbags type store with vision_msgs registered.

    The store is created on first use and cached for the process; treat it as read-only.

    :return: a ``rosbags.typesys.store.Typestore`` of ``Stores.ROS2_HUMBLE`` plus the
        :data:`VISION_MSGS` types.
    """
    global _TYPESTORE
    with _LOCK:
        if _TYPESTORE is None:
            from rosbags.typesys import get_typestore, Stores

            typestore = get_typestore(Stores.ROS2_HUMBLE)
            register_vision_msgs(typestore)
            _TYPESTORE = typestore
        return _TYPESTORE
