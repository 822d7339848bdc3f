"""The Celery application.

Without a broker (no ``REDIS_URL``) settings turn on ``CELERY_TASK_ALWAYS_EAGER`` so the same code
runs in-process, as pretix does without a ``[celery]`` section. With a broker the tasks run on
workers, which scale out on the same broker and database.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
app.autodiscover_tasks(["funding.reports"])  # funding/reports/tasks.py (spending reports)
