"""Pages of the meetings app: meetings.py, actions.py and the tenant-free signed-link pages
in external.py (shared helpers in base.py)."""
