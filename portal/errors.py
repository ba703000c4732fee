"""One family of domain errors: a rule refused a change, and ``message`` says why in the user's language.

Services raise a subclass; views turn any ``DomainError`` into a message beside the form or at the top of the
page. ``StaleVersion`` is the one shape of "someone changed this after you opened it".
"""

from __future__ import annotations


class DomainError(Exception):
    """A domain rule refused the change; ``message`` is shown to the user."""

    def __init__(self, message: str):
        self.message = message
        super().__init__(message)


class StaleVersion(DomainError):
    """The object was saved by someone else after this person opened it."""
