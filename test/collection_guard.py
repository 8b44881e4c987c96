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
Pytest plugin: a run that collects nothing, or skips a module while collecting it, fails.

``colcon test`` treats pytest's exit code 5 ("no tests collected") as success, and under
launch_testing's pytest plugin (which imports every test module while collecting the folder) a
module-level ``pytest.skip``/``pytest.importorskip`` skipped the whole ``test/`` folder:
"collected 0 items / 1 skipped", reported green. With this plugin both end with exit code 1
(``TESTS_FAILED``, which colcon reports as a failure) and a message saying why:

* no test was selected to run (nothing collected, or everything deselected by ``-k``/``-m``);
* a collector (module, package, folder) was skipped during collection.

A selection that matches tests which then skip (``pytest -m tensorrt`` without TensorRT) is not
affected: those tests are collected and skipped one by one. ``test/conftest.py`` registers this
plugin; elsewhere use ``pytest -p collection_guard`` with ``test/`` on ``PYTHONPATH``.
"""

import pytest

PLUGIN_NAME = 'jetson_dnn_collection_guard'


class CollectionGuard:
    """Remember collectors skipped during collection; fail a session that tests nothing."""

    def __init__(self):
        """Start with no skipped collector."""
        self.skipped = []   # (nodeid, reason) of every collector skipped while collected

    def pytest_collectreport(self, report):
        """Remember every collector (module, package, folder) skipped while collected."""
        if report.skipped:
            longrepr = report.longrepr
            reason = longrepr[2] if isinstance(longrepr, tuple) else longrepr
            self.skipped.append((report.nodeid or '.', str(reason)))

    def failures(self, session) -> list:
        """
        Return why this session must fail: lines of text, empty if its collection was sound.

        :param session: the finished ``pytest.Session``.
        """
        lines = [f'{nodeid} was skipped while being collected ({reason}): a module-level '
                 'skip; skip in a fixture or with a marker instead (under the pytest plugin '
                 'of launch_testing a module-level skip skips the whole folder)'
                 for nodeid, reason in self.skipped]
        if session.testscollected == 0:
            lines.append('no test was collected or selected: a run that tests nothing fails '
                         '(check the paths and the -k/-m selection)')
        return lines

    def pytest_sessionfinish(self, session, exitstatus):
        """Turn an empty collection or a skipped collector into exit code 1 with a message."""
        if exitstatus not in (pytest.ExitCode.OK, pytest.ExitCode.NO_TESTS_COLLECTED):
            return
        lines = self.failures(session)
        if not lines:
            return
        session.exitstatus = pytest.ExitCode.TESTS_FAILED
        reporter = session.config.pluginmanager.get_plugin('terminalreporter')
        for line in lines:
            text = f'collection_guard: {line}'
            if reporter is not None:
                reporter.write_line(text, red=True, bold=True)
            else:
                print(text)


def register(config):
    """Register the guard with a pytest config (once)."""
    if not config.pluginmanager.has_plugin(PLUGIN_NAME):
        config.pluginmanager.register(CollectionGuard(), PLUGIN_NAME)


def pytest_configure(config):
    """Register the guard when loaded as a plugin (``-p collection_guard``)."""
    register(config)
