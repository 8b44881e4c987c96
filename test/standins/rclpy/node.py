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
Stand-in for ``rclpy/rclpy/node.py`` (branch humble).

Mirrors ``rclpy.node.Node`` of Humble: constructor keywords (``parameter_overrides``,
``allow_undeclared_parameters``, ``automatically_declare_parameters_from_overrides``,
``cli_args`` with ``--ros-args -r/-p``), parameters (static typing inferred from the default
value, ``ParameterDescriptor`` with ``read_only`` and integer / floating point ranges checked on
every set, ``set_parameters`` returning ``SetParametersResult`` with upstream's reason texts and
keeping the old value on failure, on-set callbacks called newest first, ``use_sim_time`` declared
by the time source, ``/parameter_events`` published), publishers, subscriptions and timers on
the in-process graph (:mod:`rclpy._graph`), topic name expansion and remapping, the node clock
(``ROSClock``) and logger (named ``<namespace>.<name>``, dots for slashes).

Services and clients (``create_service``, ``create_client``, ``destroy_service``,
``destroy_client``) work on the same graph; the executor runs service callbacks and completes
client futures.

Not mirrored: the parameter services, ``/rosout``, guard conditions, rates, waitables and raw
(serialised) subscriptions.
"""

import math
import weakref

from rcl_interfaces.msg import FloatingPointRange  # noqa: F401 - re-exported as upstream
from rcl_interfaces.msg import IntegerRange  # noqa: F401 - re-exported as upstream
from rcl_interfaces.msg import ParameterDescriptor
from rcl_interfaces.msg import ParameterEvent
from rcl_interfaces.msg import ParameterType
from rcl_interfaces.msg import ParameterValue
from rcl_interfaces.msg import SetParametersResult

from rclpy import _graph
from rclpy import _ros_args
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup
from rclpy.client import Client
from rclpy.clock import ROSClock
from rclpy.constants import S_TO_NS
from rclpy.exceptions import InvalidHandle
from rclpy.exceptions import InvalidParameterException
from rclpy.exceptions import InvalidParameterTypeException
from rclpy.exceptions import InvalidParameterValueException
from rclpy.exceptions import NotInitializedException
from rclpy.exceptions import ParameterAlreadyDeclaredException
from rclpy.exceptions import ParameterImmutableException
from rclpy.exceptions import ParameterNotDeclaredException
from rclpy.exceptions import ParameterUninitializedException
from rclpy.expand_topic_name import expand_topic_name
from rclpy.expand_topic_name import validate_namespace
from rclpy.expand_topic_name import validate_node_name
from rclpy.logging import get_logger
from rclpy.parameter import Parameter
from rclpy.parameter import PARAMETER_SEPARATOR_STRING
from rclpy.publisher import Publisher
from rclpy.qos import qos_profile_parameter_events
from rclpy.qos import qos_profile_services_default
from rclpy.qos import QoSProfile
from rclpy.qos import ReliabilityPolicy
from rclpy.qos_event import PublisherEventCallbacks
from rclpy.qos_event import SubscriptionEventCallbacks
from rclpy.service import Service
from rclpy.subscription import Subscription
from rclpy.timer import Timer
from rclpy.type_support import check_is_valid_msg_type
from rclpy.type_support import check_is_valid_srv_type
from rclpy.utilities import get_default_context

USE_SIM_TIME_NAME = 'use_sim_time'
CLOCK_TOPIC = '/clock'


class _TimeSource:
    """Mirror of ``rclpy/rclpy/time_source.py``: ``use_sim_time`` and ``/clock``."""

    def __init__(self, node):
        self._node = weakref.ref(node)
        self._clock_sub = None
        self._clocks = [node.get_clock()]
        if not node.has_parameter(USE_SIM_TIME_NAME):
            node.declare_parameter(USE_SIM_TIME_NAME, False)
        param = node.get_parameter(USE_SIM_TIME_NAME)
        if param.type_ == Parameter.Type.BOOL:
            self._set_active(param.value)
        node.add_on_set_parameters_callback(self._on_parameter_event)

    def _set_active(self, enabled):
        for clock in self._clocks:
            clock._set_ros_time_is_active(enabled)
        node = self._node()
        if enabled and self._clock_sub is None and node is not None:
            from rosgraph_msgs.msg import Clock as ClockMsg
            self._clock_sub = node.create_subscription(
                ClockMsg, CLOCK_TOPIC, self._clock_callback,
                QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT))
        elif not enabled and self._clock_sub is not None and node is not None:
            node.destroy_subscription(self._clock_sub)
            self._clock_sub = None

    def _clock_callback(self, msg):
        from rclpy.time import Time
        time = Time.from_msg(msg.clock)
        for clock in self._clocks:
            clock.set_ros_time_override(time)

    def _on_parameter_event(self, parameter_list):
        for parameter in parameter_list:
            if parameter.name == USE_SIM_TIME_NAME:
                if parameter.type_ == Parameter.Type.BOOL:
                    self._set_active(parameter.value)
                else:
                    reason = f'{USE_SIM_TIME_NAME} parameter set to something besides a bool'
                    node = self._node()
                    if node is not None:
                        node.get_logger().error(reason)
                    return SetParametersResult(successful=False, reason=reason)
                break
        return SetParametersResult(successful=True)


class Node:
    """A node of the ROS graph (stand-in; see the module docstring)."""

    PARAM_REL_TOL = 1e-6
    """Relative tolerance for floating point parameter range checks (``math.isclose``)."""

    def __init__(self, node_name, *, context=None, cli_args=None, namespace=None,
                 use_global_arguments=True, enable_rosout=True, start_parameter_services=True,
                 parameter_overrides=None, allow_undeclared_parameters=False,
                 automatically_declare_parameters_from_overrides=False):
        self._context = get_default_context() if context is None else context
        self._parameters = {}
        self._descriptors = {}
        self.__publishers = []
        self.__subscriptions = []
        self.__timers = []
        self._clients = []
        self._services = []
        self.__executor_weakref = None
        self._destroyed = False
        self._default_callback_group = MutuallyExclusiveCallbackGroup()
        self._parameters_callbacks = []
        self._allow_undeclared_parameters = allow_undeclared_parameters
        self._parameter_overrides = {}

        if not self._context.ok():
            raise NotInitializedException('cannot create node')

        local_remaps, local_params = _ros_args.parse(cli_args)
        global_remaps, global_params = (_ros_args.parse(self._context._args)
                                        if use_global_arguments else ([], []))
        self._remaps = local_remaps + global_remaps
        namespace = namespace or ''
        for rule_node, lhs, rhs in self._remaps:
            if rule_node in (None, node_name) and lhs == '__node':
                node_name = rhs
        for rule_node, lhs, rhs in self._remaps:
            if rule_node in (None, node_name) and lhs == '__ns':
                namespace = rhs
        validate_node_name(node_name)
        if not namespace:
            namespace = '/'
        if not namespace.startswith('/'):
            namespace = '/' + namespace
        validate_namespace(namespace)
        self.__name = node_name
        self.__namespace = namespace
        tokens = [t for t in namespace.split('/') if t]
        self._logger = get_logger('.'.join(tokens + [node_name]))

        for rule_node, name, value in global_params + local_params:
            if rule_node in (None, node_name):
                self._parameter_overrides[name] = Parameter(name, value=value)
        if parameter_overrides is not None:
            self._parameter_overrides.update({p.name: p for p in parameter_overrides})

        _graph.GRAPH.add_node(self)
        self._parameter_event_publisher = self.create_publisher(
            ParameterEvent, '/parameter_events', qos_profile_parameter_events)
        self._clock = ROSClock()

        if automatically_declare_parameters_from_overrides:
            self.declare_parameters(
                '',
                [(name, param.value, ParameterDescriptor())
                 for name, param in self._parameter_overrides.items()],
                ignore_override=True)

        self._time_source = _TimeSource(self)

    # ------------------------------------------------------------------ entities, names
    @property
    def publishers(self):
        """Yield the publishers created on this node."""
        yield from self.__publishers

    @property
    def subscriptions(self):
        """Yield the subscriptions created on this node."""
        yield from self.__subscriptions

    @property
    def clients(self):
        """Yield the service clients created on this node."""
        yield from self._clients

    @property
    def services(self):
        """Yield the service servers created on this node (lifecycle services included)."""
        yield from self._services

    @property
    def timers(self):
        """Yield the timers created on this node."""
        yield from self.__timers

    @property
    def guards(self):
        """Yield nothing (the stand-in has no guard conditions)."""
        yield from ()

    @property
    def waitables(self):
        """Yield nothing (the stand-in has no waitables)."""
        yield from ()

    @property
    def executor(self):
        """Return the executor the node was added to, or None."""
        if self.__executor_weakref:
            return self.__executor_weakref()
        return None

    @executor.setter
    def executor(self, new_executor):
        current_executor = self.executor
        if current_executor == new_executor:
            return
        if current_executor is not None:
            current_executor.remove_node(self)
        if new_executor is None:
            self.__executor_weakref = None
        else:
            new_executor.add_node(self)
            self.__executor_weakref = weakref.ref(new_executor)

    def _wake_executor(self):
        _graph.GRAPH.notify()

    @property
    def context(self):
        """Return the context of this node."""
        return self._context

    @property
    def default_callback_group(self):
        """Return the default callback group."""
        return self._default_callback_group

    @property
    def handle(self):
        """Return the node itself (raises ``InvalidHandle`` once destroyed)."""
        self._check_handle()
        return self

    @handle.setter
    def handle(self, value):
        raise AttributeError('handle cannot be modified after node creation')

    def _check_handle(self):
        if self._destroyed:
            raise InvalidHandle('cannot use Destroyable because destruction was requested')

    def get_name(self):
        """Return the node name."""
        self._check_handle()
        return self.__name

    def get_namespace(self):
        """Return the node namespace (``/`` or ``/a/b``)."""
        self._check_handle()
        return self.__namespace

    def get_fully_qualified_name(self):
        """Return ``<namespace>/<name>``."""
        return self.__namespace.rstrip('/') + '/' + self.__name

    def get_clock(self):
        """Return the node's clock (a ``ROSClock``)."""
        return self._clock

    def get_logger(self):
        """Return the node's logger."""
        return self._logger

    def resolve_topic_name(self, topic, *, only_expand=False):
        """Return a topic name expanded (``~``, relative) and remapped."""
        self._check_handle()
        name = expand_topic_name(topic, self.__name, self.__namespace)
        if only_expand:
            return name
        for rule_node, lhs, rhs in self._remaps:
            if rule_node not in (None, self.__name) or lhs.startswith('__'):
                continue
            if expand_topic_name(lhs, self.__name, self.__namespace) == name:
                return expand_topic_name(rhs, self.__name, self.__namespace)
        return name

    def resolve_service_name(self, service, *, only_expand=False):
        """Return a service name expanded and remapped."""
        return self.resolve_topic_name(service, only_expand=only_expand)

    # ------------------------------------------------------------------ parameters
    def declare_parameter(self, name, value=None, descriptor=None, ignore_override=False):
        """
        Declare and initialize a parameter; return it.

        :raises ParameterAlreadyDeclaredException: if declared before.
        :raises InvalidParameterTypeException: if an override has another type.
        :raises InvalidParameterValueException: if a range or a callback rejects the value.
        """
        if value is None and descriptor is None:
            args = (name, )
        else:
            descriptor = ParameterDescriptor() if descriptor is None else descriptor
            args = (name, value, descriptor)
        return self.declare_parameters('', [args], ignore_override)[0]

    def declare_parameters(self, namespace, parameters, ignore_override=False):
        """
        Declare a list of ``(name[, value_or_type[, descriptor]])`` parameters.

        :return: the declared parameters, overrides applied unless ``ignore_override``.
        """
        parameter_list = []
        descriptors = {}
        for index, parameter_tuple in enumerate(parameters):
            if len(parameter_tuple) < 1 or len(parameter_tuple) > 3:
                raise TypeError(
                    'Invalid parameter tuple length at index {index} in parameters list: '
                    '{parameter_tuple}; expecting length between 1 and 3'.format_map(locals()))
            value = None
            name = parameter_tuple[0]
            if not isinstance(name, str):
                raise TypeError(
                    f'First element {name} at index {index} in parameters list is not a str.')
            if namespace:
                name = f'{namespace}.{name}'
            if not name:
                raise InvalidParameterException(name)
            second_arg = parameter_tuple[1] if 1 < len(parameter_tuple) else None
            descriptor = parameter_tuple[2] if 2 < len(parameter_tuple) else ParameterDescriptor()
            if not isinstance(descriptor, ParameterDescriptor):
                raise TypeError(
                    f'Third element {descriptor} at index {index} in parameters list '
                    'is not a ParameterDescriptor.')
            if len(parameter_tuple) == 1:
                import warnings
                warnings.warn(
                    f"when declaring parameter named '{name}', "
                    'declaring a parameter only providing its name is deprecated. '
                    'You have to either:\n'
                    '\t- Pass a name and a default value different to "PARAMETER NOT SET"'
                    ' (and optionally a descriptor).\n'
                    '\t- Pass a name and a parameter type.\n'
                    '\t- Pass a name and a descriptor with `dynamic_typing=True')
                descriptor.dynamic_typing = True
            if isinstance(second_arg, Parameter.Type):
                if second_arg == Parameter.Type.NOT_SET:
                    raise ValueError(
                        f'Cannot declare parameter {{{name}}} as statically typed of type NOT_SET')
                if descriptor.dynamic_typing is True:
                    raise ValueError(
                        f'When declaring parameter {{{name}}} passing a descriptor with'
                        '`dynamic_typing=True` is not allowed when the parameter type is provided')
                descriptor.type = second_arg.value
            else:
                value = second_arg
                if not descriptor.dynamic_typing:
                    if isinstance(value, ParameterValue):
                        descriptor.type = value.type
                    else:
                        descriptor.type = Parameter.Type.from_parameter_value(value).value
                    if descriptor.type == ParameterType.PARAMETER_NOT_SET:
                        raise ValueError(
                            'Cannot declare a statically typed parameter with default value '
                            'of type PARAMETER_NOT_SET')
            if not ignore_override and name in self._parameter_overrides:
                value = self._parameter_overrides[name].value
            parameter_list.append(Parameter(name, value=value))
            descriptors.update({name: descriptor})

        already = [p.name for p in parameter_list if p.name in self._parameters]
        if any(already):
            raise ParameterAlreadyDeclaredException(already)
        for param in parameter_list:
            result = self._set_parameters_atomically_common(
                [param], descriptors, allow_not_set_type=True)
            if not result.successful:
                if result.reason.startswith('Wrong parameter type'):
                    raise InvalidParameterTypeException(
                        param, Parameter.Type(descriptors[param._name].type).name)
                raise InvalidParameterValueException(param.name, param.value, result.reason)
        return [self._parameters[parameter.name] for parameter in parameter_list]

    def undeclare_parameter(self, name):
        """
        Undeclare a parameter.

        :raises ParameterNotDeclaredException: if not declared.
        :raises ParameterImmutableException: if read-only.
        """
        if self.has_parameter(name):
            if self._descriptors[name].read_only:
                raise ParameterImmutableException(name)
            del self._parameters[name]
            del self._descriptors[name]
        else:
            raise ParameterNotDeclaredException(name)

    def has_parameter(self, name):
        """Return True if the parameter is declared."""
        return name in self._parameters

    def get_parameter_types(self, names):
        """Return the types of several parameters."""
        if not all(isinstance(name, str) for name in names):
            raise TypeError('All names must be instances of type str')
        return [self.get_parameter_type(name) for name in names]

    def get_parameter_type(self, name):
        """Return the type of a parameter (NOT_SET for undeclared when allowed)."""
        if self.has_parameter(name):
            return self._parameters[name].type_.value
        if self._allow_undeclared_parameters:
            return Parameter.Type.NOT_SET
        raise ParameterNotDeclaredException(name)

    def get_parameters(self, names):
        """Return several parameters (see :meth:`get_parameter`)."""
        if not all(isinstance(name, str) for name in names):
            raise TypeError('All names must be instances of type str')
        return [self.get_parameter(name) for name in names]

    def get_parameter(self, name):
        """
        Return a declared parameter.

        :raises ParameterNotDeclaredException: if not declared (and undeclared not allowed).
        :raises ParameterUninitializedException: if statically typed and never set.
        """
        if self.has_parameter(name):
            parameter = self._parameters[name]
            if (parameter.type_ != Parameter.Type.NOT_SET or
                    self._descriptors[name].dynamic_typing):
                return parameter
            raise ParameterUninitializedException(name)
        if self._allow_undeclared_parameters:
            return Parameter(name, Parameter.Type.NOT_SET, None)
        raise ParameterNotDeclaredException(name)

    def get_parameter_or(self, name, alternative_value=None):
        """Return a parameter, or ``alternative_value`` if undeclared or unset."""
        if alternative_value is None:
            alternative_value = Parameter(name, Parameter.Type.NOT_SET)
        if not self.has_parameter(name):
            return alternative_value
        if self._parameters[name].type_ == Parameter.Type.NOT_SET:
            return alternative_value
        return self._parameters[name]

    def get_parameters_by_prefix(self, prefix):
        """Return ``{name without prefix: Parameter}`` of the parameters under ``prefix``."""
        if prefix:
            prefix = prefix + PARAMETER_SEPARATOR_STRING
        prefix_len = len(prefix)
        return {
            param_name[prefix_len:]: param_value
            for param_name, param_value in self._parameters.items()
            if param_name.startswith(prefix)
        }

    def set_parameters(self, parameter_list):
        """
        Set parameters one by one; return one ``SetParametersResult`` per parameter.

        A rejected value (wrong type, out of range, read-only, refused by a callback) does not
        raise: its result has ``successful=False`` and a reason, and the old value is kept.

        :raises ParameterNotDeclaredException: for an undeclared name (undeclared parameters
            not allowed); earlier parameters of the list stay set.
        """
        results = []
        for param in parameter_list:
            self._check_undeclared_parameters([param])
            results.append(self._set_parameters_atomically_common([param]))
        return results

    def set_parameters_atomically(self, parameter_list):
        """Set all parameters or none; return one aggregated ``SetParametersResult``."""
        self._check_undeclared_parameters(parameter_list)
        return self._set_parameters_atomically_common(parameter_list)

    def _check_undeclared_parameters(self, parameter_list):
        if not all(isinstance(parameter, Parameter) for parameter in parameter_list):
            raise TypeError("parameter must be instance of type '{}'".format(repr(Parameter)))
        undeclared = [p.name for p in parameter_list if p.name not in self._parameters]
        if not self._allow_undeclared_parameters and any(undeclared):
            raise ParameterNotDeclaredException(undeclared)

    def _set_parameters_atomically_common(self, parameter_list, descriptors=None,
                                          allow_not_set_type=False):
        if descriptors is not None:
            result = self._apply_descriptors(parameter_list, descriptors, False)
        else:
            result = self._apply_descriptors(parameter_list, self._descriptors, True)
        if not result.successful:
            return result
        for callback in self._parameters_callbacks:
            result = callback(parameter_list)
            if not result.successful:
                return result
        result = SetParametersResult(successful=True)

        event = ParameterEvent()
        event.node = self.get_fully_qualified_name()
        for param in parameter_list:
            if not allow_not_set_type and Parameter.Type.NOT_SET == param.type_:
                event.deleted_parameters.append(param.to_parameter_msg())
                self._parameters.pop(param.name, None)
                self._descriptors.pop(param.name, None)
                continue
            if descriptors is not None:
                self._descriptors[param.name] = descriptors[param.name]
            elif param.name not in self._descriptors:
                self._descriptors[param.name] = ParameterDescriptor(dynamic_typing=True)
            if Parameter.Type.NOT_SET == self.get_parameter_or(param.name).type_:
                event.new_parameters.append(param.to_parameter_msg())
            else:
                event.changed_parameters.append(param.to_parameter_msg())
            self._parameters[param.name] = param
        event.stamp = self._clock.now().to_msg()
        self._parameter_event_publisher.publish(event)
        return result

    def add_on_set_parameters_callback(self, callback):
        """
        Add a callback (called before any earlier one) that may reject parameter changes.

        :param callback: ``callback(list of Parameter) -> SetParametersResult``.
        """
        self._parameters_callbacks.insert(0, callback)

    def remove_on_set_parameters_callback(self, callback):
        """Remove a callback added with :meth:`add_on_set_parameters_callback`."""
        self._parameters_callbacks.remove(callback)

    def _apply_descriptors(self, parameter_list, descriptors, check_read_only=True):
        for param in parameter_list:
            if param.name in descriptors:
                result = self._apply_descriptor(param, descriptors[param.name], check_read_only)
                if not result.successful:
                    return result
        return SetParametersResult(successful=True)

    def _apply_descriptor(self, parameter, descriptor=None, check_read_only=True):
        if descriptor is None:
            descriptor = self.describe_parameter(parameter.name)
        else:
            descriptor.name = parameter.name
        if check_read_only and descriptor.read_only:
            return SetParametersResult(
                successful=False,
                reason='Trying to set a read-only parameter: {}.'.format(parameter.name))
        if descriptor.dynamic_typing:
            descriptor.type = parameter.type_.value
        elif self.has_parameter(parameter.name) and parameter.type_ == Parameter.Type.NOT_SET:
            return SetParametersResult(
                successful=False, reason='Static parameter cannot be undeclared')
        elif (parameter.type_ != Parameter.Type.NOT_SET and
              parameter.type_.value != descriptor.type):
            return SetParametersResult(
                successful=False,
                reason=("Wrong parameter type, expected '{}' got '{}'".format(
                    Parameter.Type(descriptor.type), parameter.type_)))
        if parameter.type_ == Parameter.Type.INTEGER and descriptor.integer_range:
            return self._apply_integer_range(parameter, descriptor.integer_range[0])
        if parameter.type_ == Parameter.Type.DOUBLE and descriptor.floating_point_range:
            return self._apply_floating_point_range(
                parameter, descriptor.floating_point_range[0])
        return SetParametersResult(successful=True)

    def _apply_integer_range(self, parameter, integer_range):
        low = min(integer_range.from_value, integer_range.to_value)
        high = max(integer_range.from_value, integer_range.to_value)
        value = parameter.value
        if value in (low, high):
            return SetParametersResult(successful=True)
        if not low < value < high:
            return SetParametersResult(
                successful=False,
                reason='Parameter {} out of range. Min: {}, Max: {}, value: {}'.format(
                    parameter.name, low, high, value))
        if integer_range.step != 0 and (value - low) % integer_range.step != 0:
            return SetParametersResult(
                successful=False,
                reason='The parameter value for {} is not a valid step. '
                       'Min: {}, max: {}, value: {}, step: {}'.format(
                           parameter.name, low, high, value, integer_range.step))
        return SetParametersResult(successful=True)

    def _apply_floating_point_range(self, parameter, floating_point_range):
        low = min(floating_point_range.from_value, floating_point_range.to_value)
        high = max(floating_point_range.from_value, floating_point_range.to_value)
        value = parameter.value
        if (math.isclose(value, low, rel_tol=self.PARAM_REL_TOL) or
                math.isclose(value, high, rel_tol=self.PARAM_REL_TOL)):
            return SetParametersResult(successful=True)
        if not low < value < high:
            return SetParametersResult(
                successful=False,
                reason='Parameter {} out of range Min: {}, Max: {}, value: {}'.format(
                    parameter.name, low, high, value))
        step = floating_point_range.step
        if step != 0.0:
            steps = round((value - low) / step)
            if not math.isclose(low + steps * step, value, rel_tol=self.PARAM_REL_TOL):
                return SetParametersResult(
                    successful=False,
                    reason='The parameter value for {} is not close enough to a valid step. '
                           'Min: {}, max: {}, value: {}, step: {}'.format(
                               parameter.name, low, high, value, step))
        return SetParametersResult(successful=True)

    def describe_parameter(self, name):
        """
        Return the descriptor of a parameter.

        :raises ParameterNotDeclaredException: if not declared (and undeclared not allowed).
        """
        try:
            return self._descriptors[name]
        except KeyError:
            if self._allow_undeclared_parameters:
                return ParameterDescriptor()
            raise ParameterNotDeclaredException(name)

    def describe_parameters(self, names):
        """Return the descriptors of several parameters."""
        return [self.describe_parameter(name) for name in names]

    def set_descriptor(self, name, descriptor, alternative_value=None):
        """Replace a parameter's descriptor; return its (possibly new) ``ParameterValue``."""
        if not self.has_parameter(name):
            if not self._allow_undeclared_parameters:
                raise ParameterNotDeclaredException(name)
            return self.get_parameter(name).get_parameter_value()
        if self.describe_parameter(name).read_only:
            raise ParameterImmutableException(name)
        current = self.get_parameter(name)
        if alternative_value is None:
            alternative = current
        else:
            from rcl_interfaces.msg import Parameter as ParameterMsg
            alternative = Parameter.from_parameter_msg(
                ParameterMsg(name=name, value=alternative_value))
        if not self._apply_descriptor_and_set(current, descriptor, False).successful:
            result = self._apply_descriptor_and_set(alternative, descriptor, False)
            if not result.successful:
                raise InvalidParameterValueException(name, alternative.value, result.reason)
        self._descriptors[name] = descriptor
        return self.get_parameter(name).get_parameter_value()

    def _apply_descriptor_and_set(self, parameter, descriptor=None, check_read_only=True):
        result = self._apply_descriptor(parameter, descriptor, check_read_only)
        if result.successful:
            self._parameters[parameter.name] = parameter
        return result

    # ------------------------------------------------------------------ pub / sub / timers
    def _validate_qos_or_depth_parameter(self, qos_or_depth):
        if isinstance(qos_or_depth, QoSProfile):
            return qos_or_depth
        if isinstance(qos_or_depth, int):
            if qos_or_depth < 0:
                raise ValueError('history depth must be greater than or equal to zero')
            return QoSProfile(depth=qos_or_depth)
        raise TypeError(
            'Expected QoSProfile or int, but received {!r}'.format(type(qos_or_depth)))

    def create_publisher(self, msg_type, topic, qos_profile, *, callback_group=None,
                         event_callbacks=None, qos_overriding_options=None,
                         publisher_class=Publisher):
        """
        Create a publisher on ``topic`` (relative names get the node namespace).

        :param qos_profile: a ``QoSProfile`` or a KEEP_LAST depth.
        """
        qos_profile = self._validate_qos_or_depth_parameter(qos_profile)
        callback_group = callback_group or self.default_callback_group
        check_is_valid_msg_type(msg_type)
        final_topic = self.resolve_topic_name(topic)
        event_callbacks = event_callbacks or PublisherEventCallbacks()
        impl = _graph.PublisherImpl(self, final_topic, msg_type, qos_profile, event_callbacks)
        publisher = publisher_class(
            impl, msg_type, topic, qos_profile, event_callbacks=event_callbacks,
            callback_group=callback_group)
        _graph.GRAPH.add_publisher(impl)
        self.__publishers.append(publisher)
        return publisher

    def create_subscription(self, msg_type, topic, callback, qos_profile, *,
                            callback_group=None, event_callbacks=None,
                            qos_overriding_options=None, raw=False):
        """Create a subscription; ``callback(msg)`` runs when an executor spins."""
        qos_profile = self._validate_qos_or_depth_parameter(qos_profile)
        callback_group = callback_group or self.default_callback_group
        if raw:
            raise NotImplementedError('the rclpy stand-in has no raw subscriptions')
        check_is_valid_msg_type(msg_type)
        final_topic = self.resolve_topic_name(topic)
        event_callbacks = event_callbacks or SubscriptionEventCallbacks()
        impl = _graph.SubscriptionImpl(self, final_topic, msg_type, qos_profile, event_callbacks)
        subscription = Subscription(
            impl, msg_type, topic, callback, callback_group, qos_profile, raw,
            event_callbacks=event_callbacks)
        callback_group.add_entity(subscription)
        self.__subscriptions.append(subscription)
        _graph.GRAPH.add_subscription(impl)
        return subscription

    def create_timer(self, timer_period_sec, callback, callback_group=None, clock=None):
        """Create a timer calling ``callback()`` every ``timer_period_sec`` seconds."""
        timer_period_nsec = int(float(timer_period_sec) * S_TO_NS)
        if callback_group is None:
            callback_group = self.default_callback_group
        if clock is None:
            clock = self._clock
        timer = Timer(callback, callback_group, timer_period_nsec, clock, context=self.context)
        callback_group.add_entity(timer)
        self.__timers.append(timer)
        self._wake_executor()
        return timer

    def create_client(self, srv_type, srv_name, *, qos_profile=qos_profile_services_default,
                      callback_group=None):
        """Create a client of service ``srv_name`` (relative names get the node namespace)."""
        if callback_group is None:
            callback_group = self.default_callback_group
        check_is_valid_srv_type(srv_type)
        name = self.resolve_service_name(srv_name)
        impl = _graph.ClientImpl(self, name, srv_type, qos_profile)
        client = Client(self.context, impl, srv_type, srv_name, qos_profile, callback_group)
        callback_group.add_entity(client)
        self._clients.append(client)
        _graph.GRAPH.add_client(impl)
        return client

    def create_service(self, srv_type, srv_name, callback, *,
                       qos_profile=qos_profile_services_default, callback_group=None):
        """Create a service; ``callback(request, response)`` runs when an executor spins."""
        if callback_group is None:
            callback_group = self.default_callback_group
        check_is_valid_srv_type(srv_type)
        name = self.resolve_service_name(srv_name)
        impl = _graph.ServiceImpl(self, name, srv_type, qos_profile)
        service = Service(impl, srv_type, srv_name, callback, callback_group, qos_profile)
        callback_group.add_entity(service)
        self._services.append(service)
        _graph.GRAPH.add_service(impl)
        return service

    def destroy_client(self, client):
        """Destroy a client of this node; return False if it is not one."""
        if client in self._clients:
            self._clients.remove(client)
            client.destroy()
            self._wake_executor()
            return True
        return False

    def destroy_service(self, service):
        """Destroy a service of this node; return False if it is not one."""
        if service in self._services:
            self._services.remove(service)
            service.destroy()
            self._wake_executor()
            return True
        return False

    def destroy_publisher(self, publisher):
        """Destroy a publisher of this node; return False if it is not one."""
        if publisher in self.__publishers:
            self.__publishers.remove(publisher)
            publisher.destroy()
            self._wake_executor()
            return True
        return False

    def destroy_subscription(self, subscription):
        """Destroy a subscription of this node; return False if it is not one."""
        if subscription in self.__subscriptions:
            self.__subscriptions.remove(subscription)
            subscription.destroy()
            self._wake_executor()
            return True
        return False

    def destroy_timer(self, timer):
        """Destroy a timer of this node; return False if it is not one."""
        if timer in self.__timers:
            self.__timers.remove(timer)
            timer.destroy()
            self._wake_executor()
            return True
        return False

    def destroy_node(self):
        """Destroy every entity of the node and the node itself."""
        self._parameter_event_publisher = None
        while self.__publishers:
            self.__publishers.pop().destroy()
        while self.__subscriptions:
            self.__subscriptions.pop().destroy()
        while self.__timers:
            self.__timers.pop().destroy()
        while self._clients:
            self._clients.pop().destroy()
        while self._services:
            self._services.pop().destroy()
        _graph.GRAPH.remove_node(self)
        self._destroyed = True
        self._wake_executor()

    # ------------------------------------------------------------------ graph queries
    def count_publishers(self, topic_name):
        """Return the number of publishers on a topic (expanded, not remapped), any QoS."""
        fq_topic_name = expand_topic_name(topic_name, self.get_name(), self.get_namespace())
        return _graph.GRAPH.count('pub', fq_topic_name)

    def count_subscribers(self, topic_name):
        """Return the number of subscriptions on a topic (expanded, not remapped), any QoS."""
        fq_topic_name = expand_topic_name(topic_name, self.get_name(), self.get_namespace())
        return _graph.GRAPH.count('sub', fq_topic_name)

    def get_topic_names_and_types(self, no_demangle=False):
        """Return ``[(topic, [type, ...]), ...]`` of every topic in the graph."""
        return _graph.GRAPH.topic_names_and_types()

    def get_node_names(self):
        """Return the names of every node in the graph."""
        return [node.get_name() for node in list(_graph.GRAPH.nodes)]

    def get_node_names_and_namespaces(self):
        """Return ``[(name, namespace), ...]`` of every node in the graph."""
        return [(node.get_name(), node.get_namespace()) for node in list(_graph.GRAPH.nodes)]
