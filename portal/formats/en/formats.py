# The English interface keeps the nl-NL formats (see ..nl.formats for why).
from portal.formats.nl.formats import *  # noqa: F403
