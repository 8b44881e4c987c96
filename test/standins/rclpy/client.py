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
Stand-in for ``rclpy/rclpy/client.py`` (branch humble).

``call_async`` sends the request to every service of the same name and type and returns a
``Future`` that an executor spinning the client's node completes with the response.
``call`` (blocking) is not mirrored: on upstream it deadlocks unless another thread spins.
"""

import threading
import time

from rclpy.task import Future


class Client:
    """A service client (create it with ``Node.create_client``)."""

    def __init__(self, context, client_impl, srv_type, srv_name, qos_profile, callback_group):
        self.context = context
        self.__client = client_impl
        self.srv_type = srv_type
        self.srv_name = srv_name
        self.qos_profile = qos_profile
        # Key is a sequence number, value is an instance of a Future
        self._pending_requests = {}
        self.callback_group = callback_group
        # True when the callback is ready to fire but has not been "taken" by an executor
        self._executor_event = False
        self._lock = threading.Lock()

    def remove_pending_request(self, future):
        """Forget the request of ``future`` (a done callback of every request's future)."""
        with self._lock:
            for seq, req_future in list(self._pending_requests.items()):
                if future is req_future:
                    del self._pending_requests[seq]
                    break

    def call_async(self, request):
        """
        Send a request; return a ``Future`` completed with the response when spinning.

        :param request: an instance of ``srv_type.Request``.
        :raises TypeError: for any other object.
        :raises InvalidHandle: once the client was destroyed.
        """
        if not isinstance(request, self.srv_type.Request):
            raise TypeError()
        with self._lock:
            with self.handle:
                sequence_number = self.__client.send_request(request)
            if sequence_number in self._pending_requests:
                raise RuntimeError(f'Sequence ({sequence_number}) conflicts with pending request')
            future = Future()
            self._pending_requests[sequence_number] = future
        future.add_done_callback(self.remove_pending_request)
        return future

    def get_pending_request(self, sequence_number):
        """Return the future of a pending request (``KeyError`` if there is none)."""
        with self._lock:
            return self._pending_requests[sequence_number]

    def service_is_ready(self):
        """Return True if a service of this name and type exists."""
        with self.handle:
            return self.__client.service_server_is_available()

    def wait_for_service(self, timeout_sec=None):
        """Wait (polling every 0.25 s, as upstream) until the service exists; return that."""
        sleep_time = 0.25
        if timeout_sec is None:
            timeout_sec = float('inf')
        while self.context.ok() and not self.service_is_ready() and timeout_sec > 0.0:
            time.sleep(sleep_time)
            timeout_sec -= sleep_time
        return self.service_is_ready()

    @property
    def handle(self):
        """Return the underlying endpoint."""
        return self.__client

    def destroy(self):
        """Destroy the client (prefer ``Node.destroy_client``)."""
        self.__client.destroy_when_not_in_use()
