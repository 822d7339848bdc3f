"""Background jobs of the schools app: thin leaves that take ids and call a service (services
start them through portal.jobs.enqueue and never import this module). Browser imports run as
the portal's one import job (portal.tasks.import_job_run)."""
