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

"""Stand-in for ``launch/launch/utilities`` (humble): substitution helpers."""

from .substitution import Substitution


def normalize_to_list_of_substitutions(subs):
    """Return a list of Substitutions given a str, a Substitution or an iterable of them."""
    from .substitutions import TextSubstitution

    def normalize(x):
        if isinstance(x, Substitution):
            return x
        if isinstance(x, str):
            return TextSubstitution(text=x)
        raise TypeError(f"Failed to normalize given item of type '{type(x)}', when only "
                        "'str' or 'launch.Substitution' were expected.")

    if isinstance(subs, (str, Substitution)):
        return [normalize(subs)]
    return [normalize(y) for y in subs]


def perform_substitutions(context, subs) -> str:
    """Resolve a list of Substitutions with a context into a single string."""
    return ''.join([context.perform_substitution(sub) for sub in subs])


__all__ = ['normalize_to_list_of_substitutions', 'perform_substitutions']
