"""CDK011: ``appmesh.TlsValidationTrust.acm([])``: an ACM trust without a certificate authority."""

from __future__ import annotations

import libcst as cst
from libcst.metadata import ParentNodeProvider, PositionProvider

from cdkfix.rule import Case, Rule
from codemods._helpers import index, resolve_callable, without_arg

NOTE = (
    "# NOTE: mTLS needs ACM certificate authorities: the TLS client policy trusted",
    "# TlsValidationTrust.acm([]) (none) and was removed; add it back with",
    "# acm([<acmpca certificate authority>]) or TlsValidationTrust.file(certificate_chain=...).",
)


class AcmTrustEmpty(Rule):
    """Removes a TLS client policy whose ACM trust lists no certificate authority, leaving a ``# NOTE``.

    ``TlsValidationTrust.acm(certificate_authorities)`` needs at least one ACM Private CA; ``acm([])``
    fails at synthesis. Nothing in the code says which authority was meant, so the rule removes the
    smallest enclosing argument that may be left out: it climbs from the ``acm([])`` call through the
    arguments the API index marks as required (``TlsValidation.trust``, ``TlsClientPolicy.validation``)
    to the first optional one (``tls_client_policy=``), and further while the call that held it is left
    empty (``backend_defaults=appmesh.BackendDefaults()`` goes too). A ``# NOTE:`` comment takes its place
    (or goes above the statement when the call is on one line). When the policy cannot be removed (it is
    assigned to a variable, or sits in a list), the rule only reports.

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
    METADATA_DEPENDENCIES = (PositionProvider, ParentNodeProvider)
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

    def visit_Module(self, node: cst.Module) -> bool | None:
        super().visit_Module(node)
        self._edits: dict[int, tuple[int, bool]] = {}  # id(call) -> (argument position, note inside)
        self._notes_above: set[int] = set()  # id(statement) that gets the note
        self._messages: dict[int, tuple[cst.Call, str]] = {}
        collector = _Collector()
        node.visit(collector)
        api = index(self.options)
        for call in collector.calls:
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
            inside = _own_line(holder, position)
            self._edits[id(holder)] = (position, inside)
            if not inside:
                statement = self._statement(holder)
                if statement is not None:
                    self._notes_above.add(id(statement))
        return True

    def _is_empty_acm(self, api, call: cst.Call) -> bool:
        info, method = resolve_callable(api, self.imports.resolve(call.func))
        if info is None or method != "acm" or info.name != "TlsValidationTrust":
            return False
        params = info.methods[method].params
        value = None
        if call.args and call.args[0].keyword is None:
            value = call.args[0].value
        elif params:
            value = next((a.value for a in call.args if a.keyword is not None and a.keyword.value == params[0].name),
                         None)
        if isinstance(value, (cst.List, cst.Tuple)):
            return not value.elements
        return (isinstance(value, cst.Call) and isinstance(value.func, cst.Name) and value.func.value in ("list", "tuple")
                and not value.args)

    def _target(self, api, node: cst.CSTNode):
        """``(call, argument position, keyword)`` of the argument to remove, or None."""
        found = None
        while True:
            arg = self.get_metadata(ParentNodeProvider, node, None)
            holder = self.get_metadata(ParentNodeProvider, arg, None) if isinstance(arg, cst.Arg) else None
            if not isinstance(arg, cst.Arg) or not isinstance(holder, cst.Call) or arg.value is not node or arg.star:
                return found
            position = list(holder.args).index(arg)
            optional = self._optional(api, holder, arg, position)
            if found is not None and not (optional and len(found[0].args) == 1):
                return found  # the holder of the removed argument keeps other arguments: stop there
            if optional:
                found = (holder, position, arg.keyword.value if arg.keyword else f"argument {position + 1}")
            elif found is not None:
                return found
            node = holder

    def _optional(self, api, call: cst.Call, arg: cst.Arg, position: int) -> bool:
        """Whether ``arg`` may be left out of ``call``, per the API index."""
        info, method = resolve_callable(api, self.imports.resolve(call.func))
        if info is not None:
            if method is None:
                if arg.keyword is None:
                    return False
                prop = info.props.get(arg.keyword.value)
                return prop is not None and prop.optional
            signature = info.methods[method]
            if arg.keyword is None:
                return position < len(signature.params) and signature.params[position].optional
            prop = signature.kwargs.get(arg.keyword.value) or next(
                (p for p in signature.params if p.name == arg.keyword.value), None)
            return prop is not None and prop.optional
        # An unresolved call (`mesh.add_virtual_node(...)`): optional when no App Mesh type requires it.
        if arg.keyword is None:
            return False
        return _optional_everywhere(api, arg.keyword.value)

    def _statement(self, node: cst.CSTNode) -> cst.SimpleStatementLine | None:
        while node is not None and not isinstance(node, cst.SimpleStatementLine):
            node = self.get_metadata(ParentNodeProvider, node, None)
        return node

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        edit = self._edits.get(id(original_node))
        if edit is None:
            return updated_node
        position, inside = edit
        return without_arg(updated_node, position, note=NOTE if inside else None)

    def leave_SimpleStatementLine(self, original_node: cst.SimpleStatementLine,
                                  updated_node: cst.SimpleStatementLine) -> cst.SimpleStatementLine:
        if id(original_node) not in self._notes_above:
            return updated_node
        notes = [cst.EmptyLine(indent=True, comment=cst.Comment(text)) for text in NOTE]
        lines = list(updated_node.leading_lines)
        return updated_node.with_changes(leading_lines=[*lines, *notes])


class _Collector(cst.CSTVisitor):
    def __init__(self) -> None:
        self.calls: list[cst.Call] = []

    def visit_Call(self, node: cst.Call) -> None:
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "acm":
            self.calls.append(node)


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
