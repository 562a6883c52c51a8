"""Errors that the command line reports as one clear line (never a stack trace).

Every problem a user can cause or meet (a bad parameter, a corrupt raw file, a broken
contract) raises a subclass of :class:`ImetbookError`; ``imetbook.run.cli`` prints its message
and exits non-zero.
"""


class ImetbookError(Exception):
    """Base class: the message is a complete, one-line explanation for the user."""

    exit_code = 2


class DataError(ImetbookError):
    """A raw file is missing, corrupt, or cannot be parsed."""


class ChecksumError(DataError):
    """A raw file's sha256 does not match its manifest."""


class ContractError(ImetbookError):
    """A table violates its column contract (see ``imetbook.data.schema``)."""


class UnknownCountryError(ImetbookError):
    """A country name is not in the mapping; the message names it and suggests close names."""


class ParameterError(ImetbookError):
    """A notebook or command parameter is invalid."""


class ExecutionError(ImetbookError):
    """A notebook failed to execute; the message names the notebook and the cell."""


class OutputError(ImetbookError):
    """An output cannot be written: a read-only folder, a full disk, another build running."""
