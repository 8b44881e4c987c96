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
Stand-in for ``rclpy/rclpy/qos.py`` (branch humble).

Same policy enums, aliases, profile objects and validation as upstream. The profiles'
values are those of ``rmw/qos_profiles.h`` (Humble); ``qos_profile_sensor_data`` has depth 5
(build your own depth-1 profile for "latest frame wins").

How the stand-in graph applies QoS (as DDS does): a RELIABLE subscription does not receive from
a BEST_EFFORT publisher; a TRANSIENT_LOCAL subscription does not receive from a VOLATILE
publisher; a TRANSIENT_LOCAL publisher replays its last ``depth`` messages to a late-joining
TRANSIENT_LOCAL subscription. ``SYSTEM_DEFAULT`` means RELIABLE / VOLATILE / KEEP_LAST.
"""

from enum import Enum
from enum import IntEnum

from rclpy.duration import Duration


class QoSPolicyKind(IntEnum):
    """QoS policy kinds (``rmw/incompatible_qos_events_statuses.h``)."""

    INVALID = 1 << 0
    DURABILITY = 1 << 1
    DEADLINE = 1 << 2
    LIVELINESS = 1 << 3
    RELIABILITY = 1 << 4
    HISTORY = 1 << 5
    LIFESPAN = 1 << 6
    DEPTH = 1 << 7
    LIVELINESS_LEASE_DURATION = 1 << 8
    AVOID_ROS_NAMESPACE_CONVENTIONS = 1 << 9


def qos_policy_name_from_kind(policy_kind):
    """Get QoS policy name from QoSPolicyKind enum."""
    return QoSPolicyKind(policy_kind).name


class InvalidQoSProfileException(Exception):
    """Raised when constructing a QoSProfile with invalid arguments."""

    def __init__(self, *args):
        Exception.__init__(self, 'Invalid QoSProfile', *args)


class QoSPolicyEnum(IntEnum):
    """Base for QoS Policy enumerations."""

    @classmethod
    def short_keys(cls):
        """Return a list of shortened typing-friendly enum values."""
        return [k.lower() for k in cls.__members__.keys() if not k.startswith('RMW')]

    @classmethod
    def get_from_short_key(cls, name):
        """Retrieve a policy type from a short name, case-insensitive."""
        return cls[name.upper()].value

    @property
    def short_key(self):
        """Return the lower-case name of this value."""
        for k, v in self.__class__.__members__.items():
            if k.startswith('RMW'):
                continue
            if self.value == v:
                return k.lower()
        raise AttributeError(
            'failed to find value %s in %s' % (self.value, self.__class__.__name__))


class HistoryPolicy(QoSPolicyEnum):
    """QoS History settings (``rmw/types.h``)."""

    SYSTEM_DEFAULT = 0
    KEEP_LAST = 1
    KEEP_ALL = 2
    UNKNOWN = 3


QoSHistoryPolicy = HistoryPolicy


class ReliabilityPolicy(QoSPolicyEnum):
    """QoS Reliability settings (``rmw/types.h``)."""

    SYSTEM_DEFAULT = 0
    RELIABLE = 1
    BEST_EFFORT = 2
    UNKNOWN = 3


QoSReliabilityPolicy = ReliabilityPolicy


class DurabilityPolicy(QoSPolicyEnum):
    """QoS Durability settings (``rmw/types.h``)."""

    SYSTEM_DEFAULT = 0
    TRANSIENT_LOCAL = 1
    VOLATILE = 2
    UNKNOWN = 3


QoSDurabilityPolicy = DurabilityPolicy


class LivelinessPolicy(QoSPolicyEnum):
    """QoS Liveliness settings (``rmw/types.h``)."""

    SYSTEM_DEFAULT = 0
    AUTOMATIC = 1
    MANUAL_BY_TOPIC = 3
    UNKNOWN = 4


QoSLivelinessPolicy = LivelinessPolicy

_DEFAULTS = {
    'depth': 10,
    'reliability': ReliabilityPolicy.RELIABLE,
    'durability': DurabilityPolicy.VOLATILE,
    'liveliness': LivelinessPolicy.SYSTEM_DEFAULT,
    'avoid_ros_namespace_conventions': False,
}


class QoSProfile:
    """Define Quality of Service policies."""

    __slots__ = [
        '_history',
        '_depth',
        '_reliability',
        '_durability',
        '_lifespan',
        '_deadline',
        '_liveliness',
        '_liveliness_lease_duration',
        '_avoid_ros_namespace_conventions',
    ]

    def __init__(self, **kwargs):
        assert all('_' + key in self.__slots__ for key in kwargs.keys()), \
            'Invalid arguments passed to constructor: %r' % kwargs.keys()
        if 'history' not in kwargs:
            if 'depth' not in kwargs:
                raise InvalidQoSProfileException('History and/or depth settings are required.')
            kwargs['history'] = QoSHistoryPolicy.KEEP_LAST
        self.history = kwargs.get('history')
        if QoSHistoryPolicy.KEEP_LAST == self.history and 'depth' not in kwargs:
            raise InvalidQoSProfileException('History set to KEEP_LAST without a depth setting.')
        self.depth = kwargs.get('depth', _DEFAULTS['depth'])
        self.reliability = kwargs.get('reliability', _DEFAULTS['reliability'])
        self.durability = kwargs.get('durability', _DEFAULTS['durability'])
        self.lifespan = kwargs.get('lifespan', Duration())
        self.deadline = kwargs.get('deadline', Duration())
        self.liveliness = kwargs.get('liveliness', _DEFAULTS['liveliness'])
        self.liveliness_lease_duration = kwargs.get('liveliness_lease_duration', Duration())
        self.avoid_ros_namespace_conventions = kwargs.get(
            'avoid_ros_namespace_conventions', _DEFAULTS['avoid_ros_namespace_conventions'])

    @property
    def history(self):
        """Get field 'history'."""
        return self._history

    @history.setter
    def history(self, value):
        assert isinstance(value, QoSHistoryPolicy) or isinstance(value, int)
        self._history = QoSHistoryPolicy(value)

    @property
    def reliability(self):
        """Get field 'reliability'."""
        return self._reliability

    @reliability.setter
    def reliability(self, value):
        assert isinstance(value, QoSReliabilityPolicy) or isinstance(value, int)
        self._reliability = QoSReliabilityPolicy(value)

    @property
    def durability(self):
        """Get field 'durability'."""
        return self._durability

    @durability.setter
    def durability(self, value):
        assert isinstance(value, QoSDurabilityPolicy) or isinstance(value, int)
        self._durability = QoSDurabilityPolicy(value)

    @property
    def depth(self):
        """Get field 'depth'."""
        return self._depth

    @depth.setter
    def depth(self, value):
        assert isinstance(value, int)
        self._depth = value

    @property
    def lifespan(self):
        """Get field 'lifespan'."""
        return self._lifespan

    @lifespan.setter
    def lifespan(self, value):
        assert isinstance(value, Duration)
        self._lifespan = value

    @property
    def deadline(self):
        """Get field 'deadline'."""
        return self._deadline

    @deadline.setter
    def deadline(self, value):
        assert isinstance(value, Duration)
        self._deadline = value

    @property
    def liveliness(self):
        """Get field 'liveliness'."""
        return self._liveliness

    @liveliness.setter
    def liveliness(self, value):
        assert isinstance(value, (QoSLivelinessPolicy, int))
        self._liveliness = QoSLivelinessPolicy(value)

    @property
    def liveliness_lease_duration(self):
        """Get field 'liveliness_lease_duration'."""
        return self._liveliness_lease_duration

    @liveliness_lease_duration.setter
    def liveliness_lease_duration(self, value):
        assert isinstance(value, Duration)
        self._liveliness_lease_duration = value

    @property
    def avoid_ros_namespace_conventions(self):
        """Get field 'avoid_ros_namespace_conventions'."""
        return self._avoid_ros_namespace_conventions

    @avoid_ros_namespace_conventions.setter
    def avoid_ros_namespace_conventions(self, value):
        assert isinstance(value, bool)
        self._avoid_ros_namespace_conventions = value

    def __eq__(self, other):
        if not isinstance(other, QoSProfile):
            return False
        return all(
            self.__getattribute__(slot) == other.__getattribute__(slot)
            for slot in self.__slots__)

    def __str__(self):
        return f'{type(self).__name__}(%s)' % (
            ', '.join(f'{slot[1:]}=%s' % getattr(self, slot) for slot in self.__slots__))


def _profile(history, depth, reliability, durability):
    return QoSProfile(history=history, depth=depth, reliability=reliability,
                      durability=durability)


qos_profile_unknown = QoSProfile(
    history=HistoryPolicy.UNKNOWN, depth=0, reliability=ReliabilityPolicy.UNKNOWN,
    durability=DurabilityPolicy.UNKNOWN, liveliness=LivelinessPolicy.UNKNOWN)
qos_profile_system_default = _profile(
    HistoryPolicy.SYSTEM_DEFAULT, 0, ReliabilityPolicy.SYSTEM_DEFAULT,
    DurabilityPolicy.SYSTEM_DEFAULT)
qos_profile_sensor_data = _profile(
    HistoryPolicy.KEEP_LAST, 5, ReliabilityPolicy.BEST_EFFORT, DurabilityPolicy.VOLATILE)
qos_profile_services_default = _profile(
    HistoryPolicy.KEEP_LAST, 10, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE)
qos_profile_parameters = _profile(
    HistoryPolicy.KEEP_LAST, 1000, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE)
qos_profile_parameter_events = _profile(
    HistoryPolicy.KEEP_LAST, 1000, ReliabilityPolicy.RELIABLE, DurabilityPolicy.VOLATILE)
qos_profile_action_status_default = _profile(
    HistoryPolicy.KEEP_LAST, 1, ReliabilityPolicy.RELIABLE, DurabilityPolicy.TRANSIENT_LOCAL)


class QoSPresetProfiles(Enum):
    """Named preset profiles."""

    UNKNOWN = qos_profile_unknown
    SYSTEM_DEFAULT = qos_profile_system_default
    SENSOR_DATA = qos_profile_sensor_data
    SERVICES_DEFAULT = qos_profile_services_default
    PARAMETERS = qos_profile_parameters
    PARAMETER_EVENTS = qos_profile_parameter_events
    ACTION_STATUS_DEFAULT = qos_profile_action_status_default

    @classmethod
    def short_keys(cls):
        """Return a list of shortened typing-friendly enum values."""
        return [k.lower() for k in cls.__members__.keys() if not k.startswith('RMW')]

    @classmethod
    def get_from_short_key(cls, name):
        """Retrieve a policy type from a short name, case-insensitive."""
        return cls[name.upper()].value
