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
Semantics of the rclpy / message stand-ins, checked against ROS 2 Humble behaviour.

Every "Probed behaviour" line of ``ROS_HUMBLE_API.md`` (read on a real Humble install) is a
test here (``test_probed_*``). The tests use only the public rclpy API unless marked
``standin_only`` and assert only what the real rclpy guarantees: DDS discovers and matches
endpoints asynchronously, so they wait for the graph (``wait_for``, ``wait_matched``) before
counting endpoints or publishing. The module is marked ``standins``: where the real rclpy is
importable it runs in a subprocess on the stand-ins (``test_standins_isolation.py``). To check
these tests against the real rclpy, run this module alone with ``JETSON_DNN_STANDINS_IN_PROCESS=1``
in a sourced Humble.
"""

import array
import importlib.util
import inspect

import numpy as np
import pytest
import rclpy
from rclpy.clock import Clock, ClockType, ROSClock
from rclpy.duration import Duration
from rclpy.exceptions import (InvalidParameterTypeException, InvalidParameterValueException,
                              InvalidTopicNameException, NotInitializedException,
                              ParameterAlreadyDeclaredException, ParameterNotDeclaredException,
                              ParameterUninitializedException)
from rclpy.executors import (ExternalShutdownException, MultiThreadedExecutor,
                             SingleThreadedExecutor)
from rclpy.lifecycle import (LifecycleNode, LifecycleState, ManagedEntity, State,
                             TransitionCallbackReturn)
from rclpy.node import Node
from rclpy.parameter import Parameter
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, InvalidQoSProfileException,
                       qos_profile_sensor_data, qos_profile_system_default, QoSPolicyKind,
                       QoSProfile, ReliabilityPolicy)
from rclpy.time import Time

from rosbags_bridge import from_rosbags, message_class, to_rosbags

STANDIN = importlib.util.find_spec('rclpy._standin') is not None
pytestmark = pytest.mark.standins
standin_only = pytest.mark.skipif(not STANDIN, reason='stand-in helper, not in real rclpy')


# ---------------------------------------------------------------------------------- fixtures
@pytest.fixture
def ros():
    """Initialise rclpy; yield a list to which tests append nodes to destroy afterwards."""
    rclpy.init()
    nodes = []
    yield nodes
    for node in nodes:
        node.destroy_node()
    rclpy.try_shutdown()
    if STANDIN:
        from rclpy import _standin
        _standin.reset()


def make(ros, cls, name, **kwargs):
    node = cls(name, **kwargs)
    ros.append(node)
    return node


def spin_until(executor, predicate, timeout=10.0):
    """Spin until ``predicate()`` holds (at most ``timeout`` s); return its final value."""
    import time
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        executor.spin_once(timeout_sec=0.01)
    return predicate()


def wait_for(predicate, timeout=10.0):
    """
    Wait, without spinning, until ``predicate()`` holds; return its final value.

    DDS discovers and matches endpoints asynchronously: graph counts right after creating an
    endpoint, or a message published before its subscription is matched, are not guaranteed by
    the real rclpy, so the tests wait for the graph instead of asserting it at once.
    """
    import threading
    import time
    pause = threading.Event()
    end = time.monotonic() + timeout
    while not predicate() and time.monotonic() < end:
        pause.wait(0.01)
    return predicate()


def wait_matched(publisher, count=1):
    """Wait until ``publisher`` is matched with ``count`` subscriptions (then messages arrive)."""
    assert wait_for(lambda: publisher.get_subscription_count() >= count), (
        f'{publisher.topic_name}: {publisher.get_subscription_count()} of {count} matched')


def drain(executor, rounds=50):
    for _ in range(rounds):
        executor.spin_once(timeout_sec=0.001)


def executor_with(*nodes):
    executor = SingleThreadedExecutor()
    for node in nodes:
        executor.add_node(node)
    return executor


def string_msg(text):
    from std_msgs.msg import String
    return String(data=text)


# ---------------------------------------------------------------------------------- messages
MESSAGE_SPECS = {
    'std_msgs/msg/Header': [('stamp', 'builtin_interfaces/Time'), ('frame_id', 'string')],
    'builtin_interfaces/msg/Time': [('sec', 'int32'), ('nanosec', 'uint32')],
    'sensor_msgs/msg/Image': [
        ('header', 'std_msgs/Header'), ('height', 'uint32'), ('width', 'uint32'),
        ('encoding', 'string'), ('is_bigendian', 'uint8'), ('step', 'uint32'),
        ('data', 'sequence<uint8>')],
    'sensor_msgs/msg/CompressedImage': [
        ('header', 'std_msgs/Header'), ('format', 'string'), ('data', 'sequence<uint8>')],
    'sensor_msgs/msg/CameraInfo': [
        ('header', 'std_msgs/Header'), ('height', 'uint32'), ('width', 'uint32'),
        ('distortion_model', 'string'), ('d', 'sequence<double>'), ('k', 'double[9]'),
        ('r', 'double[9]'), ('p', 'double[12]'), ('binning_x', 'uint32'),
        ('binning_y', 'uint32'), ('roi', 'sensor_msgs/RegionOfInterest')],
    'sensor_msgs/msg/RegionOfInterest': [
        ('x_offset', 'uint32'), ('y_offset', 'uint32'), ('height', 'uint32'),
        ('width', 'uint32'), ('do_rectify', 'boolean')],
    'sensor_msgs/msg/PointCloud2': [
        ('header', 'std_msgs/Header'), ('height', 'uint32'), ('width', 'uint32'),
        ('fields', 'sequence<sensor_msgs/PointField>'), ('is_bigendian', 'boolean'),
        ('point_step', 'uint32'), ('row_step', 'uint32'), ('data', 'sequence<uint8>'),
        ('is_dense', 'boolean')],
    'sensor_msgs/msg/PointField': [
        ('name', 'string'), ('offset', 'uint32'), ('datatype', 'uint8'), ('count', 'uint32')],
    'vision_msgs/msg/Detection2DArray': [
        ('header', 'std_msgs/Header'), ('detections', 'sequence<vision_msgs/Detection2D>')],
    'vision_msgs/msg/Detection2D': [
        ('header', 'std_msgs/Header'),
        ('results', 'sequence<vision_msgs/ObjectHypothesisWithPose>'),
        ('bbox', 'vision_msgs/BoundingBox2D'), ('id', 'string')],
    'vision_msgs/msg/BoundingBox2D': [
        ('center', 'vision_msgs/Pose2D'), ('size_x', 'double'), ('size_y', 'double')],
    'vision_msgs/msg/Pose2D': [('position', 'vision_msgs/Point2D'), ('theta', 'double')],
    'vision_msgs/msg/Point2D': [('x', 'double'), ('y', 'double')],
    'vision_msgs/msg/ObjectHypothesisWithPose': [
        ('hypothesis', 'vision_msgs/ObjectHypothesis'),
        ('pose', 'geometry_msgs/PoseWithCovariance')],
    'vision_msgs/msg/ObjectHypothesis': [('class_id', 'string'), ('score', 'double')],
    'vision_msgs/msg/Classification': [
        ('header', 'std_msgs/Header'), ('results', 'sequence<vision_msgs/ObjectHypothesis>')],
    'vision_msgs/msg/LabelInfo': [
        ('header', 'std_msgs/Header'), ('class_map', 'sequence<vision_msgs/VisionClass>'),
        ('threshold', 'float')],
    'vision_msgs/msg/VisionClass': [('class_id', 'uint16'), ('class_name', 'string')],
    'vision_msgs/msg/VisionInfo': [
        ('header', 'std_msgs/Header'), ('method', 'string'), ('database_location', 'string'),
        ('database_version', 'int32')],
    'geometry_msgs/msg/PoseWithCovariance': [
        ('pose', 'geometry_msgs/Pose'), ('covariance', 'double[36]')],
    'diagnostic_msgs/msg/DiagnosticArray': [
        ('header', 'std_msgs/Header'), ('status', 'sequence<diagnostic_msgs/DiagnosticStatus>')],
    'diagnostic_msgs/msg/DiagnosticStatus': [
        ('level', 'octet'), ('name', 'string'), ('message', 'string'),
        ('hardware_id', 'string'), ('values', 'sequence<diagnostic_msgs/KeyValue>')],
    'diagnostic_msgs/msg/KeyValue': [('key', 'string'), ('value', 'string')],
    'lifecycle_msgs/msg/State': [('id', 'uint8'), ('label', 'string')],
    'lifecycle_msgs/msg/Transition': [('id', 'uint8'), ('label', 'string')],
    'lifecycle_msgs/msg/TransitionEvent': [
        ('timestamp', 'uint64'), ('transition', 'lifecycle_msgs/Transition'),
        ('start_state', 'lifecycle_msgs/State'), ('goal_state', 'lifecycle_msgs/State')],
    'rcl_interfaces/msg/ParameterDescriptor': [
        ('name', 'string'), ('type', 'uint8'), ('description', 'string'),
        ('additional_constraints', 'string'), ('read_only', 'boolean'),
        ('dynamic_typing', 'boolean'),
        ('floating_point_range', 'sequence<rcl_interfaces/FloatingPointRange, 1>'),
        ('integer_range', 'sequence<rcl_interfaces/IntegerRange, 1>')],
    'rcl_interfaces/msg/FloatingPointRange': [
        ('from_value', 'double'), ('to_value', 'double'), ('step', 'double')],
    'rcl_interfaces/msg/IntegerRange': [
        ('from_value', 'int64'), ('to_value', 'int64'), ('step', 'uint64')],
    'rcl_interfaces/msg/SetParametersResult': [('successful', 'boolean'), ('reason', 'string')],
}


def _default_ok(type_str, value):
    if type_str in ('sequence<uint8>', 'sequence<double>'):
        code = 'B' if type_str.endswith('uint8>') else 'd'
        return isinstance(value, array.array) and value.typecode == code and len(value) == 0
    if type_str.startswith('double['):
        size = int(type_str[7:-1])
        return (isinstance(value, np.ndarray) and value.dtype == np.float64 and
                value.shape == (size, ) and not value.any())
    if type_str.startswith('sequence<'):
        return value == []
    if '/' in type_str:
        return value == message_class(type_str.replace('/', '/msg/'))()
    expected = {'string': '', 'boolean': False, 'octet': b'\x00', 'double': 0.0,
                'float': 0.0}.get(type_str, 0)
    return type(value) is type(expected) and value == expected


@pytest.mark.parametrize('type_name', sorted(MESSAGE_SPECS))
def test_message_fields_types_and_defaults(type_name):
    cls = message_class(type_name)
    assert list(cls.get_fields_and_field_types().items()) == MESSAGE_SPECS[type_name]
    msg = cls()
    for name, type_str in MESSAGE_SPECS[type_name]:
        assert _default_ok(type_str, getattr(msg, name)), (name, getattr(msg, name))


def test_probed_image_data_numpy_raises():
    from sensor_msgs.msg import Image
    msg = Image()
    with pytest.raises(AssertionError):
        msg.data = np.zeros(6, dtype=np.uint8)


@pytest.mark.parametrize('value', [b'\x01\x02\x03', [1, 2, 3], array.array('B', [1, 2, 3])],
                         ids=['bytes', 'list', 'array'])
def test_probed_image_data_accepted_and_stored_as_array(value):
    from sensor_msgs.msg import Image
    msg = Image()
    msg.data = value
    assert isinstance(msg.data, array.array) and msg.data.typecode == 'B'
    assert list(msg.data) == [1, 2, 3]
    if isinstance(value, array.array):
        assert msg.data is value  # stored as is: no copy


def test_probed_image_height_negative_raises():
    from sensor_msgs.msg import Image
    with pytest.raises(AssertionError):
        Image().height = -1


def test_probed_image_encoding_int_raises():
    from sensor_msgs.msg import Image
    with pytest.raises(AssertionError):
        Image().encoding = 5


def test_constructor_copies_data_and_builds_array_from_bytes():
    from sensor_msgs.msg import Image
    data = array.array('B', b'abcd')
    msg = Image(data=data)
    assert msg.data == data and msg.data is not data
    assert Image(data=b'xyz').data == array.array('B', b'xyz')


@pytest.mark.parametrize('field, value', [
    ('height', 2 ** 32), ('height', 1.0), ('height', np.int64(3)), ('encoding', b'rgb8'),
    ('is_bigendian', 256), ('header', 'frame'), ('data', [256]), ('data', 'abc'),
    ('data', array.array('H', [1]))])
def test_setters_reject_wrong_types(field, value):
    from sensor_msgs.msg import Image
    with pytest.raises(AssertionError):
        setattr(Image(), field, value)


def test_float_fields_take_python_and_numpy_float64_only():
    from vision_msgs.msg import ObjectHypothesis
    msg = ObjectHypothesis(score=0.5)
    msg.score = np.float64(0.25)
    assert msg.score == 0.25
    for bad in (1, np.float32(0.5), '0.5'):
        with pytest.raises(AssertionError):
            msg.score = bad


def test_unknown_keyword_and_attribute_rejected():
    from sensor_msgs.msg import Image
    with pytest.raises(AssertionError, match='Invalid arguments passed to constructor: colour'):
        Image(colour='red')
    with pytest.raises(AttributeError):
        Image().colour = 'red'


def test_fixed_size_arrays_are_numpy_and_checked():
    from sensor_msgs.msg import CameraInfo
    info = CameraInfo(k=[float(i) for i in range(9)])
    assert isinstance(info.k, np.ndarray) and info.k.dtype == np.float64
    assert info.k[8] == 8.0
    info.p = np.arange(12, dtype=np.float64)
    assert info.p[11] == 11.0
    with pytest.raises(AssertionError):
        info.k = [0.0] * 8
    with pytest.raises(AssertionError):
        info.k = np.zeros(9, dtype=np.float32)
    info.d = [0.1, 0.2]
    assert isinstance(info.d, array.array) and info.d.typecode == 'd'
    with pytest.raises(AssertionError):
        info.d = [1, 2]


def test_nested_and_sequence_fields_check_element_types():
    from diagnostic_msgs.msg import DiagnosticArray, DiagnosticStatus, KeyValue
    from rcl_interfaces.msg import FloatingPointRange, ParameterDescriptor
    status = DiagnosticStatus(values=[KeyValue(key='a', value='b')])
    assert [(v.key, v.value) for v in status.values] == [('a', 'b')]
    with pytest.raises(AssertionError):
        DiagnosticStatus(values=[('a', 'b')])
    with pytest.raises(AssertionError):
        DiagnosticArray(status=[KeyValue()])
    with pytest.raises(AssertionError):  # sequence<..., 1> is bounded
        ParameterDescriptor(floating_point_range=[FloatingPointRange()] * 2)


def test_octet_field_takes_one_byte():
    from diagnostic_msgs.msg import DiagnosticStatus
    status = DiagnosticStatus(level=DiagnosticStatus.WARN)
    assert status.level == b'\x01'
    with pytest.raises(AssertionError):
        status.level = 2
    with pytest.raises(AssertionError):
        status.level = b'\x01\x02'


def test_constants():
    from diagnostic_msgs.msg import DiagnosticStatus
    from lifecycle_msgs.msg import State as StateMsg, Transition
    from rcl_interfaces.msg import ParameterDescriptor
    from sensor_msgs.msg import PointField
    assert (PointField.INT8, PointField.UINT8, PointField.INT16, PointField.UINT16,
            PointField.INT32, PointField.UINT32, PointField.FLOAT32,
            PointField.FLOAT64) == (1, 2, 3, 4, 5, 6, 7, 8)
    assert PointField().FLOAT32 == 7
    assert (DiagnosticStatus.OK, DiagnosticStatus.WARN, DiagnosticStatus.ERROR,
            DiagnosticStatus.STALE) == (b'\x00', b'\x01', b'\x02', b'\x03')
    assert (StateMsg.PRIMARY_STATE_UNCONFIGURED, StateMsg.PRIMARY_STATE_INACTIVE,
            StateMsg.PRIMARY_STATE_ACTIVE, StateMsg.PRIMARY_STATE_FINALIZED) == (1, 2, 3, 4)
    assert StateMsg.TRANSITION_STATE_ERRORPROCESSING == 15
    assert (Transition.TRANSITION_CONFIGURE, Transition.TRANSITION_CALLBACK_SUCCESS,
            Transition.TRANSITION_CALLBACK_FAILURE,
            Transition.TRANSITION_CALLBACK_ERROR) == (1, 97, 98, 99)
    assert Transition.TRANSITION_ON_ERROR_FAILURE == 61
    assert ParameterDescriptor.READ_ONLY__DEFAULT is False
    assert ParameterDescriptor.DYNAMIC_TYPING__DEFAULT is False
    with pytest.raises(AttributeError):
        PointField.FLOAT32 = 3


def test_explicit_msg_defaults():
    from geometry_msgs.msg import Pose, Quaternion
    assert Quaternion().w == 1.0 and Quaternion().x == 0.0
    assert Pose().orientation.w == 1.0


def test_eq_repr_and_unhashable():
    from sensor_msgs.msg import Image
    a = Image(height=2, encoding='mono8', data=b'\x01\x02')
    b = Image(height=2, encoding='mono8', data=[1, 2])
    assert a == b and a != Image()
    assert a != 'Image'
    text = repr(a)
    assert text.startswith('sensor_msgs.msg.Image(header=std_msgs.msg.Header(stamp='
                           'builtin_interfaces.msg.Time(sec=0, nanosec=0), frame_id=')
    assert "encoding='mono8'" in text and 'data=[1, 2])' in text
    assert 'data=[])' in repr(Image())
    with pytest.raises(TypeError):
        hash(a)


def _wire_types():
    from jetson_dnn_ros.msgdefs import make_typestore
    packages = ('std_msgs', 'builtin_interfaces', 'sensor_msgs', 'geometry_msgs',
                'vision_msgs', 'diagnostic_msgs', 'lifecycle_msgs', 'rcl_interfaces')
    return sorted(name for name in make_typestore().fielddefs
                  if name.split('/')[0] in packages and '/msg/' in name)


@pytest.mark.parametrize('type_name', _wire_types())
def test_default_message_round_trips_through_rosbags_cdr(type_name):
    from jetson_dnn_ros.msgdefs import make_typestore
    store = make_typestore()
    msg = message_class(type_name)()
    raw = store.serialize_cdr(to_rosbags(msg, store), type_name)
    assert from_rosbags(store.deserialize_cdr(raw, type_name), store) == msg


def test_populated_messages_round_trip_through_rosbags_cdr():
    from diagnostic_msgs.msg import DiagnosticStatus, KeyValue
    from jetson_dnn_ros.msgdefs import make_typestore
    from rcl_interfaces.msg import ParameterValue
    from sensor_msgs.msg import CameraInfo, Image
    store = make_typestore()
    messages = [
        Image(height=2, width=3, encoding='rgb8', step=9, data=bytes(range(18))),
        CameraInfo(d=[0.1, -0.2], k=[float(i) for i in range(9)], distortion_model='plumb_bob'),
        DiagnosticStatus(level=b'\x02', name='n', values=[KeyValue(key='k', value='v')]),
        ParameterValue(type=5, byte_array_value=[b'a', b'\x00'], bool_array_value=[True, False],
                       integer_array_value=[-1, 2 ** 40], string_array_value=['x', 'y']),
    ]
    for msg in messages:
        name = f'{type(msg).__module__.split(".")[0]}/msg/{type(msg).__name__}'
        raw = store.serialize_cdr(to_rosbags(msg, store), name)
        back = from_rosbags(store.deserialize_cdr(raw, name), store)
        assert back == msg
        assert repr(back) == repr(msg)


# ---------------------------------------------------------------------------------- time, QoS
def test_time_and_duration():
    t = Time(seconds=1.5, clock_type=ClockType.ROS_TIME)
    assert t.nanoseconds == 1_500_000_000
    msg = t.to_msg()
    assert (msg.sec, msg.nanosec) == (1, 500_000_000)
    back = Time.from_msg(msg)
    assert back == t and back.clock_type == ClockType.ROS_TIME
    assert (t - Time(seconds=1, clock_type=ClockType.ROS_TIME)) == Duration(nanoseconds=5 * 10**8)
    assert (t + Duration(seconds=1)).nanoseconds == 2_500_000_000
    with pytest.raises(TypeError):
        t - Time(seconds=1)  # SYSTEM_TIME
    with pytest.raises(TypeError):
        t == 5
    with pytest.raises(ValueError):
        Time(seconds=-1)
    assert Duration(seconds=-1).nanoseconds == -10**9
    assert Duration(seconds=2, nanoseconds=5).to_msg().nanosec == 5


def test_clocks():
    assert Clock().clock_type == ClockType.SYSTEM_TIME
    assert isinstance(Clock(clock_type=ClockType.ROS_TIME), ROSClock)
    steady = Clock(clock_type=ClockType.STEADY_TIME)
    assert steady.now() <= steady.now()
    assert ROSClock().ros_time_is_active is False


def test_qos_profiles():
    assert qos_profile_sensor_data.depth == 5
    assert qos_profile_sensor_data.history == HistoryPolicy.KEEP_LAST
    assert qos_profile_sensor_data.reliability == ReliabilityPolicy.BEST_EFFORT
    assert qos_profile_sensor_data.durability == DurabilityPolicy.VOLATILE
    assert qos_profile_system_default.reliability == ReliabilityPolicy.SYSTEM_DEFAULT
    profile = QoSProfile(depth=1)
    assert (profile.history, profile.reliability, profile.durability) == (
        HistoryPolicy.KEEP_LAST, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE)
    with pytest.raises(InvalidQoSProfileException):
        QoSProfile()
    with pytest.raises(InvalidQoSProfileException):
        QoSProfile(history=HistoryPolicy.KEEP_LAST)
    assert QoSProfile(depth=1) == QoSProfile(depth=1, reliability=1)


def test_exports():
    import rclpy.lifecycle
    import rclpy.qos
    for name in ('DurabilityPolicy', 'HistoryPolicy', 'LivelinessPolicy', 'QoSDurabilityPolicy',
                 'QoSHistoryPolicy', 'QoSLivelinessPolicy', 'QoSPolicyEnum', 'QoSPolicyKind',
                 'QoSReliabilityPolicy', 'ReliabilityPolicy', 'qos_profile_action_status_default',
                 'qos_profile_parameter_events', 'qos_profile_parameters',
                 'qos_profile_sensor_data', 'qos_profile_services_default',
                 'qos_profile_system_default', 'qos_profile_unknown'):
        assert hasattr(rclpy.qos, name), name
    for name in ('LifecycleNode', 'LifecycleNodeMixin', 'LifecyclePublisher', 'LifecycleState',
                 'ManagedEntity', 'Node', 'NodeMixin', 'Publisher', 'SimpleManagedEntity',
                 'State', 'TransitionCallbackReturn'):
        assert hasattr(rclpy.lifecycle, name), name
    # a pybind11 enum upstream: not iterable, its names are in __members__
    assert sorted(TransitionCallbackReturn.__members__) == ['ERROR', 'FAILURE', 'SUCCESS']
    assert LifecycleState._fields == ('label', 'state_id')
    assert State is LifecycleState
    assert [t.name for t in Parameter.Type] == [
        'NOT_SET', 'BOOL', 'INTEGER', 'DOUBLE', 'STRING', 'BYTE_ARRAY', 'BOOL_ARRAY',
        'INTEGER_ARRAY', 'DOUBLE_ARRAY', 'STRING_ARRAY']


@pytest.mark.parametrize('function, names', [
    (Node.declare_parameter, ['self', 'name', 'value', 'descriptor', 'ignore_override']),
    (Node.declare_parameters, ['self', 'namespace', 'parameters', 'ignore_override']),
    (Node.set_parameters, ['self', 'parameter_list']),
    (Node.create_publisher, ['self', 'msg_type', 'topic', 'qos_profile', 'callback_group',
                             'event_callbacks', 'qos_overriding_options', 'publisher_class']),
    (Node.create_subscription, ['self', 'msg_type', 'topic', 'callback', 'qos_profile',
                                'callback_group', 'event_callbacks', 'qos_overriding_options',
                                'raw']),
    (Node.create_timer, ['self', 'timer_period_sec', 'callback', 'callback_group', 'clock']),
    (LifecycleNode.__init__, ['self', 'node_name', 'enable_communication_interface', 'kwargs']),
    (rclpy.init, ['args', 'context', 'domain_id', 'signal_handler_options']),
    (rclpy.spin_once, ['node', 'executor', 'timeout_sec']),
])
def test_signatures(function, names):
    assert list(inspect.signature(function).parameters) == names


def test_node_accepts_parameter_overrides_keyword():
    params = inspect.signature(Node.__init__).parameters
    assert params['parameter_overrides'].kind == inspect.Parameter.KEYWORD_ONLY
    assert params['parameter_overrides'].default is None


# ---------------------------------------------------------------------------------- context
def test_context_init_shutdown_rules():
    rclpy.init()
    try:
        with pytest.raises(RuntimeError):
            rclpy.init()
        assert rclpy.ok()
    finally:
        rclpy.shutdown()
    assert not rclpy.ok()
    rclpy.try_shutdown()  # no error
    rclpy.init()  # a new default context
    assert rclpy.ok()
    rclpy.shutdown()


def test_node_needs_init():
    rclpy.try_shutdown()
    with pytest.raises(NotInitializedException):
        Node('orphan')


def test_publish_after_shutdown_raises(ros):
    node = make(ros, Node, 'late')
    pub = node.create_publisher(type(string_msg('')), 'chatter', 10)
    rclpy.shutdown()
    with pytest.raises(RuntimeError):
        pub.publish(string_msg('too late'))


# ---------------------------------------------------------------------------------- parameters
def test_probed_wrong_type_returns_unsuccessful_result_and_keeps_value(ros):
    node = make(ros, Node, 'params')
    node.declare_parameter('threshold', 1.0)
    results = node.set_parameters([Parameter('threshold', value='high')])
    assert repr(results[0]) == (
        'rcl_interfaces.msg.SetParametersResult(successful=False, '
        "reason=\"Wrong parameter type, expected 'Type.DOUBLE' got 'Type.STRING'\")")
    assert node.get_parameter('threshold').value == 1.0


def test_probed_get_undeclared_parameter_raises(ros):
    node = make(ros, Node, 'params')
    with pytest.raises(ParameterNotDeclaredException):
        node.get_parameter('nope')
    with pytest.raises(ParameterNotDeclaredException):
        node.set_parameters([Parameter('nope', value=1)])


def test_int_is_not_a_double(ros):
    node = make(ros, Node, 'params')
    node.declare_parameter('alpha', 0.5)
    result, = node.set_parameters([Parameter('alpha', value=1)])
    assert not result.successful
    assert result.reason == "Wrong parameter type, expected 'Type.DOUBLE' got 'Type.INTEGER'"


def test_parameter_overrides_keyword(ros):
    node = make(ros, Node, 'params', parameter_overrides=[
        Parameter('rate', value=5.0), Parameter('name', value='cam')])
    assert node.declare_parameter('rate', 1.0).value == 5.0
    assert node.declare_parameter('name', 'x', ignore_override=True).value == 'x'
    assert node.get_parameter('use_sim_time').value is False


def test_override_of_wrong_type_raises_at_declare(ros):
    node = make(ros, Node, 'params', parameter_overrides=[Parameter('rate', value='fast')])
    with pytest.raises(InvalidParameterTypeException):
        node.declare_parameter('rate', 1.0)


def test_cli_args_parameter_and_remap(ros):
    node = make(ros, Node, 'cli', cli_args=['--ros-args', '-p', 'depth:=3', '-r',
                                            'image:=/camera/color'])
    assert node.declare_parameter('depth', 1).value == 3
    pub = node.create_publisher(type(string_msg('')), 'image', 1)
    assert pub.topic_name == '/camera/color'


def test_floating_point_range(ros):
    from rcl_interfaces.msg import FloatingPointRange, ParameterDescriptor
    node = make(ros, Node, 'params')
    descriptor = ParameterDescriptor(floating_point_range=[
        FloatingPointRange(from_value=0.0, to_value=1.0, step=0.0)])
    node.declare_parameter('score', 0.5, descriptor)
    result, = node.set_parameters([Parameter('score', value=1.5)])
    assert not result.successful
    assert result.reason == 'Parameter score out of range Min: 0.0, Max: 1.0, value: 1.5'
    assert node.get_parameter('score').value == 0.5
    assert node.set_parameters([Parameter('score', value=1.0)])[0].successful
    with pytest.raises(InvalidParameterValueException):
        node.declare_parameter('other', 2.0, ParameterDescriptor(floating_point_range=[
            FloatingPointRange(from_value=0.0, to_value=1.0, step=0.0)]))


def test_integer_range_with_step(ros):
    from rcl_interfaces.msg import IntegerRange, ParameterDescriptor
    node = make(ros, Node, 'params')
    node.declare_parameter('top_k', 4, ParameterDescriptor(integer_range=[
        IntegerRange(from_value=0, to_value=10, step=2)]))
    result, = node.set_parameters([Parameter('top_k', value=3)])
    assert result.reason.startswith('The parameter value for top_k is not a valid step.')
    assert not node.set_parameters([Parameter('top_k', value=12)])[0].successful
    assert node.set_parameters([Parameter('top_k', value=8)])[0].successful
    assert node.get_parameter('top_k').value == 8


def test_read_only_parameter(ros):
    from rcl_interfaces.msg import ParameterDescriptor
    node = make(ros, Node, 'params', parameter_overrides=[Parameter('model', value='b.onnx')])
    value = node.declare_parameter('model', 'a.onnx', ParameterDescriptor(read_only=True))
    assert value.value == 'b.onnx'  # overrides apply at declaration
    result, = node.set_parameters([Parameter('model', value='c.onnx')])
    assert (result.successful, result.reason) == (
        False, 'Trying to set a read-only parameter: model.')


def test_on_set_parameters_callbacks_newest_first_and_can_reject(ros):
    from rcl_interfaces.msg import SetParametersResult
    node = make(ros, Node, 'params')
    node.declare_parameter('a', 1)
    calls = []

    def first(params):
        calls.append('first')
        return SetParametersResult(successful=True)

    def second(params):
        calls.append('second')
        return SetParametersResult(successful=params[0].value < 10, reason='too big')

    node.add_on_set_parameters_callback(first)
    node.add_on_set_parameters_callback(second)
    result, = node.set_parameters([Parameter('a', value=20)])
    assert (result.successful, result.reason, calls) == (False, 'too big', ['second'])
    assert node.get_parameter('a').value == 1
    assert node.set_parameters([Parameter('a', value=2)])[0].successful
    assert calls[1:] == ['second', 'first']


def test_static_types_and_uninitialized(ros):
    from rcl_interfaces.msg import ParameterDescriptor
    node = make(ros, Node, 'params')
    node.declare_parameter('path', Parameter.Type.STRING)
    with pytest.raises(ParameterUninitializedException):
        node.get_parameter('path')
    assert node.set_parameters([Parameter('path', value='/x')])[0].successful
    node.declare_parameter('sizes', [])  # [] infers BYTE_ARRAY on Humble
    assert node.get_parameter('sizes').type_ == Parameter.Type.BYTE_ARRAY
    assert not node.set_parameters([Parameter('sizes', value=[1.0])])[0].successful
    node.declare_parameter('dyn', [], ParameterDescriptor(dynamic_typing=True))
    assert node.set_parameters([Parameter('dyn', value=[1.0, 2.0])])[0].successful
    with pytest.raises(ParameterAlreadyDeclaredException):
        node.declare_parameter('path', 'y')


def test_declare_parameters_with_namespace(ros):
    node = make(ros, Node, 'params')
    declared = node.declare_parameters('overlay', [('alpha', 0.5), ('enabled', True)])
    assert [p.name for p in declared] == ['overlay.alpha', 'overlay.enabled']
    assert sorted(node.get_parameters_by_prefix('overlay')) == ['alpha', 'enabled']
    assert node.get_parameter('overlay.enabled').type_ == Parameter.Type.BOOL


def test_parameter_class():
    assert Parameter('a', value=1).type_ == Parameter.Type.INTEGER
    assert Parameter('a', value=[1.0]).type_ == Parameter.Type.DOUBLE_ARRAY
    with pytest.raises(ValueError):
        Parameter('a', Parameter.Type.DOUBLE, 1)
    with pytest.raises(TypeError):
        Parameter('a', value=np.int64(1))
    msg = Parameter('a', value=['x', 'y']).to_parameter_msg()
    back = Parameter.from_parameter_msg(msg)
    assert (back.name, back.type_) == ('a', Parameter.Type.STRING_ARRAY)
    assert list(back.value) == ['x', 'y']


def test_parameter_events_are_published(ros):
    from rcl_interfaces.msg import ParameterEvent
    node = make(ros, Node, 'params', namespace='ns')
    probe = make(ros, Node, 'probe')
    events = []
    probe.create_subscription(ParameterEvent, '/parameter_events', events.append, 10)
    node.declare_parameter('a', 1)
    executor = executor_with(node, probe)
    values = iter(range(2, 10 ** 6))

    def changed():  # events before the subscription is matched are lost: set again until seen
        if any(e.node == '/ns/params' and e.changed_parameters for e in events):
            return True
        node.set_parameters([Parameter('a', value=next(values))])
        return False

    assert spin_until(executor, changed)


# ---------------------------------------------------------------------------------- graph
def test_names_namespaces_and_counts(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'detector', namespace='cam')
    assert (node.get_name(), node.get_namespace()) == ('detector', '/cam')
    assert node.get_fully_qualified_name() == '/cam/detector'
    assert node.get_logger().name == 'cam.detector'
    assert node.create_publisher(String, 'image', 1).topic_name == '/cam/image'
    assert node.create_publisher(String, '~/debug', 1).topic_name == '/cam/detector/debug'
    assert node.create_publisher(String, '/abs', 1).topic_name == '/abs'
    other = make(ros, Node, 'viewer')
    other.create_subscription(String, '/cam/image', lambda m: None, 1)
    assert wait_for(lambda: node.count_subscribers('image') == 1)   # discovery is async
    assert wait_for(lambda: other.count_publishers('/cam/image') == 1)
    assert other.count_publishers('image') == 0  # relative to '/': '/image'
    with pytest.raises(InvalidTopicNameException):
        node.create_publisher(String, 'bad name', 1)


def test_delivery_is_a_copy_and_needs_spinning(ros):
    from std_msgs.msg import String
    talker = make(ros, Node, 'talker')
    listener = make(ros, Node, 'listener')
    got = []
    listener.create_subscription(String, 'chatter', got.append, 10)
    pub = talker.create_publisher(String, 'chatter', 10)
    wait_matched(pub)
    msg = String(data='hello')
    pub.publish(msg)
    assert got == []
    assert spin_until(executor_with(talker, listener), lambda: got)
    assert got[0] == msg and got[0] is not msg
    with pytest.raises(TypeError):
        pub.publish('hello')


def test_reliable_subscription_ignores_best_effort_publisher(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'qos')
    reliable, best_effort = [], []
    node.create_subscription(String, 'img', reliable.append, QoSProfile(depth=10))
    node.create_subscription(String, 'img', best_effort.append, qos_profile_sensor_data)
    pub = node.create_publisher(String, 'img', qos_profile_sensor_data)
    # the graph has both subscriptions, the best-effort publisher is matched with one
    assert wait_for(lambda: node.count_subscribers('img') == 2)
    wait_matched(pub, 1)
    assert pub.get_subscription_count() == 1
    pub.publish(string_msg('frame'))
    executor = executor_with(node)
    assert spin_until(executor, lambda: best_effort)
    drain(executor)
    assert reliable == []
    reliable_pub = node.create_publisher(String, 'img', 10)
    wait_matched(reliable_pub, 2)
    reliable_pub.publish(string_msg('second'))
    assert spin_until(executor, lambda: reliable)
    assert reliable[0].data == 'second'


def test_incompatible_qos_event_callback(ros):
    from rclpy.qos_event import SubscriptionEventCallbacks
    from std_msgs.msg import String
    node = make(ros, Node, 'qos')
    events = []
    node.create_subscription(String, 'img', lambda m: None, QoSProfile(depth=1),
                             event_callbacks=SubscriptionEventCallbacks(
                                 incompatible_qos=events.append))
    node.create_publisher(String, 'img', qos_profile_sensor_data)
    assert spin_until(executor_with(node), lambda: events)
    assert int(events[0].last_policy_kind) == QoSPolicyKind.RELIABILITY


def test_transient_local_replays_last_depth_messages_to_late_joiners(ros):
    from std_msgs.msg import String
    latched = QoSProfile(depth=2, durability=DurabilityPolicy.TRANSIENT_LOCAL)
    talker = make(ros, Node, 'talker')
    pub = talker.create_publisher(String, 'label_info', latched)
    for text in ('a', 'b', 'c'):
        pub.publish(string_msg(text))
    listener = make(ros, Node, 'listener')
    late, volatile = [], []
    listener.create_subscription(String, 'label_info', lambda m: late.append(m.data), latched)
    listener.create_subscription(String, 'label_info', lambda m: volatile.append(m.data), 10)
    executor = executor_with(talker, listener)
    assert spin_until(executor, lambda: len(late) == 2)
    drain(executor)
    assert (late, volatile) == (['b', 'c'], [])


def test_transient_local_subscription_does_not_match_volatile_publisher(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'qos')
    got = []
    node.create_subscription(
        String, 'x', got.append,
        QoSProfile(depth=1, durability=DurabilityPolicy.TRANSIENT_LOCAL))
    node.create_publisher(String, 'x', 10).publish(string_msg('lost'))
    drain(executor_with(node))
    assert got == []


def test_keep_last_depth_one_keeps_only_the_latest(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'depth')
    latest, everything = [], []
    depth_one = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)
    node.create_subscription(String, 'frames', lambda m: latest.append(m.data), depth_one)
    node.create_subscription(String, 'frames', lambda m: everything.append(m.data),
                             QoSProfile(history=HistoryPolicy.KEEP_ALL,
                                        reliability=ReliabilityPolicy.BEST_EFFORT))
    pub = node.create_publisher(String, 'frames', depth_one)
    wait_matched(pub, 2)
    for i in range(3):
        pub.publish(string_msg(str(i)))
    executor = executor_with(node)
    assert spin_until(executor, lambda: len(everything) == 3 and latest[-1:] == ['2'])
    drain(executor)
    assert everything == ['0', '1', '2']
    # what arrived before the first take is replaced by newer messages: upstream guarantees
    # only an ordered subset ending with the newest; the stand-in keeps the newest alone
    assert latest == sorted(set(latest)) and set(latest) <= {'0', '1', '2'}
    if STANDIN:
        assert latest == ['2']


@standin_only
def test_spin_once_runs_one_callback(ros):
    from rclpy import _standin
    from std_msgs.msg import String
    node = make(ros, Node, 'once')
    got = []
    sub = node.create_subscription(String, 't', got.append, 10)
    pub = node.create_publisher(String, 't', 10)
    pub.publish(string_msg('1'))
    pub.publish(string_msg('2'))
    assert _standin.pending(sub) == 2
    executor = executor_with(node)
    executor.spin_once(timeout_sec=0)
    assert len(got) == 1 and _standin.pending(sub) == 1
    assert _standin.spin_until_idle(executor) == 1 and len(got) == 2


def test_callback_exception_propagates_from_spin_once(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'boom')

    def fail(msg):
        raise ValueError('bad frame')

    node.create_subscription(String, 't', fail, 10)
    pub = node.create_publisher(String, 't', 10)
    wait_matched(pub)
    pub.publish(string_msg('x'))
    executor = executor_with(node)
    with pytest.raises(ValueError, match='bad frame'):
        for _ in range(1000):
            executor.spin_once(timeout_sec=0.01)


def test_destroy_entities_and_node(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'tmp')
    probe = make(ros, Node, 'probe')
    sub = node.create_subscription(String, '/t', lambda m: None, 10)
    pub = node.create_publisher(String, '/t', 10)
    assert wait_for(lambda: probe.count_subscribers('/t') == 1)   # the graph is updated
    assert node.destroy_subscription(sub) is True                  # asynchronously, both ways
    assert node.destroy_subscription(sub) is False
    assert wait_for(lambda: probe.count_subscribers('/t') == 0)
    assert node.destroy_publisher(pub) is True
    node.create_publisher(String, '/t', 10)
    assert wait_for(lambda: probe.count_publishers('/t') == 1)
    ros.remove(node)
    node.destroy_node()
    assert wait_for(lambda: probe.count_publishers('/t') == 0)


# ---------------------------------------------------------------------------------- timers
def test_timer_fires_from_the_executor(ros):
    node = make(ros, Node, 'timer')
    ticks = []
    timer = node.create_timer(0.001, lambda: ticks.append(1))
    executor = executor_with(node)
    assert spin_until(executor, lambda: len(ticks) >= 3)
    timer.cancel()
    assert timer.is_canceled()
    count = len(ticks)
    drain(executor, rounds=5)
    assert len(ticks) == count
    timer.reset()
    assert spin_until(executor, lambda: len(ticks) > count)


def test_timer_follows_simulated_time(ros):
    from rosgraph_msgs.msg import Clock as ClockMsg
    node = make(ros, Node, 'sim', parameter_overrides=[Parameter('use_sim_time', value=True)])
    clock = node.get_clock()
    assert clock.ros_time_is_active
    driver = make(ros, Node, 'driver')
    clock_pub = driver.create_publisher(ClockMsg, '/clock', 10)
    executor = executor_with(node, driver)

    def set_time(seconds):
        # /clock is best effort: publish until the node's clock shows it (one message can be
        # lost before the subscription is matched; repeating a time changes nothing)
        def arrived():
            if clock.now().nanoseconds == int(seconds * 1e9):
                return True
            clock_pub.publish(ClockMsg(clock=Time(seconds=seconds).to_msg()))
            return False
        assert spin_until(executor, arrived)

    set_time(10.0)
    ticks = []
    node.create_timer(1.0, lambda: ticks.append(clock.now().nanoseconds))
    set_time(10.5)
    drain(executor, rounds=5)
    assert ticks == []
    set_time(11.0)
    assert spin_until(executor, lambda: len(ticks) == 1)
    set_time(13.5)  # missed periods are skipped: one call, next due at 14.0
    assert spin_until(executor, lambda: len(ticks) == 2)
    drain(executor, rounds=5)
    assert len(ticks) == 2
    set_time(14.0)
    assert spin_until(executor, lambda: len(ticks) == 3)


def test_executor_bookkeeping_and_global_spin(ros):
    from std_msgs.msg import String
    node = make(ros, Node, 'exec')
    executor = SingleThreadedExecutor()
    assert executor.add_node(node) is True
    assert executor.add_node(node) is False
    assert node.executor is executor and executor.get_nodes() == [node]
    executor.remove_node(node)
    assert executor.get_nodes() == []
    got = []
    node.create_subscription(String, 't', got.append, 10)
    pub = node.create_publisher(String, 't', 10)
    wait_matched(pub)
    pub.publish(string_msg('x'))
    for _ in range(1000):
        if got:
            break
        rclpy.spin_once(node, timeout_sec=0.01)
    assert got


def test_spin_until_future_complete_and_multithreaded_executor(ros):
    from rclpy.task import Future
    node = make(ros, Node, 'future')
    future = Future()
    node.create_timer(0.001, lambda: future.done() or future.set_result(42))
    executor = MultiThreadedExecutor()
    executor.add_node(node)
    executor.spin_until_future_complete(future, timeout_sec=2.0)
    assert future.done() and future.result() == 42


def test_spin_once_times_out_without_work(ros):
    import threading
    from std_msgs.msg import String
    node = make(ros, Node, 'idle')
    got = []
    node.create_subscription(String, 't', got.append, 10)
    executor = executor_with(node)
    # nothing to do: spin_once gives up after its timeout instead of waiting for work (the
    # join's minute only keeps a hanging spin_once from blocking the suite)
    spinner = threading.Thread(target=executor.spin_once, kwargs={'timeout_sec': 0.02})
    spinner.start()
    spinner.join(60.0)
    assert not spinner.is_alive() and got == []
    # and work that arrives later is still delivered by the next spin
    pub = node.create_publisher(String, 't', 10)
    wait_matched(pub)
    pub.publish(string_msg('late'))
    assert spin_until(executor, lambda: got)
    assert got[0].data == 'late'


# ---------------------------------------------------------------------------------- lifecycle
class Managed(LifecycleNode):
    """A lifecycle node with one lifecycle publisher and configurable callbacks."""

    def __init__(self, name='managed', **kwargs):
        super().__init__(name, **kwargs)
        self.pub = None
        self.calls = []
        self.configure_result = TransitionCallbackReturn.SUCCESS
        self.configure_raises = False
        self.error_result = TransitionCallbackReturn.SUCCESS

    def on_configure(self, state):
        self.calls.append(('configure', state))
        if self.configure_raises:
            raise RuntimeError('model missing')
        if self.pub is None:
            self.pub = self.create_lifecycle_publisher(type(string_msg('')), 'out', 10)
        return self.configure_result

    def on_error(self, state):
        self.calls.append(('error', state))
        return self.error_result


def _state(node):
    return node._state_machine.current_state[1]


def test_probed_trigger_configure_returns_success(ros):
    node = make(ros, Managed, 'lc')
    ret = node.trigger_configure()
    assert ret == TransitionCallbackReturn.SUCCESS and int(ret) == 97
    assert repr(ret) == '<TransitionCallbackReturnType.SUCCESS: 97>'
    assert ret != 97  # a pybind11 enum, not an int
    assert _state(node) == 'inactive'
    assert node.calls == [('configure', LifecycleState(label='unconfigured', state_id=1))]


def test_probed_lifecycle_publisher_drops_until_activated(ros):
    node = make(ros, Managed, 'lc')
    probe = make(ros, Node, 'probe')
    delivered = []
    probe.create_subscription(type(string_msg('')), '/out', lambda m: delivered.append(m.data),
                              10)
    node.trigger_configure()
    wait_matched(node.pub)   # else the drop below would prove nothing
    node.pub.publish(string_msg('while-inactive'))
    executor = executor_with(node, probe)
    drain(executor, rounds=10)
    assert delivered == [] and node.pub.is_activated is False
    node.trigger_activate()
    assert node.pub.is_activated is True
    node.pub.publish(string_msg('while-active'))
    assert spin_until(executor, lambda: delivered)
    assert delivered == ['while-active']
    node.trigger_deactivate()
    node.pub.publish(string_msg('after-deactivate'))
    drain(executor, rounds=10)
    assert delivered == ['while-active']


def test_probed_exception_in_on_configure_is_error_then_unconfigured(ros):
    node = make(ros, Managed, 'lc')
    node.configure_raises = True
    assert node.trigger_configure() == TransitionCallbackReturn.ERROR
    assert _state(node) == 'unconfigured'
    assert [c[0] for c in node.calls] == ['configure', 'error']
    assert node.calls[1][1] == LifecycleState(label='unconfigured', state_id=1)
    node.configure_raises = False
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS


@pytest.mark.parametrize('error_result', [TransitionCallbackReturn.FAILURE,
                                          TransitionCallbackReturn.ERROR])
def test_on_error_not_success_finalizes(ros, error_result):
    node = make(ros, Managed, 'lc')
    node.configure_raises = True
    node.error_result = error_result
    assert node.trigger_configure() == TransitionCallbackReturn.ERROR  # not on_error's
    assert _state(node) == 'finalized'
    assert node.trigger_shutdown() is None
    with pytest.raises(RuntimeError):
        node.trigger_configure()


def test_failure_returns_to_start_state(ros):
    node = make(ros, Managed, 'lc')
    node.configure_result = TransitionCallbackReturn.FAILURE
    assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
    assert _state(node) == 'unconfigured'
    assert [c[0] for c in node.calls] == ['configure']


def test_invalid_transition_raises_and_keeps_state(ros):
    node = make(ros, Managed, 'lc')
    with pytest.raises(RuntimeError, match='Failed to trigger lifecycle state machine'):
        node.trigger_activate()
    assert _state(node) == 'unconfigured'
    with pytest.raises(RuntimeError):
        node.trigger_cleanup()


def test_callback_returning_none_raises_and_sticks_in_transition_state(ros):
    node = make(ros, Managed, 'lc')
    node.configure_result = None
    with pytest.raises(AttributeError):
        node.trigger_configure()
    assert _state(node) == 'configuring'


def test_full_cycle_and_shutdown(ros):
    seen = []

    class Cycle(Managed):

        def on_shutdown(self, state):
            seen.append(state.label)
            return TransitionCallbackReturn.SUCCESS

    node = make(ros, Cycle, 'lc')
    for trigger, state in ((node.trigger_configure, 'inactive'),
                           (node.trigger_activate, 'active'),
                           (node.trigger_deactivate, 'inactive'),
                           (node.trigger_cleanup, 'unconfigured'),
                           (node.trigger_configure, 'inactive'),
                           (node.trigger_activate, 'active'),
                           (node.trigger_shutdown, 'finalized')):
        assert trigger() == TransitionCallbackReturn.SUCCESS
        assert _state(node) == state
    assert seen == ['active']
    assert node.trigger_shutdown() is None


def test_on_activate_override_must_call_super(ros):
    class Forgetful(Managed):

        def on_activate(self, state):
            return TransitionCallbackReturn.SUCCESS  # no super(): publishers stay disabled

    class Careful(Managed):

        def on_activate(self, state):
            return super().on_activate(state)

    forgetful = make(ros, Forgetful, 'forgetful')
    careful = make(ros, Careful, 'careful')
    for node in (forgetful, careful):
        node.trigger_configure()
        node.trigger_activate()
        assert _state(node) == 'active'
    assert forgetful.pub.is_activated is False
    assert careful.pub.is_activated is True


def test_managed_entities_and_destroying_lifecycle_publishers(ros):
    class Refuses(ManagedEntity):

        def on_configure(self, state):
            return TransitionCallbackReturn.FAILURE

    node = make(ros, LifecycleNode, 'lc')
    pub = node.create_lifecycle_publisher(type(string_msg('')), 'out', 10)
    assert wait_for(lambda: node.count_publishers('out') == 1)
    assert node.destroy_lifecycle_publisher(pub) is True
    assert wait_for(lambda: node.count_publishers('out') == 0)
    node.add_managed_entity(Refuses())
    assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
    assert _state(node) == 'unconfigured'
    with pytest.raises(TypeError):
        node.create_lifecycle_publisher(type(string_msg('')), 'x', 1, publisher_class=object)


def test_transition_events_are_published(ros):
    from lifecycle_msgs.msg import TransitionEvent
    node = make(ros, Managed, 'lc', namespace='ns')
    probe = make(ros, Node, 'probe')
    events = []
    sub = probe.create_subscription(TransitionEvent, '/ns/lc/transition_event',
                                    lambda e: events.append((e.start_state.label,
                                                             e.goal_state.label)), 10)
    assert wait_for(lambda: sub.get_publisher_count() == 1)   # events before that are lost
    node.trigger_configure()
    assert spin_until(executor_with(node, probe), lambda: len(events) == 2)
    assert events == [('unconfigured', 'configuring'), ('configuring', 'inactive')]


# ---------------------------------------------------------------------------------- logging
def test_logger_filters(ros):
    node = make(ros, Node, 'logs')
    logger = node.get_logger()
    once = [logger.info('first only', once=True) for _ in range(3)]
    skip = [logger.info('not the first', skip_first=True) for _ in range(3)]
    throttled = [logger.warning('rare', throttle_duration_sec=60.0) for _ in range(3)]
    assert once == [True, False, False]
    assert skip == [False, True, True]
    assert throttled == [True, False, False]
    assert logger.debug('hidden') is False
    with pytest.raises(TypeError):
        logger.info('x', colour='red')


def test_logger_call_site_cannot_change_severity(ros):
    from rclpy.logging import LoggingSeverity
    logger = make(ros, Node, 'logs').get_logger()

    def log(severity):
        return logger.log('same line', severity)

    assert log(LoggingSeverity.INFO) is True
    with pytest.raises(ValueError):
        log(LoggingSeverity.WARN)


@standin_only
def test_stand_in_logs_reach_python_logging(ros, logs):
    node = make(ros, Node, 'logs', namespace='cam')
    records = logs(node.get_logger().name)
    node.get_logger().error('engine failed: out of memory')
    assert any(r.name == 'cam.logs' and r.levelname == 'ERROR' and
               'out of memory' in r.getMessage() for r in records)


# --------------------------------------------------------------- signals (rclpy/signals.py)
def _wait_until_not_ok(context=None):
    """Wait (bounded) for the signal thread to shut the context down; return rclpy.ok()."""
    import threading
    done = threading.Event()
    for _ in range(500):
        if not rclpy.ok(context=context):
            break
        done.wait(0.01)
    return rclpy.ok(context=context)


def _spin_with_signal(ros, signum):
    """
    Spin a node whose timer sends ``signum`` to this process; return what spin raised.

    Upstream ``spin`` is ``while context.ok(): spin_once()``: when the signal thread shuts the
    context down between two callbacks spin returns, when it does so during the wait
    ``ExternalShutdownException`` comes out. Either way spin ends. Returns None if it returned.
    """
    import os
    node = make(ros, Node, 'signalled')
    node.create_timer(0.01, lambda: os.kill(os.getpid(), signum))
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    try:
        executor.spin()
        raised = None
    except (KeyboardInterrupt, ExternalShutdownException) as exc:
        raised = type(exc)
    finally:
        executor.shutdown()
    return raised


def test_init_of_the_default_context_installs_sigint_and_sigterm_handlers():
    import signal as _signal
    from rclpy.context import Context
    from rclpy.signals import get_current_signal_handlers_options, SignalHandlerOptions
    before = _signal.getsignal(_signal.SIGINT), _signal.getsignal(_signal.SIGTERM)
    rclpy.init()
    try:
        assert get_current_signal_handlers_options() == SignalHandlerOptions.ALL
        assert _signal.getsignal(_signal.SIGINT) is not before[0]
        assert _signal.getsignal(_signal.SIGTERM) is not before[1]
    finally:
        rclpy.shutdown()
    assert get_current_signal_handlers_options() == SignalHandlerOptions.NO
    assert (_signal.getsignal(_signal.SIGINT), _signal.getsignal(_signal.SIGTERM)) == before
    other = Context()
    rclpy.init(context=other)   # another context: no handlers (signal_handler_options NO)
    try:
        assert get_current_signal_handlers_options() == SignalHandlerOptions.NO
    finally:
        rclpy.shutdown(context=other)


def test_sigterm_shuts_the_context_down_and_spin_raises_external_shutdown(ros):
    import signal as _signal
    # SIGTERM's previous handler is SIG_DFL, which the rclpy handler does not chain: the
    # process lives on, its contexts are shut down and spin() raises
    assert _spin_with_signal(ros, _signal.SIGTERM) in (None, ExternalShutdownException)
    assert _wait_until_not_ok() is False
    rclpy.try_shutdown()   # nothing left to do: no error


def test_sigint_raises_keyboard_interrupt_and_shuts_the_context_down(ros):
    import signal as _signal
    # the previous SIGINT handler (Python's) is chained: KeyboardInterrupt in the main thread;
    # the signal thread shuts the contexts down as well
    assert _spin_with_signal(ros, _signal.SIGINT) is KeyboardInterrupt
    assert _wait_until_not_ok() is False
    from rclpy.impl.implementation_singleton import rclpy_implementation as _rclpy
    with pytest.raises(_rclpy.RCLError):
        rclpy.shutdown()   # already shut down (by the signal)


def test_context_shut_down_by_another_thread_ends_spin_with_external_shutdown(ros):
    import threading
    node = make(ros, Node, 'external')
    executor = SingleThreadedExecutor()
    executor.add_node(node)
    threading.Timer(0.05, rclpy.shutdown).start()   # e.g. launch's shutdown of the process
    with pytest.raises(ExternalShutdownException):
        executor.spin()
    executor.shutdown()
