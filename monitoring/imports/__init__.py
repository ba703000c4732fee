"""Spreadsheet import of evidence (issue 18, part 4).

``reader`` turns an uploaded CSV or XLSX into rows, refusing what is unsafe; ``columns`` maps headers in either
language to the evidence form's fields and reads values as people type them; ``validation`` checks every row
through the web's evidence form; ``jobs`` runs the upload, the dry run and the import (in the worker);
``template`` builds the downloadable templates.
"""
