"""Registry endpoints: organisations, people, affiliations, taxonomy and segments.

Who may do what (anonymous callers get 401 from the API's authentication):

- animators (and admins) read every record and write through the registry services;
- members read the public view (what the public directory may show, within each record's
  publication consent) plus their own person record in full, which they may PATCH;
- funders get 403: they see aggregates, never registry records. Everyone signed in reads the
  taxonomy.

List filters are the directory's facets, with the same names (``?kind=startup&dep=37``), so a
directory URL and an API call return the same records.
"""

# Importing the endpoint modules registers their routes on the router.
from osmose.registry.api import organisations, people, segments, taxonomy  # noqa: F401
from osmose.registry.api.common import router

__all__ = ["router"]
