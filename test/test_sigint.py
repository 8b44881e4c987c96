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
Ctrl-C stays clean: a node executable that gets SIGINT (or SIGTERM) exits 0 and releases all.

Each test starts a real executable in a subprocess (the node module, or a small driver that
configures and activates the node before handing it to ``run_nodes``, as the launch files'
autostart does), waits for its "spinning" log line, sends the signal and checks: exit code 0,
no traceback on stderr, the pipeline closed (a marker printed by a wrapper around
``Pipeline.close``), the context shut down and the final "shut down" line logged.

``runtime`` ``standins`` puts the rclpy stand-in first on the subprocess's ``PYTHONPATH`` (with
ROS's own paths removed), whose ``rclpy.init`` installs Humble's signal handlers (chained
``KeyboardInterrupt`` and a context shutdown, so ``spin`` raises ``ExternalShutdownException``);
``ros`` runs the real rclpy and only runs where it is importable.
"""

import importlib.util
import os
from pathlib import Path
import signal
import subprocess
import sys
import textwrap
import threading

from onnxgen import constant_model
import pytest
from standins.install import is_ros_path, STANDINS_DIR

ROOT = Path(__file__).resolve().parents[1]
SPINNING = '[jetson_dnn_ros]: spinning'
CLOSED = 'PIPELINE CLOSED'

DRIVER = """
import sys

from jetson_dnn_ros import pipeline
from jetson_dnn_ros.ros.classification_node import ClassificationNode
from jetson_dnn_ros.ros.node import run_nodes
import rclpy
from rclpy.lifecycle import TransitionCallbackReturn

close = pipeline.Pipeline.close


def closing(self):
    print('PIPELINE CLOSED', flush=True)
    return close(self)


pipeline.Pipeline.close = closing
nodes = []


def create():
    node = ClassificationNode()
    assert node.trigger_configure() == TransitionCallbackReturn.SUCCESS
    assert node.trigger_activate() == TransitionCallbackReturn.SUCCESS
    nodes.append(node)
    return nodes


run_nodes(create)
print(f'after run_nodes: ok={rclpy.ok()} pipeline={nodes[0].pipeline}', flush=True)
"""


def real_rclpy() -> bool:
    """Return True if this process has the real rclpy (not the stand-in)."""
    return STANDINS_DIR not in sys.path and importlib.util.find_spec('rclpy') is not None


@pytest.fixture(params=['standins', 'ros'])
def runtime_env(request):
    """Return the environment of an executable on the stand-in or on the real rclpy."""
    if request.param == 'ros' and not real_rclpy():
        pytest.skip('the real rclpy is not importable here')
    paths = [p for p in os.environ.get('PYTHONPATH', '').split(os.pathsep) if p]
    if request.param == 'standins':
        paths = [STANDINS_DIR] + [p for p in paths if not is_ros_path(p)]
    env = {**os.environ, 'PYTHONPATH': os.pathsep.join([str(ROOT), *paths]),
           'PYTHONUNBUFFERED': '1', 'RCUTILS_COLORIZED_OUTPUT': '0',
           'RCUTILS_LOGGING_BUFFERED_STREAM': '0',   # rcutils' default console format
           'RCUTILS_CONSOLE_OUTPUT_FORMAT': '[{severity}] [{time}] [{name}]: {message}'}
    env.pop('PYTEST_ADDOPTS', None)
    return env


@pytest.fixture
def tiny_model(tmp_path) -> Path:
    """Return a descriptor .yaml of a tiny classification ONNX model."""
    import numpy as np
    path = constant_model(tmp_path / 'cls.onnx',
                          {'logits': np.array([[0.0, 3.0, 1.0]], np.float32)},
                          input_name='input', input_shape=(1, 3, 16, 16))
    descriptor = tmp_path / 'tiny.yaml'
    descriptor.write_text(textwrap.dedent(f"""\
        name: tiny
        task: classification
        file: {path}
        input: {{width: 16, height: 16}}
        decoder: {{name: classification}}
        labels: [a, b, c]
        """))
    return descriptor


def run_and_signal(cmd, env, signum, cwd):
    """
    Start cmd, wait for its spinning line, send signum; return (exit code, stdout, stderr).

    :raises AssertionError: if the process ends or stays silent before spinning (60 s).
    """
    out = Path(cwd) / 'stdout.txt'
    with open(out, 'w') as stdout:
        proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=stdout, stderr=subprocess.PIPE,
                                text=True)
    lines, spinning = [], threading.Event()

    def read():
        for line in proc.stderr:
            lines.append(line)
            if SPINNING in line:
                spinning.set()
        spinning.set()   # stderr closed: the process ended

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    try:
        assert spinning.wait(60) and proc.poll() is None, ''.join(lines)
        threading.Event().wait(0.3)   # let spin() reach its wait (the result is the same)
        proc.send_signal(signum)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    reader.join(10)
    return proc.returncode, out.read_text(), ''.join(lines)


def params(descriptor):
    return ['--ros-args', '-p', f'model_config:={descriptor}', '-p', 'backend:=onnxruntime']


@pytest.mark.parametrize('signum', [signal.SIGINT, signal.SIGTERM])
def test_active_node_exits_0_and_releases_its_pipeline(
        runtime_env, tiny_model, tmp_path, signum):
    driver = tmp_path / 'driver.py'
    driver.write_text(DRIVER)
    cmd = [sys.executable, str(driver), *params(tiny_model)]
    code, stdout, stderr = run_and_signal(cmd, runtime_env, signum, tmp_path)
    assert code == 0, stderr
    assert 'Traceback' not in stderr, stderr
    assert CLOSED in stdout, stdout + stderr                     # the engine is released
    assert 'after run_nodes: ok=False pipeline=None' in stdout, stdout + stderr
    assert '[jetson_dnn_ros]: shut down' in stderr, stderr


@pytest.mark.parametrize('module', ['classification_node', 'perception'])
def test_executable_exits_0_on_sigint(runtime_env, tiny_model, tmp_path, module):
    cmd = [sys.executable, '-m', f'jetson_dnn_ros.ros.{module}', *params(tiny_model)]
    code, stdout, stderr = run_and_signal(cmd, runtime_env, signal.SIGINT, tmp_path)
    assert code == 0, stderr
    assert 'Traceback' not in stderr, stderr
    assert '[jetson_dnn_ros]: shut down' in stderr, stderr
