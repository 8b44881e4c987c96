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
DnnNode: the lifecycle node every task node shares.

The node is thin: the core :class:`~jetson_dnn_ros.pipeline.Pipeline` converts, runs and
decodes; :mod:`jetson_dnn_ros.ros.conversions` builds the messages. A task node subclass sets
:attr:`DnnNode.task`, creates its publishers in :meth:`DnnNode.create_outputs` and turns a
result into messages in :meth:`DnnNode.publish_result`.

Lifecycle (managed from outside: launch files, ``ros2 lifecycle set``; never by the node):

- configure: read parameters, resolve the model descriptor, create the backend (build or load
  the TensorRT engine), warm up, create the lifecycle publishers, publish ``label_info``
  (reliable + transient local, depth 1: late subscribers still get it), start ``/diagnostics``.
- activate: subscribe to ``image`` (or ``image/compressed``) and ``camera_info``, then
  ``super().on_activate`` switches the lifecycle publishers on.
- deactivate: destroy the subscriptions, then ``super().on_deactivate``.
- cleanup / shutdown / error: close the pipeline (frees engine and GPU memory), destroy
  publishers and timers.

Every transition catches its exceptions, logs them once with their cause and returns FAILURE
(rclpy would turn an exception into ERROR without a word); a failed configure leaves the node
unconfigured, so fixing the parameter and configuring again works.

Transition requests: transitions run one at a time (``trigger_*`` and the ``change_state``
service share one lock), so an autostart sequence racing a client's request cannot interleave
with it. A ``change_state`` request for a transition that is not available in the current state
(e.g. ``activate`` while unconfigured) is answered ``success=false`` with a warning naming the
refused transition, and the node keeps its state: the request is checked against the state
machine's available transitions before rclpy sees it, and any error of rclpy's own handler is
contained (Humble's rclpy 3.3.x would raise ``RCLError`` out of the service callback and stop
the executor, ros2/rclpy#1209). ``trigger_*`` keep rclpy's behaviour (``RCLError`` for an
invalid transition).

Results during transitions: a result is published only while the node is active and no
transition is running, and only if no transition began while its frame was processed. A frame
still in flight when deactivate, cleanup or shutdown begins is dropped (counted in
``frames_dropped``), never published, even if the node is active again by the time the frame is
done. Timers and callbacks that read configured resources (``/diagnostics``, parameter changes)
skip or wait while a transition runs, so teardown never pulls a publisher or the pipeline from
under them.

QoS: images are subscribed best effort, keep last **1** by default ("latest frame wins";
Humble's ``qos_profile_sensor_data`` keeps 5). Results are published reliable, keep last
:data:`RESULT_DEPTH`: a reliable publisher matches both reliable (``ros2 bag record``) and
best-effort (rviz) subscribers; image outputs keep only 1 because they are large.

Dropped frames: with depth 1 the middleware silently replaces an unread frame by the newer one,
which the node cannot see. What the node counts as ``dropped`` is every frame that arrived while
the previous one was still being processed (the image callback is in a reentrant callback group,
so with a multi-threaded executor a second callback starts and returns at once) plus frames
skipped by ``max_rate``. With a single-threaded executor the first kind cannot be observed.
"""

import collections
import functools
import gc
import threading
import time
from typing import Any, Callable, Deque, Dict, List, Optional, Sequence, Tuple

from jetson_dnn_ros.errors import ModelError
from jetson_dnn_ros.ros import params as P
from rcl_interfaces.msg import (FloatingPointRange, IntegerRange, ParameterDescriptor,
                                SetParametersResult)
import rclpy
from rclpy.callback_groups import MutuallyExclusiveCallbackGroup, ReentrantCallbackGroup
from rclpy.lifecycle import LifecycleNode, LifecycleState, TransitionCallbackReturn
from rclpy.qos import (DurabilityPolicy, HistoryPolicy, qos_profile_system_default, QoSProfile,
                       ReliabilityPolicy)
from sensor_msgs.msg import CameraInfo, CompressedImage, Image

RESULT_DEPTH = 5
"""History depth of the (small) result publishers."""

STAGES = ('convert', 'preprocess', 'infer', 'decode', 'publish')
"""Pipeline stages reported in /diagnostics, in milliseconds."""


def image_qos(kind: str) -> QoSProfile:
    """
    Return the image subscription QoS for the ``image_qos`` parameter.

    :param kind: ``sensor_data`` (best effort, volatile, keep last 1), ``reliable`` (reliable,
        volatile, keep last 1) or ``system_default`` (the RMW defaults).
    :raises ValueError: on another value.
    """
    if kind == 'system_default':
        return qos_profile_system_default
    if kind not in ('sensor_data', 'reliable'):
        raise ValueError('image_qos must be sensor_data, reliable or system_default, '
                         f'got {kind!r}')
    return QoSProfile(
        history=HistoryPolicy.KEEP_LAST, depth=1,
        reliability=(ReliabilityPolicy.BEST_EFFORT if kind == 'sensor_data'
                     else ReliabilityPolicy.RELIABLE),
        durability=DurabilityPolicy.VOLATILE)


def result_qos(depth: int = RESULT_DEPTH) -> QoSProfile:
    """Return the QoS of result publishers: reliable, volatile, keep last ``depth``."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=depth,
                      reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.VOLATILE)


def latched_qos() -> QoSProfile:
    """Return the ``label_info`` QoS: reliable, transient local, keep last 1 (like CameraInfo)."""
    return QoSProfile(history=HistoryPolicy.KEEP_LAST, depth=1,
                      reliability=ReliabilityPolicy.RELIABLE,
                      durability=DurabilityPolicy.TRANSIENT_LOCAL)


def descriptor_of(spec: P.ParamSpec) -> ParameterDescriptor:
    """Return the ROS ParameterDescriptor of a :class:`~jetson_dnn_ros.ros.params.ParamSpec`."""
    desc = ParameterDescriptor(name=spec.name, description=spec.description,
                               additional_constraints=spec.constraints,
                               read_only=spec.read_only,
                               # a string array whose default is empty: rclpy would infer
                               # BYTE_ARRAY from [] and refuse ['front', 'left']; text that
                               # may be given as a number (input_size 308321)
                               dynamic_typing=isinstance(spec.default, tuple) or spec.also_int)
    if spec.float_range is not None:
        desc.floating_point_range = [FloatingPointRange(
            from_value=float(spec.float_range[0]), to_value=float(spec.float_range[1]),
            step=0.0)]
    if spec.int_range is not None:
        desc.integer_range = [IntegerRange(from_value=int(spec.int_range[0]),
                                           to_value=int(spec.int_range[1]), step=0)]
    return desc


RECENT_S = 5.0
"""Seconds a failed frame keeps the diagnostics at WARN (at least one diagnostics period)."""


class FrameStats:
    """
    Frame counters and stage latencies of a node (thread-safe).

    Totals count since configure. The level of /diagnostics is not based on them but on what
    happened recently: the current report window (frames received, published, stale) and the
    last :data:`RECENT_S` seconds (failed frames), so one bad frame gives WARN for a few seconds,
    not forever.

    :param clock: returns monotonic seconds (tests pass a fake one).
    """

    def __init__(self, clock: Callable[[], float] = time.monotonic):
        self._clock = clock
        now = clock()
        self._lock = threading.Lock()
        self.received_total = 0
        self.published_total = 0
        self.dropped_total = 0
        self.stale_total = 0
        self.bad_input_total = 0
        self.errors_total = 0
        self.last_error = ''
        self._failures: Deque[float] = collections.deque(maxlen=10000)
        self._last_frame = now
        self._reset_window(now)

    def _reset_window(self, now: float) -> None:
        self._window_start = now
        self._received = 0
        self._published = 0
        self._stale = 0
        self._sums = dict.fromkeys(STAGES, 0.0)

    def waiting(self) -> None:
        """Start timing the wait for frames again (on activate): ``since_last_frame_s``."""
        with self._lock:
            self._last_frame = self._clock()

    def received(self) -> None:
        """Count a frame that reached the image callback."""
        with self._lock:
            self.received_total += 1
            self._received += 1
            self._last_frame = self._clock()

    def dropped(self) -> None:
        """Count a frame skipped because the node was busy or ``max_rate`` holds it back."""
        with self._lock:
            self.dropped_total += 1

    def stale(self) -> None:
        """Count a frame dropped because its stamp is older than ``max_age``."""
        with self._lock:
            self.stale_total += 1
            self._stale += 1

    def bad_input(self, reason: str) -> None:
        """Count a malformed input frame."""
        with self._lock:
            self.bad_input_total += 1
            self.last_error = reason
            self._failures.append(self._clock())

    def error(self, reason: str) -> None:
        """Count a frame that failed in conversion, inference, drawing or publishing."""
        with self._lock:
            self.errors_total += 1
            self.last_error = reason
            self._failures.append(self._clock())

    def published(self, stage_ms: Dict[str, float]) -> None:
        """Count a processed frame and add its stage latencies in milliseconds."""
        with self._lock:
            self.published_total += 1
            self._published += 1
            for key, value in stage_ms.items():
                self._sums[key] += float(value)

    def report(self, now: Optional[float] = None, recent_s: float = RECENT_S
               ) -> Dict[str, str]:
        """
        Return the key/values for /diagnostics and start a new window.

        :param now: monotonic time in seconds (default: the clock's).
        :param recent_s: how far back ``recent_failures`` looks, in seconds.
        :return: ``fps_in``/``fps_out`` (frames per second over the window), mean stage
            latencies (``<stage>_ms``), the window's ``window_received``,
            ``window_published`` and ``window_stale``, ``recent_failures`` (bad inputs and
            errors in the last ``recent_s`` seconds), ``since_last_frame_s`` (seconds since a
            frame arrived, or since :meth:`waiting`), and the totals since configure.
        """
        now = self._clock() if now is None else now
        with self._lock:
            dt = max(now - self._window_start, 1e-9)
            n = max(self._published, 1)
            while self._failures and self._failures[0] < now - recent_s:
                self._failures.popleft()
            values = {'fps_in': f'{self._received / dt:.2f}',
                      'fps_out': f'{self._published / dt:.2f}'}
            for key in STAGES:
                values[f'{key}_ms'] = f'{self._sums[key] / n:.2f}'
            values.update(frames_received=str(self.received_total),
                          frames_published=str(self.published_total),
                          frames_dropped=str(self.dropped_total),
                          frames_stale=str(self.stale_total),
                          bad_input=str(self.bad_input_total),
                          errors=str(self.errors_total), last_error=self.last_error,
                          window_received=str(self._received),
                          window_published=str(self._published),
                          window_stale=str(self._stale),
                          recent_failures=str(len(self._failures)),
                          since_last_frame_s=f'{max(now - self._last_frame, 0.0):.1f}')
            self._reset_window(now)
        return values


class _Camera:
    """
    One camera a node serves: its topics, latest waiting frame, outputs and counters.

    :param name: the camera namespace (``front``); ``''`` = the single default camera, whose
        topics are the node's own ``image`` and ``camera_info`` and whose counters are the
        node's :attr:`DnnNode.stats`.
    """

    def __init__(self, name: str):
        self.name = name
        self.stats = FrameStats()
        self.info: Optional[CameraInfo] = None
        self.image_sub = None
        self.info_sub = None
        self.pending = None         # (msg, generation, monotonic arrival) of the latest frame
        self.last_start = 0.0       # monotonic time its last frame was taken for inference
        self.outputs: Dict[str, Any] = {}   # node attributes create_outputs set for it

    def topic(self, relative: str) -> str:
        """Return ``relative`` under this camera's namespace (``front/detections``)."""
        return f'{self.name}/{relative}' if self.name else relative


class DnnNode(LifecycleNode):
    """
    Lifecycle node running one :class:`~jetson_dnn_ros.pipeline.Pipeline` on images.

    Subclasses set :attr:`task` and override :meth:`create_outputs` and
    :meth:`publish_result`; everything else (parameters, lifecycle, input, overlay,
    diagnostics) is here.

    :param node_name: node name; default ``<task>_node``.
    :param kwargs: passed to :class:`rclpy.lifecycle.LifecycleNode` (``namespace``,
        ``parameter_overrides``, ``context``, …).
    """

    task = ''
    uses_camera_info = False
    RELEASE_WAIT_S = 5.0
    """Seconds cleanup waits for a frame in flight before leaving the pipeline to that frame."""

    def __setattr__(self, name: str, value) -> None:
        """Set an attribute; while a camera's outputs are created, remember its name."""
        assigned = self.__dict__.get('_assigned')
        if assigned is not None:
            assigned.add(name)
        super().__setattr__(name, value)

    def __init__(self, node_name: Optional[str] = None, **kwargs):
        if self.task not in P.TASKS:
            raise TypeError(f'{type(self).__name__}.task must be one of {P.TASKS}')
        super().__init__(node_name or P.node_name(self.task), **kwargs)
        self.pipeline = None
        self.stats = FrameStats()
        self.overlay_options = None
        self._params = P.param_table(self.task)
        self._values: Dict[str, Any] = {}
        self._configured = False
        self._busy = threading.Lock()
        self._cameras: List[_Camera] = [_Camera('')]
        self._current = self._cameras[0]   # the camera whose outputs are in use
        self._pending_lock = threading.Lock()
        self._next_camera = 0       # round-robin start of the next batch
        self._capacity = 1          # frames per inference (0 = no limit of the model's)
        self._batch_sizes: Dict[int, int] = collections.Counter()
        self._batch_timer = None
        self._image_sub = None
        self._info_sub = None
        self._lifecycle_pubs: List[Any] = []
        self._label_pub = None
        self._overlay_pub = None
        self._diag_pub = None
        self._diag_timer = None
        self._image_group = ReentrantCallbackGroup()
        self._timer_group = MutuallyExclusiveCallbackGroup()
        # held for the whole of every transition; result publishing and the diagnostics timer
        # are "users" that start only while no transition runs, and a transition waits for the
        # users that started before it (users never wait, and never exclude each other)
        self._transition_lock = threading.RLock()
        self._users = 0
        self._users_done = threading.Condition(threading.Lock())
        self._transitioning = False   # set (under _users_done) while a transition runs
        self._generation = 0   # transitions begun so far: a frame spanning one is dropped
        self._orphan_lock = threading.Lock()
        self._orphan = None   # a pipeline cleanup could not close: a frame was still using it
        self._guard_change_state_service()
        for spec in self._params.values():
            default = list(spec.default) if isinstance(spec.default, tuple) else spec.default
            self.declare_parameter(spec.name, default, descriptor_of(spec))
        self._values = {name: self.get_parameter(name).value for name in self._params}
        self.add_on_set_parameters_callback(self._on_set_parameters)

    # ---------------------------------------------------------------- task hooks
    def create_outputs(self) -> None:
        """Create the task's lifecycle publishers with :meth:`lifecycle_publisher`."""

    def publish_result(self, result, header, image_bgr) -> None:
        """
        Publish one result as the task's messages.

        :param result: the task result dataclass (source-image pixels).
        :param header: the input image's std_msgs/Header, copied into every output.
        :param image_bgr: (H, W, 3) uint8 BGR source image when a visual output needs it
            (see :meth:`needs_image`), else None.
        """
        raise NotImplementedError

    def postprocess(self, result):
        """Return the result to publish and draw (hook for stateful steps such as tracking)."""
        return result

    def needs_image(self) -> bool:
        """Return True if :meth:`publish_result` needs the BGR image (besides the overlay)."""
        return False

    def check_values(self, values: Dict[str, Any]) -> Optional[str]:
        """
        Check task parameter values against the loaded model (labels, colour maps).

        :param values: every parameter value of the node after the proposed change.
        :return: None if acceptable, else the reason to reject the change.
        """
        return None

    def overlay_options_for(self, values: Dict[str, Any]):
        """
        Return the :class:`~jetson_dnn_ros.overlay.OverlayOptions` for ``values``.

        :raises ValueError: on an invalid flag string or alpha.
        """
        from jetson_dnn_ros.overlay import OverlayOptions
        return OverlayOptions.parse(values['overlay'], values['overlay_alpha'], task=self.task)

    # ---------------------------------------------------------------- helpers
    def lifecycle_publisher(self, msg_type, topic: str, qos: Optional[QoSProfile] = None):
        """
        Create a lifecycle publisher that cleanup destroys (default QoS: results).

        Called from :meth:`create_outputs`, which runs once per camera: ``topic`` is put
        under the camera's namespace (``front/detections``; unchanged with one camera).
        """
        pub = self.create_lifecycle_publisher(msg_type, self._current.topic(topic),
                                              qos if qos is not None else result_qos())
        self._lifecycle_pubs.append(pub)
        return pub

    def subscribed(self, publisher) -> bool:
        """Return True if ``publisher``'s topic (after remapping) has subscribers."""
        if publisher is None:
            return False
        return self.count_subscribers(publisher.topic_name) > 0

    @property
    def values(self) -> Dict[str, Any]:
        """Return the current parameter values of this node's table (a copy)."""
        return dict(self._values)

    @property
    def camera_info(self) -> Optional[CameraInfo]:
        """Return the last sensor_msgs/CameraInfo of the camera being published, or None."""
        return self._current.info

    @property
    def cameras(self) -> Tuple[str, ...]:
        """Return the camera namespaces served (``('',)`` = the single default camera)."""
        return tuple(cam.name for cam in self._cameras)

    @property
    def _last_start(self) -> float:
        """Monotonic time the (first) camera's last frame started processing."""
        return self._cameras[0].last_start

    @_last_start.setter
    def _last_start(self, value: float) -> None:
        self._cameras[0].last_start = value

    def camera_stats(self, camera: str) -> FrameStats:
        """
        Return the counters of one camera (the node's :attr:`stats` for the default one).

        :raises KeyError: for a camera this node does not serve.
        """
        for cam in self._cameras:
            if cam.name == camera:
                return cam.stats if cam.name else self.stats
        raise KeyError(f'no camera {camera!r}; this node serves {list(self.cameras)}')

    def batch_histogram(self) -> Dict[int, int]:
        """Return ``{frames per inference: inferences}`` since configure."""
        with self._pending_lock:
            return dict(self._batch_sizes)

    def _decode_changes(self, values: Dict[str, Any]) -> Dict[str, Any]:
        """Map parameter values to ``Pipeline.update_params`` keywords (sentinels resolved)."""
        defaults = self.pipeline.descriptor.params
        changes = {}
        for key in P.DECODE_KEYS:
            if key not in values:
                continue
            value = values[key]
            if key in ('score_threshold', 'iou_threshold') and value < 0:
                value = getattr(defaults, key)
            elif key in ('top_k', 'max_detections') and value == 0:
                value = getattr(defaults, key)
            changes[key] = value
        for key, option in P.DECODE_OPTIONS.items():
            if key in values:
                value = values[key]
                changes[option] = value if value != '' else None
        return changes

    # ---------------------------------------------------------------- parameters
    def _on_set_parameters(self, parameters) -> SetParametersResult:
        # a transition (cleanup) may be replacing the pipeline this reads: wait for it
        with self._transition_lock:
            return self._set_parameters(parameters)

    def _set_parameters(self, parameters) -> SetParametersResult:
        new = dict(self._values)
        for param in parameters:
            spec = self._params.get(param.name)
            if spec is None:  # use_sim_time, QoS overrides, …
                continue
            reason = spec.validate(param.value)
            if reason is None and not spec.runtime and self._configured \
                    and param.value != self._values.get(param.name):
                reason = (f'{param.name} is applied on configure; deactivate and clean up the '
                          'node, set it, then configure again')
            if reason is not None:
                return SetParametersResult(successful=False, reason=reason)
            new[param.name] = param.value
        try:
            P.parse_cameras(new.get('cameras', ()))
            overlay = self.overlay_options_for(new)
            reason = self.check_values(new) if self.pipeline is not None else None
            if reason is not None:
                return SetParametersResult(successful=False, reason=reason)
            if self.pipeline is not None:
                self.pipeline.update_params(**self._decode_changes(new))
        except ValueError as exc:
            return SetParametersResult(successful=False, reason=str(exc))
        except Exception as exc:  # noqa: B902 - a parameter callback never raises into rclpy
            return SetParametersResult(successful=False, reason=_describe(exc))
        self._values = new
        self.overlay_options = overlay
        self.get_logger().debug(f'parameters changed: {[p.name for p in parameters]}')
        return SetParametersResult(successful=True)

    # ---------------------------------------------------------------- transitions
    def _guard_change_state_service(self) -> None:
        """Route the ``change_state`` service through :meth:`_on_change_state_request`."""
        service = getattr(self, '_service_change_state', None)
        if service is None:  # enable_communication_interface=False
            return
        self._rclpy_change_state = service.callback
        service.callback = self._on_change_state_request

    def _begin_transition(self) -> None:
        """Mark a transition as begun and wait for running users (caller holds the lock)."""
        with self._users_done:
            self._transitioning = True
            self._generation += 1
            self._users_done.wait_for(lambda: self._users == 0)

    def _end_transition(self) -> None:
        """Let users start again (caller holds the lock)."""
        with self._users_done:
            self._transitioning = False

    def _enter_use(self, allowed: Callable[[], bool] = lambda: True) -> bool:
        """
        Start using configured resources unless a transition runs or ``allowed()`` is False.

        :return: True if the caller may go on; it must then call :meth:`_exit_use`.
        """
        with self._users_done:
            if self._transitioning or not allowed():
                return False
            self._users += 1
            return True

    def _exit_use(self) -> None:
        with self._users_done:
            self._users -= 1
            self._users_done.notify_all()

    def _on_change_state_request(self, request, response):
        """
        Answer a ``lifecycle_msgs/srv/ChangeState`` request; never raises.

        :param request: ``ChangeState.Request`` (``transition.label`` wins over its ``id``).
        :param response: ``ChangeState.Response`` to fill.
        :return: ``response``; ``success`` is False for a transition that is not available in
            the current state (logged as a warning, the state is kept) or that failed.
        """
        with self._transition_lock:
            transition = request.transition
            wanted = repr(transition.label) if transition.label else f'id {transition.id}'
            try:
                refusal = self._refusal(transition.id, transition.label)
                if refusal is None:
                    self._begin_transition()
                    try:
                        return self._rclpy_change_state(request, response)
                    finally:
                        self._end_transition()
            except Exception as exc:  # noqa: B902 - e.g. RCLError on Humble; never reach spin
                refusal = _describe(exc)
            self.get_logger().warning(f'refused lifecycle transition {wanted}: {refusal}')
            response.success = False
            return response

    def _refusal(self, transition_id: int, label: str) -> Optional[str]:
        """Return why a requested transition is not available now, or None if it is."""
        state_id, state_label = self._state_machine.current_state
        available = [t for t in self._state_machine.available_transitions
                     if t[1] in _USER_TRANSITIONS]
        if any((t[1] == label) if label else (t[0] == transition_id) for t in available):
            return None
        names = ', '.join(sorted({t[1] for t in available})) or 'none'
        return f'not available in state {state_label!r} (available: {names})'

    def _serialised(self, trigger: Callable[[], Any]):
        with self._transition_lock:
            self._begin_transition()
            try:
                return trigger()
            finally:
                self._end_transition()

    def trigger_configure(self):
        """Trigger configure (serialised with every other transition); see rclpy."""
        return self._serialised(super().trigger_configure)

    def trigger_cleanup(self):
        """Trigger cleanup (serialised with every other transition); see rclpy."""
        return self._serialised(super().trigger_cleanup)

    def trigger_activate(self):
        """Trigger activate (serialised with every other transition); see rclpy."""
        return self._serialised(super().trigger_activate)

    def trigger_deactivate(self):
        """Trigger deactivate (serialised with every other transition); see rclpy."""
        return self._serialised(super().trigger_deactivate)

    def trigger_shutdown(self):
        """Trigger shutdown (serialised with every other transition); see rclpy."""
        return self._serialised(super().trigger_shutdown)

    def destroy_node(self):
        """Destroy the node once no transition, publish or diagnostics callback runs."""
        with self._transition_lock:
            self._begin_transition()
            return super().destroy_node()

    def _publish_gate(self, generation: int) -> bool:
        """
        Return True if a result may be published now (then call :meth:`_exit_use` after it).

        It may if the node is active, no transition runs and none began since the frame's
        processing started (``generation``); a transition waits for a publish that started.
        """
        return self._enter_use(lambda: (
            generation == self._generation and self._image_sub is not None
            and self._state_machine.current_state[1] == 'active'))

    # ---------------------------------------------------------------- lifecycle
    def on_configure(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Load the model, warm up, create publishers and publish label_info."""
        try:
            self._configure()
        except Exception as exc:  # noqa: B902 - logged with its cause, node stays usable
            self._release()
            self.get_logger().error(f'configure failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        return TransitionCallbackReturn.SUCCESS

    def _configure(self) -> None:
        from jetson_dnn_ros.pipeline import Pipeline
        values = {name: self.get_parameter(name).value for name in self._params}
        self._values = values
        model = values['model_config'] or values['model'] or P.DEFAULT_MODELS[self.task]
        options = {}
        if values['engine_cache_dir']:
            options['engine_cache_dir'] = values['engine_cache_dir']
        if values['engine_file_path']:
            options['engine_file_path'] = values['engine_file_path']
        if values['force_engine_update']:
            options['force_engine_update'] = True
        options.update(P.backend_options(values))
        if not values['verify_engine']:
            options['verify_engine'] = False   # None (default) = on when ONNX Runtime imports
        cameras = P.parse_cameras(values['cameras'])
        if len(cameras) > 1:  # a TensorRT engine of a dynamic-batch model takes max_batch
            options['max_batch'] = values['max_batch']
        start = time.perf_counter()
        pipeline = Pipeline.from_model(model, backend=values['backend'],
                                       precision=values['precision'],
                                       model_file=values['model_file_path'] or None,
                                       decoder=values['decoder'] or None,
                                       input_size=str(values['input_size']) or None,
                                       **options)
        self.pipeline = pipeline
        from jetson_dnn_ros.models import assumed_defaults
        warning = assumed_defaults(pipeline.descriptor, 'set the model parameter to it')
        if warning:
            self.get_logger().warning(warning)
        if pipeline.task != self.task:
            raise ModelError(f'model {pipeline.descriptor.name!r} is a {pipeline.task} model; '
                             f'the {self.task} node needs a {self.task} model')
        reason = self.check_values(values)
        if reason is not None:
            raise ValueError(reason)
        pipeline.update_params(**self._decode_changes(values))
        self.overlay_options = self.overlay_options_for(values)
        pipeline.warmup()
        self._create_cameras(cameras, pipeline)
        self._diag_pub = self._create_diagnostics_publisher()
        self._diag_timer = self.create_timer(values['diagnostics_period'],
                                             self.publish_diagnostics,
                                             callback_group=self._timer_group)
        if pipeline.labels is not None:
            from jetson_dnn_ros.ros.conversions import label_info_msg
            self._label_pub = self.create_publisher(_label_info_type(), 'label_info',
                                                    latched_qos())
            self._label_pub.publish(label_info_msg(pipeline.labels, self._stamp_header(),
                                                   pipeline.params.score_threshold))
        self.stats = FrameStats()
        self._configured = True
        info = pipeline.backend.describe()
        self.get_logger().info(
            f'configured {pipeline.descriptor.name} ({self.task}) on {info.get("backend")} '
            f'{info.get("device")} {info.get("precision")} in '
            f'{time.perf_counter() - start:.1f} s')

    def _create_cameras(self, names: Sequence[str], pipeline) -> None:
        """
        Create each camera's outputs (overlay, then :meth:`create_outputs` under its namespace).

        The node attributes that :meth:`create_outputs` sets (publisher handles, a tracker)
        are kept per camera and put back in place before that camera's results are
        post-processed and published (:meth:`_use_camera`).
        """
        self._cameras = [_Camera(name) for name in names] or [_Camera('')]
        self._capacity = pipeline.batch_capacity() if len(self._cameras) > 1 else 1
        if self._capacity != 1:
            problem = pipeline.check_batching()
            if problem is not None:
                self.get_logger().warning(
                    f'the model has a batch dimension but a batch of 2 failed ({problem}); '
                    "the cameras' frames run one after another")
                self._capacity = 1
        self._batch_sizes = collections.Counter()
        self._next_camera = 0
        for cam in self._cameras:
            self._current = cam
            self._assigned = set()   # every attribute create_outputs assigns, whatever its value
            try:
                self._overlay_pub = self.lifecycle_publisher(Image, 'overlay', result_qos(1))
                self.create_outputs()
            finally:
                assigned, self._assigned = self._assigned, None
            cam.outputs = {key: getattr(self, key) for key in assigned
                           if key not in ('_current', '_assigned')
                           and not key.startswith(_BASE_PRIVATE)}
        self._use_camera(self._cameras[0])
        window = float(self._values.get('batch_window_ms', 0.0))
        if self._capacity != 1 and window > 0.0:
            self._batch_timer = self.create_timer(window / 1e3, self._on_batch_window,
                                                  callback_group=self._image_group)
            self._batch_timer.cancel()   # armed by the first frame that waits

    def _use_camera(self, cam: _Camera) -> None:
        """Put ``cam``'s outputs (see :meth:`_create_cameras`) in place of the node's."""
        self._current = cam
        for key, value in cam.outputs.items():
            setattr(self, key, value)

    def _keep_camera_state(self, cam: _Camera) -> None:
        """Store back what post-processing changed in ``cam``'s outputs (tracker state)."""
        for key in cam.outputs:
            cam.outputs[key] = getattr(self, key, None)

    def on_activate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Subscribe to each camera's image (and camera_info) input, then enable publishers."""
        try:
            transport = self._values['image_transport']
            qos = image_qos(self._values['image_qos'])
            msg_type = CompressedImage if transport == 'compressed' else Image
            for cam in self._cameras:
                cam.image_sub = self.create_subscription(
                    msg_type, cam.topic(P.INPUT_TOPICS[transport]),
                    self.on_image if not cam.name else
                    functools.partial(self.on_image, camera=cam.name), qos,
                    callback_group=self._image_group)
                if self.uses_camera_info:
                    cam.info_sub = self.create_subscription(
                        CameraInfo, cam.topic(P.CAMERA_INFO_TOPIC),
                        functools.partial(self._on_camera_info, camera=cam.name),
                        image_qos('sensor_data'))
            self._image_sub = self._cameras[0].image_sub
            self._info_sub = self._cameras[0].info_sub
        except Exception as exc:  # noqa: B902
            self._destroy_subscriptions()
            self.get_logger().error(f'activate failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        self.stats.waiting()  # "no frame arrived" is timed from here
        topics = ', '.join(cam.image_sub.topic_name for cam in self._cameras)
        self.get_logger().info(f'active: subscribed to {topics} '
                               f'({transport}, {self._values["image_qos"]})')
        return super().on_activate(state)

    def on_deactivate(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Destroy the subscriptions, then disable the publishers."""
        try:
            self._destroy_subscriptions()
            self._drop_waiting()   # not run after a later activate
        except Exception as exc:  # noqa: B902
            self.get_logger().error(f'deactivate failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        self.get_logger().info('inactive')
        return super().on_deactivate(state)

    def on_cleanup(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Close the pipeline (engine and GPU memory) and destroy publishers and timers."""
        try:
            self._release()
        except Exception as exc:  # noqa: B902
            self.get_logger().error(f'cleanup failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        self.get_logger().info('cleaned up')
        return TransitionCallbackReturn.SUCCESS

    def on_shutdown(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything (from any primary state)."""
        try:
            self._release()
        except Exception as exc:  # noqa: B902
            self.get_logger().error(f'shutdown failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        return TransitionCallbackReturn.SUCCESS

    def on_error(self, state: LifecycleState) -> TransitionCallbackReturn:
        """Release everything after a transition raised; SUCCESS returns to unconfigured."""
        try:
            self._release()
        except Exception as exc:  # noqa: B902
            self.get_logger().error(f'error processing failed: {_describe(exc)}')
            return TransitionCallbackReturn.FAILURE
        self.get_logger().error(f'recovered from an error in state {state.label!r}; '
                                'the node is unconfigured')
        return TransitionCallbackReturn.SUCCESS

    def _destroy_subscriptions(self) -> None:
        subs = {id(sub): sub for sub in [self._image_sub, self._info_sub] + [
            sub for cam in self._cameras for sub in (cam.image_sub, cam.info_sub)]}
        self._image_sub = self._info_sub = None
        for cam in self._cameras:
            cam.image_sub = cam.info_sub = None
        for sub in subs.values():
            if sub is not None:
                self.destroy_subscription(sub)

    def _release(self) -> None:
        """Undo configure/activate; safe on a partly configured node."""
        self._configured = False
        self._destroy_subscriptions()
        # wait for a frame in flight: it still uses the backend; after RELEASE_WAIT_S the rest is
        # torn down and the pipeline is left to that frame, which closes it when it is done
        acquired = self._busy.acquire(timeout=self.RELEASE_WAIT_S)
        try:
            self._teardown(close_pipeline=acquired)
        finally:
            if acquired:
                self._busy.release()
        if not acquired:
            self.get_logger().warning(
                f'a frame was still being processed after {self.RELEASE_WAIT_S:.0f} s; the '
                'pipeline is closed when that frame finishes')
            self._close_orphan()   # the frame may have finished meanwhile

    def _drop_waiting(self) -> None:
        """Drop (and count) the frames waiting for the engine: they are not processed."""
        with self._pending_lock:
            for cam in self._cameras:
                if cam.pending is not None:
                    cam.pending = None
                    self._count(cam, 'dropped')

    def _teardown(self, close_pipeline: bool = True) -> None:
        for attr in ('_diag_timer', '_batch_timer'):
            timer = getattr(self, attr)
            if timer is not None:
                self.destroy_timer(timer)
                setattr(self, attr, None)
        self._drop_waiting()
        for pub in self._lifecycle_pubs:
            self.destroy_lifecycle_publisher(pub)
        self._lifecycle_pubs = []
        self._overlay_pub = None
        for attr in ('_label_pub', '_diag_pub'):
            pub = getattr(self, attr)
            if pub is not None:
                self.destroy_publisher(pub)
                setattr(self, attr, None)
        self.release_outputs()
        for cam in self._cameras:
            cam.outputs = {}
            cam.info = None
        pipeline, self.pipeline = self.pipeline, None
        if pipeline is not None and not close_pipeline:
            with self._orphan_lock:
                self._orphan = pipeline
        elif pipeline is not None:
            pipeline.close()
            del pipeline
            gc.collect()

    def _close_orphan(self) -> None:
        """Close the pipeline cleanup left to a frame in flight, once no frame runs."""
        if not self._busy.acquire(blocking=False):
            return   # the frame still runs: it calls this again when it is done
        try:
            with self._orphan_lock:
                orphan, self._orphan = self._orphan, None
            if orphan is not None:
                orphan.close()
        finally:
            self._busy.release()

    def release_outputs(self) -> None:
        """Forget the task's publisher handles (they are destroyed by the base class)."""

    # ---------------------------------------------------------------- data path
    def _camera(self, name: Optional[str]) -> _Camera:
        """Return the camera called ``name`` (None = the first one)."""
        if name is None:
            return self._cameras[0]
        for cam in self._cameras:
            if cam.name == name:
                return cam
        raise KeyError(f'no camera {name!r}; this node serves {list(self.cameras)}')

    def _count(self, cam: Optional[_Camera], what: str, *args) -> None:
        """Count an event on the node's :attr:`stats` and on a named camera's own counters."""
        getattr(self.stats, what)(*args)
        if cam is not None and cam.name:
            getattr(cam.stats, what)(*args)

    def _on_camera_info(self, msg: CameraInfo, camera: Optional[str] = None) -> None:
        try:
            self._camera(camera).info = msg
        except Exception as exc:  # noqa: B902 - a callback never raises into the executor
            self._contain(exc, 'camera_info callback failed')

    def on_image(self, msg, camera: Optional[str] = None) -> None:
        """
        Process one Image or CompressedImage; never raises.

        Every exception stops here, whatever raised it (conversion, pipeline, drawing,
        publishing): a malformed image is counted as ``bad_input``, anything else as
        ``errors``; both are logged throttled (one line per 5 s) and shown in /diagnostics,
        and the next frame is processed as usual. A failure while the node is leaving the
        active state or the context shuts down (e.g. ``InvalidHandle``, ``context is
        invalid``) is not an error: it is logged at debug level and the frame counted as
        dropped. rclpy would re-raise an escaping exception from ``spin()`` and end the
        process.

        With one camera a frame arriving while the previous one is processed is dropped.
        With several (``cameras``), each camera keeps its latest frame waiting (a newer one
        replaces it, counted as dropped on that camera) and the engine takes the waiting
        frames round-robin, up to ``max_batch`` per inference (see :meth:`_drain`).

        :param msg: sensor_msgs/Image or sensor_msgs/CompressedImage.
        :param camera: the camera namespace it came from (None = the first camera).
        """
        cam = None
        try:
            cam = self._camera(camera)
            self._on_image(msg, cam)
        except Exception as exc:  # noqa: B902 - the executor must never see it
            self._contain(exc, 'processing failed', cam)

    def _on_image(self, msg, cam: _Camera) -> None:
        self._count(cam, 'received')
        if self._is_stale(msg):
            self._count(cam, 'stale')
            return
        max_rate = self._values.get('max_rate', 0.0)
        now = time.monotonic()
        if max_rate > 0.0 and now - cam.last_start < 1.0 / max_rate:
            self._count(cam, 'dropped')
            return
        if len(self._cameras) == 1:
            if not self._busy.acquire(blocking=False):
                self._count(cam, 'dropped')
                return
            try:
                cam.last_start = now
                pipeline = self.pipeline   # cleanup may clear the attribute meanwhile
                if pipeline is not None:
                    self._run([(cam, msg, self._generation)], pipeline)
                else:   # cleaned up while the callback was queued
                    self._count(cam, 'dropped')
            finally:
                self._busy.release()
                if self._orphan is not None:
                    self._close_orphan()
            return
        with self._pending_lock:
            if cam.pending is not None:   # latest frame wins, per camera
                self._count(cam, 'dropped')
            cam.pending = (msg, self._generation, now)
        self._drain()

    def _on_batch_window(self) -> None:
        """Run the frames waiting when the batch window ends (timer callback; never raises)."""
        try:
            timer = self._batch_timer
            if timer is not None:
                timer.cancel()
            self._drain(force=True)
        except Exception as exc:  # noqa: B902 - a callback never raises into the executor
            self._contain(exc, 'batch failed')

    def _batch_due(self, waiting: Sequence[_Camera]) -> bool:
        """Return True if the waiting frames should run now rather than wait for more."""
        window = float(self._values.get('batch_window_ms', 0.0)) / 1e3
        if self._capacity == 1 or window <= 0.0 or self._batch_timer is None:
            return True
        if len(waiting) >= min(len(self._cameras), self._batch_limit()):
            return True   # every camera has a frame: nothing to wait for
        oldest = min(cam.pending[2] for cam in waiting)
        return time.monotonic() - oldest >= window

    def _batch_limit(self) -> int:
        limit = int(self._values.get('max_batch', 1))
        return min(limit, self._capacity) if self._capacity else limit

    def _drain(self, force: bool = False) -> None:
        """
        Run waiting frames until none is left, unless another thread is already doing so.

        A frame that finds the engine idle starts a batch at once when every camera has a
        frame waiting (or the model takes one frame at a time, or ``batch_window_ms`` is 0);
        otherwise it arms the batch window timer, whose callback runs what is waiting then
        (``force``). The thread holding the engine runs batch after batch, taking every
        frame that arrived meanwhile, and looks again after letting the engine go, so no
        frame is left waiting.
        """
        while True:
            with self._pending_lock:
                waiting = [cam for cam in self._cameras if cam.pending is not None]
                if not waiting:
                    return
                if not force and not self._batch_due(waiting):
                    timer = self._batch_timer
                    if timer is not None and timer.is_canceled():
                        timer.reset()
                    return
            if not self._busy.acquire(blocking=False):
                return   # the thread holding the engine takes these frames next
            try:
                while True:
                    batch = self._take_batch()
                    if not batch:
                        break
                    pipeline = self.pipeline   # cleanup may clear the attribute meanwhile
                    if pipeline is not None:
                        self._run(batch, pipeline)
                    else:   # cleaned up while they waited
                        for cam, _, _ in batch:
                            self._count(cam, 'dropped')
            finally:
                self._busy.release()
                if self._orphan is not None:
                    self._close_orphan()
            force = False

    def _take_batch(self) -> List[Tuple[_Camera, Any, int]]:
        """
        Take the waiting frames for one inference, round-robin over the cameras.

        At most one frame per camera (its latest) and :meth:`_batch_limit` frames; the next
        batch starts with the camera after the last one taken, so no camera starves another.
        """
        with self._pending_lock:
            count = len(self._cameras)
            limit = self._batch_limit()
            batch = []
            now = time.monotonic()
            start = self._next_camera
            for step in range(count):
                index = (start + step) % count
                cam = self._cameras[index]
                if cam.pending is None:
                    continue
                msg, generation, _ = cam.pending
                cam.pending = None
                cam.last_start = now
                batch.append((cam, msg, generation))
                self._next_camera = (index + 1) % count
                if len(batch) >= limit:
                    break
            return batch

    def _is_stale(self, msg) -> bool:
        """Return True if ``max_age`` > 0 and the frame's stamp is older than that."""
        max_age = self._values.get('max_age', 0.0)
        if max_age <= 0.0:
            return False
        stamp = msg.header.stamp
        stamp_ns = int(stamp.sec) * 1_000_000_000 + int(stamp.nanosec)
        if stamp_ns == 0:  # unstamped: no age to judge
            return False
        return self.get_clock().now().nanoseconds - stamp_ns > max_age * 1e9

    def _contain(self, exc: Exception, what: str, cam: Optional[_Camera] = None) -> None:
        """Count and log an exception a callback caught (see :meth:`on_image`); never raises."""
        try:
            if self._stopping():
                self._count(cam, 'dropped')
                self.get_logger().debug(f'{what} while stopping (not an error): '
                                        f'{_describe(exc)}')
            elif isinstance(exc, ValueError):  # ImageEncodingError and other bad input
                self._count(cam, 'bad_input', str(exc))
                self.get_logger().warning(f'skipping bad input image{_on(cam)}: {exc}',
                                          throttle_duration_sec=5.0)
            else:
                self._count(cam, 'error', _describe(exc))
                self.get_logger().error(f'{what}{_on(cam)}: {_describe(exc)}',
                                        throttle_duration_sec=5.0)
        except Exception:  # noqa: B902, S110 - logging itself failed (context gone): nothing left
            pass

    def _log_failure(self, what: str, exc: Exception) -> None:
        """Log a failure a non-frame callback caught (debug while stopping); never raises."""
        try:
            try:
                shutting_down = not self.context.ok() or not self._configured
            except Exception:  # noqa: B902 - a destroyed node or context
                shutting_down = True
            if shutting_down:
                self.get_logger().debug(f'{what} while shutting down: {_describe(exc)}')
            else:
                self.get_logger().error(f'{what}: {_describe(exc)}', throttle_duration_sec=5.0)
        except Exception:  # noqa: B902, S110 - logging itself failed (context gone)
            pass

    def _stopping(self) -> bool:
        """Return True once the node is not active any more or its context shuts down."""
        try:
            context_ok = self.context.ok()
        except Exception:  # noqa: B902 - a destroyed node or context
            context_ok = False
        return not context_ok or self._image_sub is None or not self._configured

    def _run(self, items: Sequence[Tuple[_Camera, Any, int]], pipeline=None) -> None:
        """
        Convert, infer (one batch when there are several frames), publish each camera's result.

        A frame that fails is counted on its camera and the others go on.

        :param items: ``(camera, message, generation at arrival)`` per frame; a frame whose
            generation is not the current one at publishing time is dropped.
        :param pipeline: the pipeline the caller took while holding the engine (cleanup may
            clear :attr:`pipeline` meanwhile and leave the pipeline to this frame); None =
            :attr:`pipeline`.
        """
        pipeline = pipeline if pipeline is not None else self.pipeline
        from jetson_dnn_ros.ros.conversions import compressed_msg_to_array, image_msg_to_array
        t0 = time.perf_counter()
        frames = []
        for cam, msg, generation in items:
            try:
                if isinstance(msg, CompressedImage):
                    image, encoding = compressed_msg_to_array(msg)
                else:
                    image, encoding = image_msg_to_array(msg)
            except Exception as exc:  # noqa: B902 - counted on its camera, the others go on
                self._contain(exc, 'processing failed', cam)
                continue
            frames.append((cam, msg, generation, image, encoding))
        if not frames:
            return
        t1 = time.perf_counter()
        try:
            if len(frames) == 1:
                inferences = [pipeline.process(frames[0][3], frames[0][4])]
            else:
                inferences = pipeline.process_batch([f[3:] for f in frames])
        except Exception as exc:  # noqa: B902 - every frame of the batch failed with it
            for frame in frames:
                self._contain(exc, 'processing failed', frame[0])
            return
        with self._pending_lock:
            self._batch_sizes[len(frames)] += 1
        convert_ms = (t1 - t0) * 1e3 / len(frames)
        for frame, inference in zip(frames, inferences):
            try:
                self._publish_frame(*frame, inference, convert_ms)
            except Exception as exc:  # noqa: B902 - counted on its camera, the others go on
                self._contain(exc, 'processing failed', frame[0])

    def _process(self, msg) -> None:
        """Process one frame of the first camera now (see :meth:`_run`)."""
        self._run([(self._cameras[0], msg, self._generation)])

    def _publish_frame(self, cam: _Camera, msg, generation: int, image, encoding: str,
                       inference, convert_ms: float) -> None:
        from jetson_dnn_ros.image import to_bgr8
        self._use_camera(cam)
        try:
            result = self.postprocess(inference.result)
        finally:
            self._keep_camera_state(cam)
        t2 = time.perf_counter()
        if not self._publish_gate(generation):  # a transition began: drop the result
            self._count(cam, 'dropped')
            return
        try:
            want_overlay = self.subscribed(self._overlay_pub)
            bgr = to_bgr8(image, encoding) if want_overlay or self.needs_image() else None
            self.publish_result(result, msg.header, bgr)
            if want_overlay:
                self._publish_overlay(result, msg.header, bgr)
        finally:
            self._exit_use()
        t3 = time.perf_counter()
        timings = inference.timings
        self._count(cam, 'published', {
            'convert': convert_ms, 'preprocess': timings.preprocess_ms,
            'infer': timings.infer_ms, 'decode': timings.decode_ms,
            'publish': (t3 - t2) * 1e3})

    def _publish_overlay(self, result, header, bgr) -> None:
        from jetson_dnn_ros.overlay import draw
        from jetson_dnn_ros.ros.conversions import array_to_image_msg
        drawn = draw(bgr, result, self.overlay_options)
        self._overlay_pub.publish(array_to_image_msg(drawn, 'bgr8', header))

    # ---------------------------------------------------------------- diagnostics
    def _create_diagnostics_publisher(self):
        from diagnostic_msgs.msg import DiagnosticArray
        return self.create_publisher(DiagnosticArray, '/diagnostics', result_qos(10))

    def diagnostics_values(self) -> Dict[str, str]:
        """
        Return the key/values of the next /diagnostics status (resets the fps window).

        :return: :meth:`FrameStats.report`'s values, the backend description, ``model``,
            ``input_size`` (the network W x H of the last frame; with a per-aspect policy
            also its pixel budget), ``state`` and, while active, ``image_topic`` and
            ``image_publishers`` (publishers on it, any QoS) plus ``recent_s`` (the window
            the level looks at, in seconds).
            With several cameras this is the shared engine's status: counts over all
            cameras, ``cameras``, ``batch_capacity``, ``batch_sizes`` (the histogram of
            frames per inference, ``size:count`` pairs) and ``inferences``; each camera has
            its own status (:meth:`camera_diagnostics_values`).
        """
        recent_s = max(RECENT_S, float(self._values.get('diagnostics_period', 1.0)))
        values = self.stats.report(recent_s=recent_s)
        values['recent_s'] = f'{recent_s:g}'
        if self.pipeline is not None:
            values.update({k: str(v) for k, v in self.pipeline.backend.describe().items()})
            values['model'] = self.pipeline.descriptor.name
            size = self.pipeline.last_input_size or (self.pipeline.spec.width,
                                                     self.pipeline.spec.height)
            values['input_size'] = f'{size[0]}x{size[1]}'
            if self.pipeline.input_size is not None:
                values['input_size'] += (f' (per aspect, <= '
                                         f'{self.pipeline.input_size.max_pixels} px)')
            verification = getattr(self.pipeline, 'verification', None)
            if verification is not None:   # TensorRT parity gate (jetson_dnn_ros.parity)
                values['engine_verified'] = 'cached' if verification.cached else 'now'
                values.update({f'parity_{k}': f'{v:.4g}'
                               for k, v in verification.figures.items()})
        sub = self._image_sub
        values['state'] = 'active' if sub is not None else (
            'inactive' if self._configured else 'unconfigured')
        if len(self._cameras) > 1:   # the shared engine: each camera has its own status
            histogram = self.batch_histogram()
            values['cameras'] = ','.join(self.cameras)
            values['batch_capacity'] = str(self._capacity or self._batch_limit())
            values['batch_sizes'] = ' '.join(f'{size}:{histogram[size]}'
                                             for size in sorted(histogram))
            values['inferences'] = str(sum(histogram.values()))
        elif sub is not None:
            values['image_topic'] = sub.topic_name
            values['image_qos'] = str(self._values.get('image_qos', ''))
            values['image_publishers'] = str(self.count_publishers(sub.topic_name))
        return values

    def publish_diagnostics(self) -> None:
        """
        Publish one diagnostic_msgs/DiagnosticArray on /diagnostics.

        Skipped (until the next period) while a transition runs: cleanup may be destroying the
        publisher and closing the pipeline that the report reads.
        """
        if not self._enter_use():
            return
        try:
            self._publish_diagnostics()
        except Exception as exc:  # noqa: B902 - a timer callback never raises into the executor
            self._log_failure('diagnostics failed', exc)
        finally:
            self._exit_use()

    def _publish_diagnostics(self) -> None:
        from jetson_dnn_ros.ros.conversions import diagnostics_msg
        if self._diag_pub is None:
            return
        values = self.diagnostics_values()
        level, message = _diagnostic_level(values)
        name = f'{self.get_fully_qualified_name()}: {self.task}'
        stamp = self._stamp_header().stamp
        msg = diagnostics_msg(name, level, message, values, stamp,
                              hardware_id=values.get('device', ''))
        for cam in self._cameras:
            if cam.name:
                cam_values = self.camera_diagnostics_values(cam.name)
                level, message = _diagnostic_level(cam_values)
                msg.status.extend(diagnostics_msg(
                    f'{name} {cam.name}', level, message, cam_values, stamp,
                    hardware_id=values.get('device', '')).status)
        self._diag_pub.publish(msg)

    def camera_diagnostics_values(self, camera: str) -> Dict[str, str]:
        """
        Return the key/values of one camera's /diagnostics status (resets its fps window).

        :param camera: a camera namespace of ``cameras``.
        :return: :meth:`FrameStats.report` of that camera's frames (``fps_in``, ``fps_out``,
            stage latencies in ms, received/published/dropped/stale counts, ...), its
            ``camera``, ``state``, and while active ``image_topic``, ``image_qos`` and
            ``image_publishers``.
        :raises KeyError: for a camera this node does not serve.
        """
        cam = self._camera(camera)
        recent_s = max(RECENT_S, float(self._values.get('diagnostics_period', 1.0)))
        values = {'camera': cam.name, **cam.stats.report(recent_s=recent_s),
                  'recent_s': f'{recent_s:g}'}
        sub = cam.image_sub
        values['state'] = 'active' if sub is not None else (
            'inactive' if self._configured else 'unconfigured')
        if sub is not None:
            values['image_topic'] = sub.topic_name
            values['image_qos'] = str(self._values.get('image_qos', ''))
            values['image_publishers'] = str(self.count_publishers(sub.topic_name))
        return values

    def _stamp_header(self):
        from std_msgs.msg import Header
        return Header(stamp=self.get_clock().now().to_msg(), frame_id='')


_BASE_PRIVATE = ('_Node', '_LifecycleNode')
"""Name-mangled attributes of rclpy's classes: never taken as a camera's outputs."""

_USER_TRANSITIONS = ('configure', 'cleanup', 'activate', 'deactivate', 'shutdown')
"""Transition labels a client may request (the others are rcl_lifecycle's internal ones)."""


def _on(cam: Optional[_Camera]) -> str:
    """Return `` on camera <name>`` for a named camera, else ''."""
    return f' on camera {cam.name}' if cam is not None and cam.name else ''


def _describe(exc: BaseException) -> str:
    """Return ``Type: message`` of an exception and its cause."""
    text = f'{type(exc).__name__}: {exc}'
    cause = exc.__cause__ or exc.__context__
    if cause is not None and str(cause) not in text:
        text += f' (caused by {type(cause).__name__}: {cause})'
    return text


LARGE_IMAGES_HINT = "see the README section 'Receiving large images'"
"""Where the README explains QoS and socket buffers for large frames."""


def _diagnostic_level(values: Dict[str, str]):
    """
    Return (level name, message) of a diagnostics status from :meth:`DnnNode.diagnostics_values`.

    ``WARN`` when, within the recent window (``recent_s``, at least :data:`RECENT_S` seconds):

    - frames failed (bad input or errors): the count and the last error;
    - the node is active, the image topic has publishers, and no frame arrived: the likely
      cause (large frames over best-effort QoS lost by DDS with default socket buffers, or a
      QoS mismatch);
    - every frame of the report window was older than ``max_age`` (clocks, ``use_sim_time``).

    Otherwise ``OK`` with the state and the output rate. Totals (``errors``, ``bad_input``)
    never set the level: one bad frame long ago leaves the node OK.
    """
    def number(key: str) -> float:
        try:
            return float(values.get(key) or 0)
        except ValueError:
            return 0.0

    recent = values.get('recent_s', f'{RECENT_S:g}')
    problems = []
    failures = int(number('recent_failures'))
    if failures:
        problems.append(f'{failures} frame(s) failed in the last {recent} s, last error: '
                        f'{values.get("last_error", "")}')
    if (values.get('state') == 'active' and number('image_publishers') > 0
            and number('since_last_frame_s') >= number('recent_s') > 0):
        topic = values.get('image_topic', 'image')
        qos = values.get('image_qos', '')
        if qos != 'sensor_data':
            cause = (f'a best-effort publisher does not match image_qos: {qos}'
                     f'{" (reliable)" if qos == "system_default" else ""}; use image_qos: '
                     'sensor_data, or the publisher sends nothing')
        else:
            cause = ('large frames over best-effort QoS (image_qos: sensor_data) are often lost '
                     'by DDS with default socket buffers: raise net.core.rmem_max and the DDS '
                     'receive buffer, or use image_qos: reliable')
        problems.append(f'{topic} has {int(number("image_publishers"))} publisher(s) but no '
                        f'frame arrived for {values.get("since_last_frame_s")} s; likely '
                        f'cause: {cause} ({LARGE_IMAGES_HINT})')
    if number('window_stale') > 0 and number('window_published') == 0:
        problems.append(f'every frame of the last report was older than max_age '
                        f'({values.get("window_stale")} dropped): check the publisher clock '
                        'and use_sim_time, or raise max_age')
    if problems:
        return 'WARN', '; '.join(problems)
    return 'OK', f'{values.get("state", "")}, {values.get("fps_out", "0")} fps'


def _label_info_type():
    from vision_msgs.msg import LabelInfo
    return LabelInfo


def run_nodes(create: Callable[[], Sequence[Any]], args=None) -> None:
    """
    Init rclpy, create nodes, spin them in one multi-threaded executor, shut down cleanly.

    Never triggers lifecycle transitions: launch files or ``ros2 lifecycle`` drive them.
    Ctrl-C (SIGINT), SIGTERM and a shutdown of the context from outside are a normal end:
    Humble's signal handlers shut the context down, and ``spin`` then returns or raises
    ``ExternalShutdownException`` or ``KeyboardInterrupt``; none of them is an error and the
    process exits 0. At the end each node releases its resources (pipeline, engine, GPU
    memory, publishers, timers; see :func:`_release_nodes`) and is destroyed, then the
    context is shut down. Any other exception is re-raised after that cleanup.

    :param create: called after ``rclpy.init``; returns the nodes to spin.
    :param args: command line arguments for ``rclpy.init`` (None = ``sys.argv``).
    """
    from rclpy.executors import ExternalShutdownException, MultiThreadedExecutor
    from rclpy.logging import get_logger
    rclpy.init(args=args)
    log = get_logger('jetson_dnn_ros')
    nodes: List[Any] = []
    names: List[str] = []   # taken while the context is valid, for the log lines at the end
    executor = None
    try:
        nodes = list(create())
        names = [node.get_fully_qualified_name() for node in nodes]
        executor = MultiThreadedExecutor()
        for node in nodes:
            executor.add_node(node)
        log.info(f'spinning {", ".join(names)}')
        executor.spin()
    except (KeyboardInterrupt, ExternalShutdownException):
        pass  # Ctrl-C, SIGTERM or the launch system ending the process: a normal end
    finally:
        if executor is not None:
            executor.shutdown()
        _release_nodes(nodes, names, log)
        rclpy.try_shutdown()
        log.info('shut down')


def _release_nodes(nodes: Sequence[Any], names: Sequence[str], log) -> None:
    """
    Release each node's resources and destroy it; log (never raise) what fails.

    A :class:`DnnNode` closes its pipeline (engine, GPU memory) and destroys its publishers,
    subscriptions and timers whatever its lifecycle state; every node is then destroyed.

    :param nodes: the nodes, in creation order.
    :param names: their fully qualified names (``names[i]`` of ``nodes[i]``; may be shorter).
    :param log: an rclpy logger for failures.
    """
    for index, node in enumerate(nodes):
        name = names[index] if index < len(names) else type(node).__name__
        try:
            release = getattr(node, '_release', None)
            if release is not None:
                release()
        except Exception as exc:  # noqa: B902 - the other nodes are still released
            log.error(f'{name}: releasing resources failed: {_describe(exc)}')
        try:
            node.destroy_node()
        except Exception as exc:  # noqa: B902
            log.error(f'{name}: destroy_node failed: {_describe(exc)}')


def run_node(node_class, args=None) -> None:
    """
    Spin one node of ``node_class`` until shutdown (see :func:`run_nodes`).

    :param node_class: a :class:`DnnNode` subclass.
    :param args: command line arguments for ``rclpy.init`` (None = ``sys.argv``).
    """
    run_nodes(lambda: [node_class()], args)
