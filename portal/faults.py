"""What a person sees when a service behind the portal is down (issue 13, section 5).

A database that does not answer, or a Redis that a code path still needs directly, is not a
bug in the page: the answer is 503 with a plain Dutch page that says what happened, that
nothing half-written was kept (the request's transaction rolled back), and when to try again;
never a traceback, never the generic 500. Jobs requested meanwhile wait as "wacht op
verwerking" (portal.jobs) and run when the service is back, without restarting anything.
"""

from __future__ import annotations

import logging
import sys

from django.db import InterfaceError, OperationalError
from django.http import HttpResponseServerError
from django.template import loader
from django.views import defaults
from django.views.decorators.csrf import requires_csrf_token
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Seconds a client (or a proxy) is told to wait before trying again.
RETRY_AFTER = 30

_SERVICE_DOWN = {
    "database": (OperationalError, InterfaceError),
    "redis": (BrokerError, RedisConnectionError, RedisTimeoutError),
}


def service_down(error: BaseException | None) -> str | None:
    """``"database"`` or ``"redis"`` when ``error`` (or what caused it) says that service could
    not be reached, else None."""
    seen = 0
    while error is not None and seen < 5:
        for service, kinds in _SERVICE_DOWN.items():
            if isinstance(error, kinds):
                return service
        error = error.__cause__ or error.__context__
        seen += 1
    return None


@requires_csrf_token
def server_error(request, template_name="500.html"):
    """``handler500``: the "service unavailable" page (503, ``Retry-After``) when the error is
    an unreachable database or Redis, Django's plain 500 otherwise. Renders without the base
    template, which would ask the database again."""
    service = service_down(sys.exc_info()[1])
    if service is None:
        return defaults.server_error(request, template_name)
    logger.warning("answered 503: %s unreachable", service)
    body = loader.render_to_string("portal/unavailable.html", {"service": service})
    response = HttpResponseServerError(body)
    response.status_code = 503
    response["Retry-After"] = str(RETRY_AFTER)
    return response
