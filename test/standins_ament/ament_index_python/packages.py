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

"""Mirror of ament_index_python/packages.py (humble): package prefix and share folder."""

import os
import re

RESOURCE_INDEX_SUBFOLDER = 'share/ament_index/resource_index'
AMENT_PREFIX_PATH_ENV_VAR = 'AMENT_PREFIX_PATH'


class PackageNotFoundError(KeyError):
    """The package is not in the resource index (as the real one)."""


def get_search_paths():
    """Return the existing prefixes of AMENT_PREFIX_PATH (search_paths.py)."""
    ament_prefix_path = os.environ.get(AMENT_PREFIX_PATH_ENV_VAR)
    if not ament_prefix_path:
        raise EnvironmentError(
            "Environment variable '{}' is not set or empty".format(AMENT_PREFIX_PATH_ENV_VAR))
    paths = ament_prefix_path.split(os.pathsep)
    return [p for p in paths if p and os.path.exists(p)]


def get_resource(resource_type, resource_name):
    """Return (content, prefix) of one resource, else raise LookupError (resources.py)."""
    if '/' in resource_name or '\\' in resource_name:
        raise ValueError("Resource name '%s' is invalid" % resource_name)
    for path in get_search_paths():
        resource_path = os.path.join(path, RESOURCE_INDEX_SUBFOLDER, resource_type,
                                     resource_name)
        if os.path.isfile(resource_path):
            with open(resource_path, 'r') as h:
                return h.read(), path
    raise LookupError(
        "Could not find the resource '%s' of type '%s'" % (resource_name, resource_type))


def get_package_prefix(package_name):
    """Return the install prefix of a package (packages.py)."""
    if re.fullmatch('[a-zA-Z0-9][a-zA-Z0-9_-]+', package_name, re.ASCII) is None:
        raise ValueError("'{}' is not a valid package name".format(package_name))
    try:
        content, package_prefix = get_resource('packages', package_name)
    except LookupError:
        raise PackageNotFoundError(
            "package '{}' not found, searching: {}".format(package_name, get_search_paths()))
    return package_prefix


def get_package_share_directory(package_name):
    """
    Return ``<prefix>/share/<package_name>`` (packages.py, humble).

    Humble's signature has no ``print_warning`` (added later), so neither has this one.
    """
    return os.path.join(get_package_prefix(package_name), 'share', package_name)
