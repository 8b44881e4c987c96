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
``backend: triton`` in the ROS nodes against a real Triton server (PyTriton), rclpy stand-in.

Every task node, made by the ``perception`` executable's :func:`create_nodes`, configures on
the server and publishes a frame; diagnostics name server, model, version and round trip;
configure fails with the cause when the server or model is unreachable or does not match; a
server killed while the node is active makes frames count as errors (the executor goes on) and
the node publishes again once the server is back.
"""

import logging

import numpy as np
import pytest
import tritonfixture

# stand-in rclpy (test/conftest.py installs it); marker standins: see test_standins_isolation.py
from builtin_interfaces.msg import Time  # noqa: E402, I100
from jetson_dnn_ros.pipeline import resolve_model_file  # noqa: E402
from jetson_dnn_ros.models import get_descriptor  # noqa: E402, I100
from jetson_dnn_ros.ros import node as node_module  # noqa: E402
from jetson_dnn_ros.ros import params as P  # noqa: E402
from jetson_dnn_ros.ros import perception  # noqa: E402
import rclpy  # noqa: E402, I100
from rclpy.executors import SingleThreadedExecutor  # noqa: E402
from rclpy.lifecycle import TransitionCallbackReturn  # noqa: E402
from rclpy.parameter import Parameter  # noqa: E402
from rclpy.qos import QoSProfile, ReliabilityPolicy  # noqa: E402
from sensor_msgs.msg import Image  # noqa: E402
from std_msgs.msg import Header  # noqa: E402
from test_node_datapath import context  # noqa: E402, F401, I100 - the rclpy context fixture
from test_nodes import spin_until_idle  # noqa: E402

try:
    from rclpy import _standin
except ImportError:  # real rclpy
    _standin = None

pytestmark = pytest.mark.standins  # see test_standins_isolation.py

BEST_EFFORT = QoSProfile(depth=1, reliability=ReliabilityPolicy.BEST_EFFORT)


def _model(name):
    return str(resolve_model_file(get_descriptor(name)))


@pytest.fixture(scope='module')
def server(data_dir):
    """Serve each task's default model under its descriptor name; stopped afterwards."""
    pytest.importorskip('tritonclient.grpc')
    try:
        tritonfixture.server_python()
    except tritonfixture.Unavailable as exc:
        pytest.skip(f'no real Triton server here: {exc}')
    models = {name: _model(name) for name in P.DEFAULT_MODELS.values()}
    models['other_inputs'] = _model('yolox_nano')
    with tritonfixture.TritonServer(models) as srv:
        yield srv


class Graph:
    """Task nodes from perception.create_nodes, a probe publishing frames, one executor."""

    def __init__(self, context, tasks, **params):  # noqa: F811
        overrides = [Parameter(k, value=v) for k, v in {'backend': 'triton', **params}.items()]
        self.nodes = perception.create_nodes(tasks, namespace='remote', context=context,
                                             parameter_overrides=overrides)
        self.probe = rclpy.create_node('probe_triton', context=context)
        self.executor = SingleThreadedExecutor(context=context)
        for node in self.nodes + [self.probe]:
            self.executor.add_node(node)
        self.pubs = {n.task: self.probe.create_publisher(
            Image, f'/remote/{n.task}/image', BEST_EFFORT) for n in self.nodes}

    def spin(self):
        """Run callbacks until none is ready (an escaping exception fails the test)."""
        spin_until_idle(self.executor)

    def send(self, image):
        h, w = image.shape[:2]
        msg = Image(header=Header(stamp=Time(sec=3), frame_id='cam'), height=h, width=w,
                    encoding='bgr8', step=w * 3, data=image.tobytes())
        for pub in self.pubs.values():
            pub.publish(msg)
        self.spin()

    def close(self):
        self.executor.shutdown()
        for node in self.nodes + [self.probe]:
            node.destroy_node()


@pytest.fixture
def graph(context):  # noqa: F811
    made = []

    def make(tasks, **params):
        made.append(Graph(context, tasks, **params))
        return made[-1]
    yield make
    for g in made:
        g.close()


def totals(node):
    values = node.diagnostics_values()
    return int(values['frames_published']), int(values['errors']), values


def test_every_task_node_runs_on_triton(server, graph, photo):
    g = graph(P.TASKS, triton_url=server.grpc_url)
    for node in g.nodes:
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS, node.task
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS, node.task
    g.send(photo('peds_0'))
    for node in g.nodes:
        published, errors, values = totals(node)
        assert (published, errors) == (1, 0), (node.task, values['last_error'])
        assert values['backend'] == 'triton'
        assert values['triton_server'] == server.grpc_url
        assert values['triton_model'] == P.DEFAULT_MODELS[node.task]
        assert values['triton_model_version'] == '1'
        assert float(values['triton_round_trip_ms']) > 0
        assert values['triton_shared_memory'] == 'true'


@pytest.mark.parametrize('params, cause', [
    ({'triton_url': 'grpc://127.0.0.1:{free}', 'triton_connect_timeout': 2.0},
     'not reachable'),
    ({'triton_model': 'nope'}, "no ready model 'nope'"),
    ({'triton_model': 'other_inputs'}, 'does not match descriptor'),
    ({'triton_url': 'ftp://127.0.0.1:1'}, 'scheme must be grpc:// or http://'),
])
def test_configure_fails_with_the_cause(server, graph, caplog, params, cause):
    params = dict(params)
    params.setdefault('triton_url', server.grpc_url)
    params['triton_url'] = params['triton_url'].format(free=tritonfixture.free_ports(1)[0])
    node = graph(['classification'], **params).nodes[0]
    with caplog.at_level(logging.ERROR):
        assert node.trigger_configure() == TransitionCallbackReturn.FAILURE
    assert any(cause in r.getMessage() and 'configure failed' in r.getMessage()
               for r in caplog.records), [r.getMessage() for r in caplog.records]
    assert node.pipeline is None


def test_server_killed_while_active_counts_errors_then_recovers(data_dir, graph, photo):
    try:
        tritonfixture.server_python()
    except tritonfixture.Unavailable as exc:
        pytest.skip(f'no real Triton server here: {exc}')
    image = photo('peds_0')
    with tritonfixture.TritonServer({'mobilenet_v2_1001': _model('mobilenet_v2_1001')}) as srv:
        g = graph(['classification'], triton_url=srv.grpc_url, triton_timeout=5.0)
        node = g.nodes[0]
        assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
        assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
        g.send(image)
        assert totals(node)[:2] == (1, 0)
        srv.kill()
        g.send(image)               # an exception escaping the callback would fail here
        g.send(image)
        published, errors, values = totals(node)
        assert (published, errors) == (1, 2)
        assert 'mobilenet_v2_1001' in values['last_error']
        level, _ = node_module._diagnostic_level(node.diagnostics_values())
        assert level != 'OK'
        srv.start()
        g.send(image)
        assert totals(node)[:2] == (2, 2)
        assert np.isfinite(float(totals(node)[2]['triton_round_trip_ms']))
