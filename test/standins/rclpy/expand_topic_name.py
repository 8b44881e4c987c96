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
Stand-in for ``rclpy/rclpy/expand_topic_name.py`` and the rcl name rules (branch humble).

Expansion as ``rcl_expand_topic_name``: ``~`` is the node's fully qualified name, ``{node}`` and
``{ns}`` / ``{namespace}`` are substituted, relative names get the node namespace in front. The
result is validated as ``rmw_validate_full_topic_name`` does (characters ``[A-Za-z0-9_/]``, no
empty token, no token starting with a digit, no trailing slash).
"""

import re

from rclpy.exceptions import InvalidNamespaceException
from rclpy.exceptions import InvalidNodeNameException
from rclpy.exceptions import InvalidTopicNameException

_NODE_NAME = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')
_TOKEN = re.compile(r'[A-Za-z_][A-Za-z0-9_]*\Z')


def validate_node_name(node_name):
    """Raise ``InvalidNodeNameException`` unless the node name is valid; return True."""
    if not node_name:
        raise InvalidNodeNameException(node_name, 'node name must not be empty', 0)
    if not _NODE_NAME.match(node_name):
        index = next(i for i, c in enumerate(node_name)
                     if not (c.isalnum() or c == '_') or (i == 0 and c.isdigit()))
        reason = ('node name must not start with a number' if node_name[0].isdigit() else
                  "node name must not contain characters other than alphanumerics or '_'")
        raise InvalidNodeNameException(node_name, reason, index)
    return True


def validate_namespace(namespace):
    """Raise ``InvalidNamespaceException`` unless the namespace is valid; return True."""
    if namespace == '/':
        return True
    if not namespace.startswith('/'):
        raise InvalidNamespaceException(namespace, 'namespace must be absolute', 0)
    if namespace.endswith('/'):
        raise InvalidNamespaceException(
            namespace, 'namespace must not end with a forward slash', len(namespace) - 1)
    _validate_tokens(namespace, InvalidNamespaceException)
    return True


def _validate_tokens(name, exception):
    index = 1
    for token in name[1:].split('/'):
        if not token:
            raise exception(name, 'must not contain repeated forward slashes', index)
        if not _TOKEN.match(token):
            raise exception(
                name, "must not contain characters other than alphanumerics, '_', or '/', "
                'and tokens must not start with a number', index)
        index += len(token) + 1


def expand_topic_name(topic_name, node_name, node_namespace):
    """
    Expand a topic name to a fully qualified one.

    :param topic_name: relative (``image``), private (``~/image``) or absolute name.
    :param node_name: the node's name.
    :param node_namespace: the node's namespace (``/`` or ``/ns``).
    :return: the fully qualified name.
    :raises InvalidTopicNameException: if the name is invalid.
    """
    if not topic_name:
        raise InvalidTopicNameException(topic_name, 'topic name must not be empty', 0)
    ns = node_namespace or '/'
    fqn = (ns.rstrip('/') + '/' + node_name)
    name = topic_name
    if name == '~':
        name = fqn
    elif name.startswith('~/'):
        name = fqn + name[1:]
    elif name.startswith('~'):
        raise InvalidTopicNameException(topic_name, "'~' must be followed by '/'", 1)
    name = (name.replace('{node}', node_name).replace('{namespace}', ns.strip('/'))
            .replace('{ns}', ns.strip('/')))
    if not name.startswith('/'):
        name = ns.rstrip('/') + '/' + name
    name = re.sub('^//', '/', name)
    if name != '/' and name.endswith('/'):
        raise InvalidTopicNameException(
            topic_name, 'topic name must not end with a forward slash', len(topic_name) - 1)
    _validate_tokens(name, InvalidTopicNameException)
    return name
