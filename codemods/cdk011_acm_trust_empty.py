"""CDK011: ``appmesh.TlsValidationTrust.acm([])``: an ACM trust without a certificate authority."""

from __future__ import annotations

import ast

import libcst as cst

from cdkfix.rule import AstRule, Case, module_positions
from cdkfix.spans import COMPOUND, Edit
from codemods._helpers import ast_dotted, index, parse_expression_text, resolve_callable, without_arg

NOTE = (
    "# NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted",
    "# TlsValidationTrust.acm([]) (none) and was removed; add it back with",
    "# acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).",
)


class AcmTrustEmpty(AstRule):
    """Removes a TLS client policy whose ACM trust lists no certificate authority, leaving a ``# NOTE``.

    ``TlsValidationTrust.acm(certificate_authorities)`` needs at least one ACM Private CA; ``acm([])``
    fails at synthesis. Nothing in the code says which authority was meant, so the rule removes the
    smallest enclosing argument that may be left out: it climbs from the ``acm([])`` call through the
    arguments the API index marks as required (``TlsValidation.trust``, ``TlsClientPolicy.validation``)
    to the first optional one (``tls_client_policy=``), and further while the call that held it is left
    empty (``backend_defaults=appmesh.BackendDefaults()`` goes too). A ``# NOTE:`` comment takes its place
    (or goes above the statement when the call is on one line). When the policy cannot be removed (it is
    assigned to a variable, or sits in a list), the rule only reports.

    It finds on the stdlib tree (an :class:`~cdkfix.rule.AstRule`) and edits the outermost node it changes
    as one span: the statement line that gets the note above it, else the call that loses an argument, with
    the changes nested in it. The finding stays on the ``acm([])`` call, so the edits are queued directly.

    Unsafe: it deletes the (unusable) mTLS configuration.
    """

    code = "CDK011"
    name = "acm-trust-empty"
    title = "`TlsValidationTrust.acm([])`: App Mesh TLS validation with no certificate authority"
    why = """
        An ACM trust needs at least one certificate authority; with an empty list synthesis fails:

            Error: you must provide at least one Certificate Authority when creating an ACM Trust ClientPolicy

        Until a private CA exists there is nothing to validate against, so the TLS client policy cannot be
        kept as written.
    """
    source = "seeds/000_775badc1dee105d9.txt §5 (App Mesh mTLS Configuration Without Certificates)"
    safety = "unsafe"
    triggers = ("TlsValidationTrust",)
    synth_error = "you must provide at least one Certificate Authority when creating an ACM Trust ClientPolicy"
    cases = (
        Case(
            "CDK011-invalid-backend-defaults",
            """
            from aws_cdk import aws_appmesh as appmesh
            node = appmesh.VirtualNode(
                self,
                "Node",
                mesh=mesh,
                # mTLS for every backend
                backend_defaults=appmesh.BackendDefaults(
                    tls_client_policy=appmesh.TlsClientPolicy(
                        validation=appmesh.TlsValidation(
                            trust=appmesh.TlsValidationTrust.acm([])  # Empty list invalid
                        )
                    )
                ),  # mTLS
                listeners=[appmesh.VirtualNodeListener.http(port=8080)],
            )
            """,
            """
            from aws_cdk import aws_appmesh as appmesh
            node = appmesh.VirtualNode(
                self,
                "Node",
                mesh=mesh,
                # NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted
                # TlsValidationTrust.acm([]) (none) and was removed; add it back with
                # acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).
                listeners=[appmesh.VirtualNodeListener.http(port=8080)],
            )
            """,
            unsafe=True,
        ),
        Case(
            "CDK011-invalid-one-line-aliased-last-argument",
            """
            from aws_cdk import aws_appmesh as mesh_

            def node(scope, m):
                return mesh_.VirtualNode(scope, "N", mesh=m, backend_defaults=mesh_.BackendDefaults(tls_client_policy=mesh_.TlsClientPolicy(validation=mesh_.TlsValidation(trust=mesh_.TlsValidationTrust.acm(certificate_authorities=[])))))
            """,
            """
            from aws_cdk import aws_appmesh as mesh_

            def node(scope, m):
                # NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted
                # TlsValidationTrust.acm([]) (none) and was removed; add it back with
                # acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).
                return mesh_.VirtualNode(scope, "N", mesh=m)
            """,
            unsafe=True,
        ),
        Case(
            "CDK011-invalid-backend-keeps-other-arguments",
            """
            import aws_cdk as cdk
            node.add_backend(cdk.aws_appmesh.Backend.virtual_service(
                service,
                tls_client_policy=cdk.aws_appmesh.TlsClientPolicy(
                    ports=[443],
                    validation=cdk.aws_appmesh.TlsValidation(trust=cdk.aws_appmesh.TlsValidationTrust.acm(())),
                ),
            ))
            defaults = cdk.aws_appmesh.BackendDefaults(
                tls_client_policy=cdk.aws_appmesh.TlsClientPolicy(
                    validation=cdk.aws_appmesh.TlsValidation(trust=cdk.aws_appmesh.TlsValidationTrust.acm([]))),
            )
            """,
            """
            import aws_cdk as cdk
            node.add_backend(cdk.aws_appmesh.Backend.virtual_service(
                service,
                # NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted
                # TlsValidationTrust.acm([]) (none) and was removed; add it back with
                # acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).
            ))
            defaults = cdk.aws_appmesh.BackendDefaults(
                # NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted
                # TlsValidationTrust.acm([]) (none) and was removed; add it back with
                # acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).
            )
            """,
            unsafe=True,
        ),
        Case(
            "CDK011-valid-unsafe-not-enabled",
            """
            from aws_cdk import aws_appmesh as appmesh
            policy_holder = appmesh.BackendDefaults(tls_client_policy=appmesh.TlsClientPolicy(
                validation=appmesh.TlsValidation(trust=appmesh.TlsValidationTrust.acm([]))))
            """,
            finding=True,
        ),
        Case(
            "CDK011-valid-policy-in-a-variable",
            """
            from aws_cdk import aws_appmesh as appmesh
            policy = appmesh.TlsClientPolicy(validation=appmesh.TlsValidation(trust=appmesh.TlsValidationTrust.acm([])))
            """,
            unsafe=True,
            finding=True,
        ),
        Case(
            "CDK011-valid-real-authorities",
            """
            from aws_cdk import aws_appmesh as appmesh
            trust = appmesh.TlsValidationTrust.acm([authority])
            other = appmesh.TlsValidationTrust.file("/certs/ca.pem")
            cas = []
            later = appmesh.TlsValidationTrust.acm(cas)
            """,
        ),
    )

    def check(self) -> None:
        """Find the empty ``acm`` calls on the stdlib tree and plan one edit per outermost changed node."""
        api = index(self.options)
        holders: dict[int, tuple[ast.Call, int, bool]] = {}  # id(call) -> (call, argument position, note inside)
        notes: dict[int, tuple[ast.stmt, str]] = {}  # id(statement) -> (statement, its indentation)
        finding: dict[int, int] = {}  # id(node to edit) -> index of the first finding of its fix
        calls = sorted((c for c in self.scan.calls if isinstance(c.func, ast.Attribute) and c.func.attr == "acm"),
                       key=_order)
        for call in calls:
            if not self._is_empty_acm(api, call):
                continue
            target = self._target(api, call)
            if target is None:
                self.report(call, "`TlsValidationTrust.acm([])` lists no certificate authority, and the TLS "
                                  "client policy that holds it cannot be removed here",
                            suggestion="TlsValidationTrust.acm([certificate_authority]) with an "
                                       "acmpca.CertificateAuthority, or TlsValidationTrust.file(...)")
                continue
            holder, position, keyword = target
            if not self.record_fix(call, f"`TlsValidationTrust.acm([])` lists no certificate authority: removed "
                                         f"`{keyword}` and left a NOTE (mTLS needs ACM certificate authorities)"):
                continue
            index_of_finding = len(self.findings_so_far) - 1
            inside = self._on_own_lines(holder, position)
            holders[id(holder)] = (holder, position, inside)  # one removal per call, the last one wins
            finding.setdefault(id(holder), index_of_finding)
            if not inside:
                line = self._statement_line(holder)
                if line is not None:
                    notes[id(line[0])] = line
                    finding.setdefault(id(line[0]), index_of_finding)
        self._plan_edits(list(holders.values()), list(notes.values()), finding)

    # -- finding ------------------------------------------------------------------------------------------
    def _resolve(self, node: ast.expr) -> str | None:
        """The qualified name of a Name/Attribute chain through the module's imports (LibCST's view)."""
        return self.imports.resolve_dotted(ast_dotted(node))

    def _is_empty_acm(self, api, call: ast.Call) -> bool:
        info, method = resolve_callable(api, self._resolve(call.func))
        if info is None or method != "acm" or info.name != "TlsValidationTrust":
            return False
        params = info.methods[method].params
        args = _arguments(call)
        value = None
        if args and args[0][1] is None:
            value = args[0][2]
        elif params:
            value = next((v for _, k, v in args if k is not None and k == params[0].name), None)
        if isinstance(value, (ast.List, ast.Tuple)):
            return not value.elts
        return (isinstance(value, ast.Call) and isinstance(value.func, ast.Name) and value.func.id in ("list", "tuple")
                and not value.args and not value.keywords)

    def _target(self, api, node: ast.expr):
        """``(call, argument position, keyword)`` of the argument to remove, or None."""
        parents = self.scan.parents
        found = None
        while True:
            parent = parents.get(id(node))
            if isinstance(parent, ast.keyword) and parent.arg is not None:
                holder, arg = parents.get(id(parent)), parent
            elif isinstance(parent, ast.Call) and any(a is node for a in parent.args):
                holder, arg = parent, node
            else:
                return found
            if not isinstance(holder, ast.Call):  # a class keyword (``metaclass=``)
                return found
            args = _arguments(holder)
            position = next(i for i, (n, _, _) in enumerate(args) if n is arg)
            keyword = args[position][1]
            optional = self._optional(api, holder, keyword, position)
            if found is not None and not (optional and len(_arguments(found[0])) == 1):
                return found  # the holder of the removed argument keeps other arguments: stop there
            if optional:
                found = (holder, position, keyword if keyword is not None else f"argument {position + 1}")
            elif found is not None:
                return found
            node = holder

    def _optional(self, api, call: ast.Call, keyword: str | None, position: int) -> bool:
        """Whether the argument at ``position`` (named ``keyword``) may be left out of ``call``, per the API
        index."""
        info, method = resolve_callable(api, self._resolve(call.func))
        if info is not None:
            if method is None:
                if keyword is None:
                    return False
                prop = info.props.get(keyword)
                return prop is not None and prop.optional
            signature = info.methods[method]
            if keyword is None:
                return position < len(signature.params) and signature.params[position].optional
            prop = signature.kwargs.get(keyword) or next((p for p in signature.params if p.name == keyword), None)
            return prop is not None and prop.optional
        # An unresolved call (`mesh.add_virtual_node(...)`): optional when no App Mesh type requires it.
        if keyword is None:
            return False
        return _optional_everywhere(api, keyword)

    def _on_own_lines(self, call: ast.Call, position: int) -> bool:
        """True when the argument at ``position`` of ``call`` starts and ends on lines of its own (read on
        LibCST's parse of the call's text: its whitespace nodes say it)."""
        start, end = self.lines.span(call)
        parsed = parse_expression_text(self.source[start:end])
        return isinstance(parsed, cst.Call) and position < len(parsed.args) and _own_line(parsed, position)

    def _statement_line(self, node: ast.AST) -> tuple[ast.stmt, str] | None:
        """``(first statement, indentation)`` of the statement line holding ``node`` (LibCST's
        ``SimpleStatementLine``: the note goes above it), or None (a compound statement's header, a one-line
        block after a colon)."""
        parents = self.scan.parents
        statement = parents.get(id(node))
        while statement is not None and not isinstance(statement, ast.stmt):
            statement = parents.get(id(statement))
        if statement is None or isinstance(statement, COMPOUND):
            return None
        body = next((value for _, value in ast.iter_fields(parents[id(statement)])
                     if isinstance(value, list) and any(s is statement for s in value)), None)
        if body is None:
            return None
        at = next(i for i, s in enumerate(body) if s is statement)
        while at > 0 and ";" in self.source[self.lines.span(body[at - 1])[1]:self.lines.span(body[at])[0]]:
            at -= 1  # ``a = 1; b = f(...)``: the line starts with an earlier statement
        first = body[at]
        start = self.lines.offset(first.lineno, first.col_offset)
        indent = self.source[self.lines.starts[first.lineno - 1]:start]
        if indent.strip(" \t\f"):
            return None  # ``if x: f(...)``: the statements follow a colon (LibCST's SimpleStatementSuite)
        return first, indent

    # -- editing ------------------------------------------------------------------------------------------
    def _plan_edits(self, holders: list[tuple[ast.Call, int, bool]], notes: list[tuple[ast.stmt, str]],
                    finding: dict[int, int]) -> None:
        """One edit per outermost node to change: a statement line that gets the note (with the calls inside
        it), else a call that loses an argument (with the calls inside it). Nested changes are one edit, as
        the LibCST transformer made them in one traversal."""
        units = [(self.lines.span(s), 0, s, indent) for s, indent in notes]
        units += [(self.lines.span(h), 1, h, None) for h, _, _ in holders]
        units.sort(key=lambda u: (u[0][0], -u[0][1], u[1]))
        outer: list[tuple[tuple[int, int], ast.AST, str | None, list]] = []
        for span, _, node, indent in units:
            if outer and outer[-1][0][0] <= span[0] and span[1] <= outer[-1][0][1]:
                host = outer[-1]
            else:
                host = (span, node, indent, [])
                outer.append(host)
            if isinstance(node, ast.Call):
                host[3].extend(h for h in holders if h[0] is node)
        for span, node, indent, inner in outer:
            self.queue(Edit(node, self._builder_for(node, inner, indent), finding[id(node)]))

    def _builder_for(self, node: ast.AST, holders: list[tuple[ast.Call, int, bool]], indent: str | None):
        """The builder of ``node``'s replacement: ``holders`` lose their argument, and with ``indent`` the
        note goes on lines of its own above the statement."""
        base_line, base_column = node.lineno, self.lines.char_column(node.lineno, node.col_offset)

        def relative(line: int, byte_column: int) -> tuple[int, int]:
            column = self.lines.char_column(line, byte_column)
            return line - base_line + 1, column - base_column if line == base_line else column

        wanted = {(*relative(h.lineno, h.col_offset), *relative(h.end_lineno, h.end_col_offset)): (position, inside)
                  for h, position, inside in holders}

        def build(parsed: cst.CSTNode) -> cst.CSTNode:
            new = parsed
            if wanted:
                line = cst.SimpleStatementLine([parsed if isinstance(parsed, cst.BaseSmallStatement)
                                                else cst.Expr(parsed)])  # type: ignore[arg-type]
                new = parsed.visit(_RemoveArguments(wanted, module_positions(cst.Module(body=[line]))))
            if indent is None:
                return new
            # The note goes on lines above the statement at its indentation (LibCST's leading lines); the span
            # starts after that indentation and ends at the statement.
            if not indent:
                return cst.Module(body=[cst.SimpleStatementLine([new], leading_lines=[  # type: ignore[list-item]
                    cst.EmptyLine(indent=True, comment=cst.Comment(text)) for text in NOTE])],
                    has_trailing_newline=False)
            # In a block, a one-statement block gives the lines after the first their indentation. The
            # statement's own continuation lines already hold theirs (parsed alone, nothing is block
            # indentation), so they must not get the block's too.
            block = cst.IndentedBlock(
                header=cst.TrailingWhitespace(comment=cst.Comment(NOTE[0])), indent=indent,
                body=[cst.SimpleStatementLine([new.visit(_Unindented())], leading_lines=[  # type: ignore[list-item]
                    cst.EmptyLine(indent=True, comment=cst.Comment(text)) for text in NOTE[1:]])])
            return cst.Module(body=[block], has_trailing_newline=False)  # type: ignore[list-item]

        return build


class _RemoveArguments(cst.CSTTransformer):
    """Removes the planned argument of each call found at a planned (start, end) position."""

    def __init__(self, wanted: dict[tuple[int, int, int, int], tuple[int, bool]], positions) -> None:
        super().__init__()
        self.wanted, self.positions = wanted, positions

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        where = self.positions.get(original_node)
        if where is None:
            return updated_node
        edit = self.wanted.get((where.start.line, where.start.column, where.end.line, where.end.column))
        if edit is None:
            return updated_node
        position, inside = edit
        return without_arg(updated_node, position, note=NOTE if inside else None)


class _Unindented(cst.CSTTransformer):
    """Lines inside parentheses written without the enclosing block's indentation: the same text for a node
    parsed on its own (whose block indentation is empty), whatever block it is written in."""

    def leave_ParenthesizedWhitespace(self, original_node: cst.ParenthesizedWhitespace,
                                      updated_node: cst.ParenthesizedWhitespace) -> cst.ParenthesizedWhitespace:
        return updated_node.with_changes(indent=False)

    def leave_EmptyLine(self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine) -> cst.EmptyLine:
        return updated_node.with_changes(indent=False)


def _order(node: ast.AST) -> tuple[int, int, int, int]:
    """Source order, outer nodes first (LibCST's traversal order)."""
    return (node.lineno, node.col_offset, -node.end_lineno, -node.end_col_offset)  # type: ignore[attr-defined]


def _arguments(call: ast.Call) -> list[tuple[ast.AST, str | None, ast.expr]]:
    """``(node, keyword, value)`` of each argument of ``call`` in source order (LibCST's ``call.args``):
    ``node`` is the positional expression (a ``Starred`` for ``*x``) or the ``ast.keyword``; ``value`` is
    what LibCST's ``Arg.value`` holds (without the star)."""
    items = [(a, None, a.value if isinstance(a, ast.Starred) else a) for a in call.args]
    items += [(k, k.arg, k.value) for k in call.keywords]
    return sorted(items, key=lambda item: (item[0].lineno, item[0].col_offset))


def _own_line(call: cst.Call, position: int) -> bool:
    """True when ``call.args[position]`` starts and ends on lines of its own."""
    args = call.args
    before = call.whitespace_before_args if position == 0 else getattr(args[position - 1].comma, "whitespace_after",
                                                                       None)
    arg = args[position]
    after = arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else arg.whitespace_after_arg
    return isinstance(before, cst.ParenthesizedWhitespace) and isinstance(after, cst.ParenthesizedWhitespace)


_OPTIONAL_CACHE: dict[tuple[int, str], bool] = {}


def _optional_everywhere(api, keyword: str) -> bool:
    """True when every App Mesh type that has the keyword ``keyword`` marks it optional."""
    key = (id(api), keyword)
    if key not in _OPTIONAL_CACHE:
        module = "aws_cdk.aws_appmesh"
        seen = False
        optional = True
        for name in api.types_in(module):
            info = api.type(module, name)
            if info is None:
                continue
            for props in (info.props, *(m.kwargs for m in info.methods.values())):
                prop = props.get(keyword)
                if prop is not None:
                    seen = True
                    optional = optional and prop.optional
        _OPTIONAL_CACHE[key] = seen and optional
    return _OPTIONAL_CACHE[key]
