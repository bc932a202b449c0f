"""CDK021: an HTTPS/TLS load balancer listener with an empty ``certificates`` list (finding only)."""

from __future__ import annotations

import ast

from cdkfix.rule import AstRule, Case
from codemods._helpers import ast_dotted, ast_keyword, triggered_prescan

_LISTENERS = ("aws_cdk.aws_elasticloadbalancingv2.ApplicationListener",
              "aws_cdk.aws_elasticloadbalancingv2.NetworkListener")
_SECURE = ("aws_cdk.aws_elasticloadbalancingv2.ApplicationProtocol.HTTPS",
           "aws_cdk.aws_elasticloadbalancingv2.Protocol.TLS")


class HttpsListenerWithoutCertificate(AstRule):
    """Reports an HTTPS (or TLS) listener whose ``certificates=[]`` list is empty.

    Generated code often leaves a placeholder (``certificates=[  # Add your certificate here ]``) where
    the certificate belongs, because it has no domain to issue one for. Which certificate is right is the
    author's decision: import an existing one (``acm.Certificate.from_certificate_arn(...)`` with the ARN
    taken from a parameter or context), issue one with DNS validation (``acm.Certificate(...,
    validation=acm.CertificateValidation.from_dns(zone))``), or serve plain HTTP until there is a domain.
    The rule fires on ``lb.add_listener(...)`` and ``elbv2.ApplicationListener``/``NetworkListener`` whose
    protocol is HTTPS/TLS (or whose port is 443 when no protocol is given).

    An :class:`cdkfix.rule.AstRule` that only reports: the calls are read on the stdlib tree and the finding
    is placed on the ``certificates=`` keyword.
    """

    code = "CDK021"
    name = "https-listener-without-certificate"
    title = "HTTPS listener with an empty `certificates` list"
    why = """
        An HTTPS listener cannot terminate TLS without a certificate; aws-cdk-lib refuses it at synthesis:

            Validation failed with the following errors: [Stack/Alb/Listener] HTTPS Listener needs at least
            one certificate (call addCertificates)

        There is no certificate cdkfix could pick: it depends on the domain and the account.
    """
    source = "seeds/002_2170557884eb4ac5.txt §2 (Missing SSL/TLS Certificate for ALB HTTPS Listener)"
    fixable = False
    triggers = ("certificates",)
    synth_error = "HTTPS Listener needs at least one certificate (call addCertificates)"
    cases = (
        Case(
            "CDK021-invalid-placeholder-comment",
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2
            alb.add_listener(
                "Https",
                port=443,
                protocol=elbv2.ApplicationProtocol.HTTPS,
                default_target_groups=[target_group],
                certificates=[
                    # Add your certificate here
                ],
            )
            """,
            finding=True,
        ),
        Case(
            "CDK021-invalid-listener-construct-port-only",
            """
            import aws_cdk.aws_elasticloadbalancingv2 as lb
            lb.ApplicationListener(self, "L", load_balancer=alb, port=443, certificates=[])
            """,
            finding=True,
        ),
        Case(
            "CDK021-invalid-tls",
            """
            from aws_cdk.aws_elasticloadbalancingv2 import Protocol
            nlb.add_listener("Tls", port=8443, protocol=Protocol.TLS, certificates=[])
            """,
            finding=True,
        ),
        Case(
            "CDK021-valid-certificate-or-http",
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2
            alb.add_listener("Https", port=443, certificates=[cert])
            alb.add_listener("Http", port=80, protocol=elbv2.ApplicationProtocol.HTTP, certificates=[])
            alb.add_listener("Default", port=8080, certificates=[])
            alb.add_listener("Later", port=443, protocol=elbv2.ApplicationProtocol.HTTPS, certificates=certs)
            """,
        ),
    )

    @classmethod
    def may_fire(cls, source: str) -> bool:
        """Only a listener call with ``certificates=[]`` and an HTTPS/TLS protocol (or port 443, no protocol)."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        for call in scan.calls:
            certificates = ast_keyword(call, "certificates")
            if not isinstance(certificates, ast.List) or certificates.elts:
                continue
            func = call.func
            if not (isinstance(func, ast.Attribute) and func.attr == "add_listener") and not scan.resolves_to(
                    func, _LISTENERS):
                continue
            protocol, port = ast_keyword(call, "protocol"), ast_keyword(call, "port")
            if protocol is not None:
                if scan.resolves_to(protocol, _SECURE):
                    return True
            elif isinstance(port, ast.Constant) and port.value == 443 and not isinstance(port.value, bool):
                return True
        return False

    def check(self) -> None:
        """``add_listener(...)``/``ApplicationListener(...)`` with ``certificates=[]``, reported in the order a
        LibCST traversal left the calls (innermost first: by end position)."""
        imports = self.imports
        for call in sorted(self.scan.calls, key=lambda c: (c.end_lineno, c.end_col_offset)):  # type: ignore[union-attr]
            certificates = next((kw for kw in call.keywords if kw.arg == "certificates"), None)
            if certificates is None or not isinstance(certificates.value, ast.List) or certificates.value.elts:
                continue
            func = call.func
            is_method = isinstance(func, ast.Attribute) and func.attr == "add_listener"
            if not is_method and imports.resolve_dotted(ast_dotted(func)) not in _LISTENERS:
                continue
            protocol, port = ast_keyword(call, "protocol"), ast_keyword(call, "port")
            if protocol is not None:
                secure = imports.resolve_dotted(ast_dotted(protocol)) in _SECURE
            else:  # LibCST's ``Integer`` (a float 443.0 is not one)
                secure = isinstance(port, ast.Constant) and type(port.value) is int and port.value == 443
            if secure:
                self.report(certificates, "HTTPS listener with no certificate: import one "
                                          "(`acm.Certificate.from_certificate_arn`), issue one with DNS validation, "
                                          "or serve HTTP until there is a domain",
                            suggestion="certificates=[acm.Certificate.from_certificate_arn(self, \"Certificate\", "
                                       "certificate_arn)]")
