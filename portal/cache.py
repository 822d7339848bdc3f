"""The cache: Redis, and the database while Redis is unreachable.

Rate limits of logins and the used TOTP codes live in the cache (django-allauth). A stopped
Redis must neither turn every login into a 500 nor give every web process a memory of its own
(limits multiplied by the number of processes, a TOTP code usable once per process). So
:class:`FallbackRedisCache` answers from Django's ``DatabaseCache`` (table ``portal_cache``,
the :class:`portal.models.CacheEntry` model) while Redis refuses, and goes back to Redis on its
own when it returns (it tries again every ``RETRY_SECONDS``; no restart of the web processes).
Without ``REDIS_URL`` at all, settings use the database cache directly.
"""

from __future__ import annotations

import logging
import time

from django.core.cache.backends.base import DEFAULT_TIMEOUT, BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.core.cache.backends.redis import RedisCache
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

TABLE = "portal_cache"
# After Redis refused, use the database for this long before trying Redis again, so a dead
# Redis costs one failed connection per process every few seconds, not one per cache call.
RETRY_SECONDS = 5.0

_REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


class FallbackRedisCache(BaseCache):
    """A cache backend: Django's ``RedisCache`` at ``LOCATION``, and ``DatabaseCache`` on the
    ``portal_cache`` table while Redis raises a connection or timeout error. ``OPTIONS`` go to
    the Redis connection pool (set short ``socket_connect_timeout``/``socket_timeout``)."""

    def __init__(self, server, params):
        super().__init__(params)
        self._redis = RedisCache(server, params)
        self._database = DatabaseCache(TABLE, {**params, "OPTIONS": {}})
        self._redis_down_until = 0.0

    @property
    def redis_available(self) -> bool:
        """Whether the last call reached Redis (False while answering from the database)."""
        return time.monotonic() >= self._redis_down_until

    def redis_ping(self) -> None:
        """Ask Redis itself (not the fallback); raises when it cannot be reached."""
        self._redis._cache.get_client(write=False).ping()

    def _call(self, method: str, *args, **kwargs):
        if time.monotonic() >= self._redis_down_until:
            try:
                return getattr(self._redis, method)(*args, **kwargs)
            except _REDIS_DOWN as error:
                logger.warning("Redis unreachable, using the database cache: %r", error)
                self._redis_down_until = time.monotonic() + RETRY_SECONDS
        return getattr(self._database, method)(*args, **kwargs)

    def add(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("add", key, value, timeout=timeout, version=version)

    def get(self, key, default=None, version=None):
        return self._call("get", key, default=default, version=version)

    def set(self, key, value, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set", key, value, timeout=timeout, version=version)

    def touch(self, key, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("touch", key, timeout=timeout, version=version)

    def delete(self, key, version=None):
        return self._call("delete", key, version=version)

    def get_many(self, keys, version=None):
        return self._call("get_many", keys, version=version)

    def set_many(self, data, timeout=DEFAULT_TIMEOUT, version=None):
        return self._call("set_many", data, timeout=timeout, version=version)

    def delete_many(self, keys, version=None):
        return self._call("delete_many", keys, version=version)

    def has_key(self, key, version=None):
        return self._call("has_key", key, version=version)

    def incr(self, key, delta=1, version=None):
        return self._call("incr", key, delta=delta, version=version)

    def clear(self):
        return self._call("clear")

    def close(self, **kwargs):
        self._redis.close(**kwargs)
        self._database.close(**kwargs)
