"""The one exception root of faisceau.

    FaisceauError
    ├── UsageError            bad command-line input or configuration (exit 2)
    ├── ProjectError          project folder missing, newer than this version, corrupt
    └── ExtractionError       a data error on one document: recorded on it, the run goes on
        ├── EncryptedDocument the document needs a password we do not have ("encrypted")
        ├── Truncated         the file ends early ("truncated")
        └── LimitExceeded     a safety limit (zip bomb, depth, pixels, size) refused it
    Skipped                   control flow: the document is skipped with a reason
    ├── UnsupportedFormat     no extractor for this content ("unsupported format <mime>")
    └── ToolMissing           an external tool is not installed ("<tool> not installed")

Data errors are caught per document where the item is extracted (`extract/run.py`); a programming
error propagates to the task body every executor shares (`pipeline/executor.run_one`), which records
it as `failed: internal error: ...` for that document only.
"""

from __future__ import annotations


class FaisceauError(Exception):
    """Root of every error faisceau raises on purpose."""


class UsageError(FaisceauError):
    """Bad command-line input or configuration."""


class ProjectError(FaisceauError):
    """The project folder cannot be used as it is."""


class ExtractionError(FaisceauError):
    """A document could not be (fully) extracted; the message is the recorded reason."""

    status = "failed"

    @property
    def reason(self) -> str:
        return str(self) or type(self).__name__


class EncryptedDocument(ExtractionError):
    """The document is encrypted and no known password opens it."""

    def __init__(self, reason: str = "encrypted") -> None:
        super().__init__(reason)


class Truncated(ExtractionError):
    """The file ends before its structure does."""

    def __init__(self, reason: str = "truncated") -> None:
        super().__init__(reason)


class LimitExceeded(ExtractionError):
    """A safety limit was exceeded (bomb, depth, pixels, size)."""


class Skipped(FaisceauError):
    """Control flow: the document is skipped; the message is the recorded reason."""

    status = "skipped"

    @property
    def reason(self) -> str:
        return str(self) or type(self).__name__


class UnsupportedFormat(Skipped):
    """No extractor handles this content."""

    def __init__(self, mime: str) -> None:
        super().__init__(f"unsupported format {mime}")


class ToolMissing(Skipped):
    """An external tool needed for this document is not installed."""

    def __init__(self, tool: str) -> None:
        super().__init__(f"{tool} not installed")
