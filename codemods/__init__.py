"""cdkfix rules: one module per rule, discovered by :mod:`cdkfix.registry`.

Modules starting with ``_`` are shared helpers. A rule module defines one :class:`cdkfix.rule.Rule`
subclass with its code, name, documentation and executed cases.
"""
