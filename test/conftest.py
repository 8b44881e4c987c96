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
Shared fixtures: the real-data folder, photos, tiny ONNX model files.

Real data (models, photos, bags) is read from ``$JETSON_DNN_DATA`` (default
``../shared/data``); tests that need it skip with a reason when it is absent.
"""

import logging
import os
from pathlib import Path
import sys

import pytest

ROOT = Path(__file__).resolve().parents[1]
TEST_DIR = Path(__file__).resolve().parent
if str(TEST_DIR) not in sys.path:
    sys.path.insert(0, str(TEST_DIR))

import collection_guard  # noqa: E402, I100
# ROS 2 stand-ins (rclpy, message packages) when the real rclpy is not importable
from standins.install import install as install_ros_standins  # noqa: E402, I100

STANDINS_IN_USE = install_ros_standins()
"""True if this process uses the ROS 2 stand-ins, False if it has the real rclpy."""

STANDIN_NODEIDS = '_jetson_dnn_standin_nodeids'
"""Config attribute: node ids of the ``standins`` tests skipped here (real rclpy importable)."""

os.environ.setdefault('JETSON_DNN_DATA', str((ROOT / '..' / 'shared' / 'data').resolve()))


def pytest_configure(config):
    """Fail a run that collects nothing or skips a module while collecting it."""
    collection_guard.register(config)
    setattr(config, STANDIN_NODEIDS, [])


@pytest.hookimpl(trylast=True)  # after -k/-m deselection
def pytest_collection_modifyitems(config, items):
    """
    Skip the ``standins`` tests in a process that has the real rclpy; remember their ids.

    The stand-ins and the real rclpy must not share an interpreter (segfaults, nodes of one
    graph answering the other): ``test_standins_isolation.py`` runs the remembered tests in a
    subprocess with the stand-ins forced. ``JETSON_DNN_STANDINS_IN_PROCESS=1`` keeps them in
    this process instead (to check ``test_standin_rclpy.py`` alone against the real rclpy).
    """
    if STANDINS_IN_USE or os.environ.get('JETSON_DNN_STANDINS_IN_PROCESS') == '1':
        return   # the opt-in: e.g. test_standin_rclpy.py alone, checked against the real rclpy
    skip = pytest.mark.skip(reason='needs the ROS 2 stand-ins and this process has the real '
                                   'rclpy: run in a subprocess by test_standins_isolation.py')
    for item in items:
        if item.get_closest_marker('standins') is not None:
            item.add_marker(skip)
            getattr(config, STANDIN_NODEIDS).append(item.nodeid)


def data_path(*parts) -> Path:
    """Return a path inside the real-data folder (may not exist)."""
    return Path(os.environ['JETSON_DNN_DATA']).joinpath(*parts)


@pytest.fixture(scope='session')
def data_dir() -> Path:
    """Return the real-data folder, or skip when it is absent."""
    path = data_path()
    if not (path / 'models').is_dir():
        pytest.skip(f'real data not found at {path} (set JETSON_DNN_DATA)')
    return path


@pytest.fixture(scope='session')
def photo(data_dir):
    """Return a loader of the shared photos: name -> (H, W, 3) uint8 BGR image."""
    import cv2

    def load(name: str):
        path = data_dir / 'images' / (name if name.endswith('.jpg') else name + '.jpg')
        image = cv2.imread(str(path), cv2.IMREAD_COLOR)
        if image is None:
            pytest.skip(f'photo {path} missing')
        return image
    return load


@pytest.fixture
def isolated_cache(tmp_path, monkeypatch) -> Path:
    """Point the model/engine cache at a fresh temporary folder."""
    cache = tmp_path / 'cache'
    monkeypatch.setenv('JETSON_DNN_CACHE', str(cache))
    return cache


class _RecordList(logging.Handler):
    """Keep every record handed to it once (it may sit on a logger and on its parent)."""

    def __init__(self, level):
        super().__init__(level)
        self.records = []

    def emit(self, record):
        # a record propagating from a logger to its parent reaches this handler twice in a row
        if not self.records or self.records[-1] is not record:
            self.records.append(record)


@pytest.fixture
def logs():
    """
    Return ``capture(name, level=logging.DEBUG) -> list`` of the records logged under ``name``.

    Unlike ``caplog`` (a handler on the root logger) the handler goes directly on the logger
    ``name`` and on every existing logger below it, and the logger's level is lowered to
    ``level`` for the test: records are seen whatever ``propagate`` says. ``import launch``
    makes every logger created afterwards a ``LaunchLogger`` with ``propagate=False``, so
    ``caplog`` saw nothing in a pytest session that also ran launch tests.

    The rclpy stand-in hands node logs to Python logging under the node's logger name
    (``node.get_logger().name``). The real rclpy logs through rcutils, which Python logging
    never sees: tests that check node logs are ``standins`` tests.
    """
    added = []

    def capture(name: str, level: int = logging.DEBUG) -> list:
        handler = _RecordList(level)
        names = [name] + [n for n in list(logging.Logger.manager.loggerDict)
                          if n.startswith(name + '.')]
        for logger in (logging.getLogger(n) for n in names):
            logger.addHandler(handler)
            added.append((logger, handler, None))
        root = logging.getLogger(name)
        added.append((root, None, root.level))
        root.setLevel(level)
        return handler.records

    yield capture
    for logger, handler, level in reversed(added):
        if handler is not None:
            logger.removeHandler(handler)
        else:
            logger.setLevel(level)
