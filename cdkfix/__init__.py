"""cdkfix: repair AWS CDK Python code that does not synthesize.

Python API for pipelines (pure functions, no I/O)::

    from cdkfix import fix_source, fix_markdown
    result = fix_source(text)          # result.output, result.findings, result.diff
    result = fix_markdown(markdown)
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__", "fix_source", "fix_markdown", "Result"]


def __getattr__(name: str):
    # The API lives in cdkfix.api; importing it lazily keeps `import cdkfix` cheap for the CLI's workers.
    if name in ("fix_source", "fix_markdown", "Result"):
        from cdkfix import api

        return getattr(api, name)
    raise AttributeError(name)
