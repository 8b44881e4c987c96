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
Parse the ``--ros-args`` sections rcl understands (stand-in only; no upstream module).

Mirrors the rules of ``rcl/src/rcl/arguments.c`` (branch humble) for the options a test may
pass through ``rclpy.init(args=...)`` or ``Node(cli_args=...)``: ``-r``/``--remap``
``[node:]from:=to`` (including ``__node`` and ``__ns``), and ``-p``/``--param``
``[node:]name:=yaml_value``. Other options are accepted and ignored.
"""


def parse(args):
    """
    Return ``(remaps, params)`` from an argument list.

    :param args: e.g. ``['--ros-args', '-r', 'image:=/cam/image', '-p', 'depth:=2']``.
    :return: ``remaps`` list of ``(node_or_None, from, to)``; ``params`` list of
        ``(node_or_None, name, python_value)``.
    """
    remaps, params = [], []
    inside = False
    items = list(args or [])
    i = 0
    while i < len(items):
        arg = items[i]
        if arg == '--ros-args':
            inside = True
        elif inside and arg == '--':
            inside = False
        elif inside and arg in ('-r', '--remap', '-p', '--param') and i + 1 < len(items):
            rule = items[i + 1]
            i += 1
            lhs, sep, rhs = rule.partition(':=')
            if not sep:
                raise ValueError(f'invalid rule {rule!r}: expected from:=to')
            node = None
            if ':' in lhs:
                node, lhs = lhs.split(':', 1)
            if arg in ('-r', '--remap'):
                remaps.append((node, lhs, rhs))
            else:
                import yaml
                params.append((node, lhs, yaml.safe_load(rhs)))
        i += 1
    return remaps, params
