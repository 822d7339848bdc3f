"""Settings for the test suite (pytest's ``DJANGO_SETTINGS_MODULE``): the portal's own settings
with ``DJANGO_TESTING`` switched on, which gives the development defaults (secret key, local
hosts) without a hand-made environment. Set in the environment, so the real Celery worker the
worker tests start inherits it."""

import os

os.environ["DJANGO_TESTING"] = "1"

from portal.settings import *  # noqa: E402, F403
