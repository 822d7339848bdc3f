"""Pages of the funding app: lists (filters, sorting, pagination, CSV/XLSX export), forms,
imports (upload -> preview -> confirm), findings with the check button, and the gap view.
One module per subject; the names are re-exported for funding/urls.py."""

from .activities import (  # noqa: F401
    ActivityCreateView,
    ActivityDetailView,
    ActivityListView,
    ActivityUpdateView,
)
from .base import (  # noqa: F401
    FilteredListView,
    FlagsMixin,
)
from .expenditures import (  # noqa: F401
    ExpenditureCreateView,
    ExpenditureDetailView,
    ExpenditureListView,
    ExpenditureUpdateView,
    expenditure_sign_off,
)
from .findings import (  # noqa: F401
    SCHOOLS_PER_PAGE,
    FindingListView,
    GapView,
    check_run_start,
    check_run_status,
    finding_review,
)
from .grants import (  # noqa: F401
    GrantCreateView,
    GrantDetailView,
    GrantListView,
    GrantUpdateView,
)
from .imports import (  # noqa: F401
    ActivityImportJobView,
    ActivityImportView,
    ExpenditureImportView,
    GrantImportView,
    ImportJobView,
    ImportView,
)
from .interventions import (  # noqa: F401
    InterventionCreateView,
    intervention_delete,
)
from .lookups import (  # noqa: F401
    LOOKUP_LIMIT,
    lookup_activities,
    lookup_grants,
    lookup_schools,
)
