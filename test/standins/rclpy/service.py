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
Stand-in for ``rclpy/rclpy/service.py`` (branch humble).

The executor takes a request, calls ``callback(request, srv_type.Response())`` and sends what
the callback returned with :meth:`Service.send_response`: anything that is not a
``srv_type.Response`` (e.g. ``None``) raises ``TypeError`` there, out of the executor, as
upstream. An exception raised by the callback propagates out of ``spin``/``spin_once``.
"""


class Service:
    """A service server (create it with ``Node.create_service``)."""

    def __init__(self, service_impl, srv_type, srv_name, callback, callback_group,
                 qos_profile):
        self.__service = service_impl
        self.srv_type = srv_type
        self.srv_name = srv_name
        self.callback = callback
        self.callback_group = callback_group
        # True when the callback is ready to fire but has not been "taken" by an executor
        self._executor_event = False
        self.qos_profile = qos_profile

    def send_response(self, response, header):
        """
        Send a service response.

        :param response: an instance of ``srv_type.Response``.
        :param header: the header of the request being answered.
        :raises TypeError: if ``response`` is not a ``srv_type.Response``.
        :raises InvalidHandle: once the service was destroyed.
        """
        if not isinstance(response, self.srv_type.Response):
            raise TypeError()
        with self.handle:
            self.__service.service_send_response(response, header)

    @property
    def handle(self):
        """Return the underlying endpoint."""
        return self.__service

    @property
    def service_name(self):
        """Return the fully qualified service name."""
        with self.handle:
            return self.__service.name

    def destroy(self):
        """Destroy the service (prefer ``Node.destroy_service``)."""
        self.__service.destroy_when_not_in_use()
