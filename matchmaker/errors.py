"""One exception hierarchy; each class knows the HTTP status it maps to."""

from __future__ import annotations

from dataclasses import dataclass


class MatchmakerError(Exception):
    """Base class for errors a user can act on (shown without a traceback)."""

    status = 400


class NotFound(MatchmakerError):
    status = 404


class Forbidden(MatchmakerError):
    """The user's role does not allow this."""

    status = 403


class ConfigError(MatchmakerError):
    status = 500


@dataclass(frozen=True)
class Problem:
    """One problem found in an input file: where and what."""

    file: str
    row: int | None
    column: str | None
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column '{self.column}'"
        return f"{where}: {self.message}"


class ValidationFailed(MatchmakerError):
    """Input was rejected; carries every problem found, nothing was written."""

    status = 422

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        shown = "\n".join(f"  - {p}" for p in problems[:50])
        more = f"\n  ... and {len(problems) - 50} more" if len(problems) > 50 else ""
        super().__init__(f"{len(problems)} problem(s) found, nothing was written:\n{shown}{more}")
