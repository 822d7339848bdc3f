"""Pages of the schools app, one module per subject: ``schools`` (the school list, page and
edit form), ``scans`` (scans with their workflow and documents, the municipality's overview)
and ``imports`` (the DUO, CBS and needs imports). Views are thin: a selector or a service each;
``base`` holds what they share. schools/urls.py names the views by their module."""
