"""Subject access requests: everything the hub holds about one person, for IG (docs/information-governance.md).

`request` checks what IG asked for; `gather` finds the person and reads their records (audited);
`marking` and `held` mark every value about someone else for redaction or review; `processing` adds the
facts Article 15(1) covers besides the records; `bundle` is the JSON the export writes, `report` its HTML
and PDF, and `export` writes the three files.

Thin public module: import from here, not from the submodules.
"""

from hub.sar.bundle import BUNDLE_FORMAT, BUNDLE_VERSION, Action, Mark, SubjectAccessBundle
from hub.sar.export import Exported, bundle_schema, default_folder, export, setting_from, summary_lines
from hub.sar.gather import gather
from hub.sar.processing import Setting
from hub.sar.request import PURPOSE, SarInputError, SubjectAccessRequest, UnknownSubject, parse_request

__all__ = [
    "BUNDLE_FORMAT",
    "BUNDLE_VERSION",
    "PURPOSE",
    "Action",
    "Exported",
    "Mark",
    "SarInputError",
    "Setting",
    "SubjectAccessBundle",
    "SubjectAccessRequest",
    "UnknownSubject",
    "bundle_schema",
    "default_folder",
    "export",
    "gather",
    "parse_request",
    "setting_from",
    "summary_lines",
]
