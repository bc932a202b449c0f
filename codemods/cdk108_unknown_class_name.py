"""CDK108: a class name that no aws-cdk-lib module defines (``cloudfront.OriginAccessControl``)."""

from __future__ import annotations

import ast
import bisect
import difflib
import heapq
import operator
import re
import weakref

import libcst as cst

from cdkfix.rule import AstRule, Case
from cdkfix.spans import Edit
from codemods._helpers import (
    ast_dotted,
    ast_walk_statements,
    closest_first,
    index,
    normalized,
    prefilter_index,
    triggered_prescan,
)

CORE = "aws_cdk"
#: A close spelling must be at least this alike (difflib ratio, case and underscores ignored) ...
SPELLING_CUTOFF = 0.9
#: ... and this far ahead of the runner-up.
SPELLING_MARGIN = 0.05
#: Names listed in a finding's message (the suggestion holds a few more).
LISTED = 6
_WORD = re.compile(r"[A-Z][a-z0-9]*|[a-z0-9]+")


def _short(module: str) -> str:
    return module if module == CORE else module.rsplit(".", 1)[-1]


def _unknown(api, module: str, name: str) -> bool:
    """``name`` is a type-like name that the aws-cdk-lib ``module`` lacks and that no module defines."""
    return (name[:1].isupper() and api.has_module(module) and name not in api.names(module)
            and not api.has_module(f"{module}.{name}") and not api.modules_defining(name))


def _is_interface_name(name: str) -> bool:
    return len(name) > 1 and name[0] == "I" and name[1].isupper()


def _holds_words(other: str, name: str) -> bool:
    """``other`` holds ``name`` as whole CamelCase words (``LayerVersion`` holds ``Layer``)."""
    start = other.find(name)
    while start >= 0:
        end = start + len(name)
        if end == len(other) or not other[end].islower():
            return True
        start = other.find(name, start + 1)
    return False


def _trailing_candidates(api, module: str, name: str, *, anywhere: bool = False) -> list[str]:
    """The types of ``module`` whose name is ``name`` with words in front (``S3OriginAccessControl``), or
    with ``anywhere``, whose name holds ``name`` as whole words (``LayerVersion``; no ``...Props`` then).

    L1 classes (``Cfn...``) and interfaces (``I...``) count only when ``name`` is one; deprecated types and
    abstract classes (``BaseLoadBalancer``) never count."""
    found = []
    for other in api.names(module):
        if other == name or not (_holds_words(other, name) if anywhere else other.endswith(name)):
            continue
        if anywhere and other.endswith("Props") and not name.endswith("Props"):
            continue
        if other.startswith("Cfn") and not name.startswith("Cfn"):
            continue
        info = api.type(module, other)
        if info is None or info.deprecated or (info.kind == "class" and info.abstract):
            continue
        if (info.kind == "interface" or _is_interface_name(other)) and not _is_interface_name(name):
            continue
        found.append(other)
    return sorted(found)


def _fewest_words(name: str, candidates: list[str]) -> list[str]:
    """The candidates that put the fewest CamelCase words in front of ``name``."""
    if not candidates:
        return []
    words = {c: len(_WORD.findall(c[: len(c) - len(name)])) for c in candidates}
    least = min(words.values())
    return [c for c in candidates if words[c] == least]


#: Below this a name's spelling can neither be chosen nor come close enough to the best to block it.
_RELEVANT = SPELLING_CUTOFF - 2 * SPELLING_MARGIN


def _close_spelling(api, module: str, name: str) -> str | None:
    """The one type of ``module`` spelled almost like ``name``, clearly ahead of the next.

    Names whose difflib upper bounds (lengths, then letters in common) stay under :data:`_RELEVANT` are
    not scored: the best name of those left is the best of all when it reaches the cutoff, and a runner-up
    under ``_RELEVANT`` is more than the margin behind it whether it is scored or not."""
    wanted = normalized(name)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq1(wanted)  # as similarity(name, other): the order matters to difflib
    scored = []
    for other in api.names(module):
        spelling = normalized(other)
        if 2 * min(len(spelling), len(wanted)) < _RELEVANT * (len(spelling) + len(wanted)):
            continue
        matcher.set_seq2(spelling)
        if matcher.quick_ratio() < _RELEVANT or (api.type(module, other) or _Deprecated).deprecated:
            continue
        scored.append((matcher.ratio(), other))
    scored.sort(reverse=True)
    if not scored or scored[0][0] < SPELLING_CUTOFF:
        return None
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    return scored[0][1] if scored[0][0] - runner_up >= SPELLING_MARGIN else None


class _Deprecated:
    deprecated = "unknown type"


def replacement(api, module: str, name: str) -> str | None:
    """The type of ``module`` that ``name`` clearly means, or None."""
    trailing = _fewest_words(name, _trailing_candidates(api, module, name))
    if len(trailing) == 1:
        return trailing[0]
    if trailing:
        return None
    return _close_spelling(api, module, name)


def _service(module: str) -> str:
    leaf = module.rsplit(".", 1)[-1]
    return leaf[4:].replace("_", "") if leaf.startswith("aws_") else ""


#: Bits set in each byte value (the per-lane LCS count of :meth:`_Spellings.lcs`).
_POPCOUNT = bytes(bin(i).count("1") for i in range(256))


class _Spellings:
    """Every cross-module candidate of :func:`closest_names` (its name and, with the module's service word,
    its second spelling), built once per API index and packed for a bulk LCS bound.

    Scoring all ~17,000 spellings with difflib costs ~1.5 s a finding. The longest common subsequence of
    two strings bounds difflib's matches (its matching blocks are a common subsequence), so
    ``2 * LCS / (len(a) + len(b))`` bounds the ratio; it is computed for every spelling at once with
    bit-parallel LCS (Hyyrö), one lane of bits per spelling in a single big int, and difflib then runs
    only on the few dozen spellings whose bound reaches the scores already found."""

    def __init__(self, api) -> None:
        modules = [m for m in api.submodules.values() if m == CORE or (m.startswith(CORE + ".") and m.count(".") == 1
                                                                     and m != CORE + ".interfaces")]
        #: (module, name) of every candidate, in the order the exhaustive scan used.
        self.entries: list[tuple[str, str]] = []
        lanes: list[tuple[str, int]] = []  # (normalized spelling, entry)
        for other_module in sorted(set(modules)):
            service = _service(other_module)
            for other in api.names(other_module):
                spellings = [other]
                if service:
                    spellings.append(f"Cfn{service}{other[3:]}" if other.startswith("Cfn") else service + other)
                lanes.extend((normalized(spelling), len(self.entries)) for spelling in spellings)
                self.entries.append((other_module, other))
        # Longest first, so that equal lengths share a block (one bound per block and LCS value).
        lanes.sort(key=lambda lane: -len(lane[0]))
        self.spellings = [spelling for spelling, _ in lanes]
        self.owner = [entry for _, entry in lanes]
        self.blocks: list[tuple[int, int, int]] = []  # (length, start, end) of the lanes of one length
        for i, spelling in enumerate(self.spellings):
            if self.blocks and self.blocks[-1][0] == len(spelling):
                self.blocks[-1] = (len(spelling), self.blocks[-1][1], i + 1)
            else:
                self.blocks.append((len(spelling), i, i + 1))
        alphabet = sorted({c for spelling in self.spellings for c in spelling})
        self.codes = {c: i + 1 for i, c in enumerate(alphabet)}  # 0 pads the lanes of shorter spellings
        #: columns[i]: the code of the i-th character of each spelling that long, one byte per lane (the
        #: lanes are longest first, so that is a prefix of them); None: too many distinct characters.
        self.columns: list[bytes] | None = None
        if len(alphabet) < 256:
            longest = len(self.spellings[0]) if self.spellings else 0
            # Rows of codes padded to one length, then read down: column i is every longest-th byte from i.
            coded = {ord(c): chr(code) for c, code in self.codes.items()}
            rows = "".join(s.translate(coded).ljust(longest, "\0") for s in self.spellings).encode("latin-1")
            lengths = [len(s) for s in self.spellings]
            self.columns = [rows[i::longest][:bisect.bisect_left(lengths, -i, key=operator.neg)]
                            for i in range(longest)]

    def lcs(self, wanted: str) -> bytes | None:
        """The length of the longest common subsequence of ``wanted`` and each lane's spelling, one byte per
        lane (None when ``wanted`` is too long for byte-sized lanes)."""
        width = (len(wanted) + 8) // 8  # bytes per lane: the m bits of ``wanted`` and a carry bit
        if self.columns is None or width > 31:  # 8 * 31 bounds a lane's byte sum below 256, see below
            return None
        match: dict[int, int] = {}
        for k, c in enumerate(wanted):
            if c in self.codes:
                match[self.codes[c]] = match.get(self.codes[c], 0) | 1 << k
        tables = [bytes((match.get(code, 0) >> 8 * j) & 0xFF for code in range(256)) for j in range(width)]
        n = len(self.spellings)
        lane_ones = ((1 << len(wanted)) - 1).to_bytes(width, "little")
        ones = int.from_bytes(lane_ones * n, "little")
        v = ones
        active = n
        done = 0  # the lanes of the spellings already read to their end, at their places
        for column in self.columns:
            if len(column) < active:
                # Lanes past this column's length are finished: set them aside so the big ints shrink.
                bits = len(column) * width * 8
                done |= (v >> bits) << bits
                v &= (1 << bits) - 1
                active = len(column)
                ones = int.from_bytes(lane_ones * active, "little")
            if width == 1:
                pm = int.from_bytes(column.translate(tables[0]), "little")
            else:
                lanes = bytearray(active * width)
                for j in range(width):
                    lanes[j::width] = column.translate(tables[j])
                pm = int.from_bytes(lanes, "little")
            u = v & pm
            # (v + u) | (v - u), with v - u == v ^ u as u is a subset of v; the mask drops each lane's carry.
            v = ((v + u) | (v ^ u)) & ones
        v |= done
        ones = int.from_bytes(lane_ones * n, "little")
        counts = (v ^ ones).to_bytes(n * width, "little").translate(_POPCOUNT)
        if width == 1:
            return counts
        # Sum each lane's byte counts into its top byte; no byte exceeds 8 * width < 256, so nothing carries.
        summed = int.from_bytes(counts, "little") * int.from_bytes(b"\x01" * width, "little")
        return summed.to_bytes((n + 1) * width, "little")[width - 1::width][:n]


_SPELLINGS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _spellings(api) -> _Spellings:
    """The index's :class:`_Spellings`, built on first use."""
    try:
        found = _SPELLINGS.get(api)
    except TypeError:  # an index that takes no weak references: not cached
        return _Spellings(api)
    if found is None:
        found = _SPELLINGS[api] = _Spellings(api)
    return found


def _closest_across_modules(api, name: str, limit: int) -> list[tuple[float, str, str]]:
    """The ``limit`` best ``(-ratio, module, name)`` of all candidates, sorted; a candidate's ratio is the
    best difflib ratio of its spellings to ``name`` (case and underscores ignored). Exactly the head of
    the exhaustive ranking: difflib runs on spellings in order of their LCS bound until no remaining bound
    reaches the ``limit``-th best ratio found."""
    table = _spellings(api)
    wanted = normalized(name)
    matcher = difflib.SequenceMatcher(autojunk=False)
    matcher.set_seq2(wanted)
    best: dict[int, float] = {}

    def score(lane: int) -> None:
        matcher.set_seq1(table.spellings[lane])
        entry = table.owner[lane]
        best[entry] = max(best.get(entry, 0.0), matcher.ratio())

    counts = table.lcs(wanted)
    if counts is None:
        for lane in range(len(table.spellings)):
            score(lane)
    else:
        levels = []  # (bound, start, end, lcs): the lanes of one length with one LCS length
        for length, start, end in table.blocks:
            for common in set(counts[start:end]):
                levels.append((2.0 * common / (length + len(wanted)), start, end, common))
        levels.sort(reverse=True)
        floor = None  # the limit-th best ratio found so far
        for bound, start, end, common in levels:
            if floor is not None and bound < floor:
                break  # no lane left can reach the head: every bound from here on is lower
            needle = bytes((common,))
            lane = counts.find(needle, start, end)
            while lane >= 0:
                score(lane)
                lane = counts.find(needle, lane + 1, end)
            if len(best) >= limit:
                floor = heapq.nlargest(limit, best.values())[-1]
    return sorted((-ratio, *table.entries[entry]) for entry, ratio in best.items())[:limit]


def closest_names(api, module: str, name: str) -> list[str]:
    """Qualified names (``aws_cdk.aws_accessanalyzer.CfnAnalyzer``) closest to ``name``: the types of
    ``module`` ending with it first, then those holding it (``lambda_.Layer``: ``LayerVersion``), then the closest spellings across modules (a module's service word
    counts as part of its names, so ``iam.CfnAccessAnalyzer`` finds ``accessanalyzer.CfnAnalyzer``)."""
    trailing = _trailing_candidates(api, module, name)
    others = [n for n in _trailing_candidates(api, module, name, anywhere=True) if n not in trailing]
    ranked = [f"{module}.{n}" for n in (*trailing, *closest_first(name, others))]
    for _, other_module, other in _closest_across_modules(api, name, LISTED * 2):
        qualified = f"{other_module}.{other}"
        if qualified not in ranked:
            ranked.append(qualified)
    return ranked[:LISTED * 2]


class UnknownClassName(AstRule):
    """Replaces a CDK class name that no aws-cdk-lib module defines with the type of the same module that
    was meant.

    ``X.Name`` (or ``from X import Name``) where the aws-cdk-lib module ``X`` has no ``Name`` and, per the
    API index, no other module has one either (a name that exists elsewhere is CDK005's). The name is
    replaced, in this order, by:

    1. the one type of ``X`` whose name is ``Name`` with words in front: ``cloudfront.OriginAccessControl``
       → ``cloudfront.S3OriginAccessControl``, ``ec2.NetworkAclAssociation`` →
       ``ec2.SubnetNetworkAclAssociation`` (L1 ``Cfn`` classes, interfaces, abstract and deprecated types
       are not candidates; when several remain, the one adding the fewest words, if it is alone:
       ``S3`` rather than ``FunctionUrl`` or ``MediaPackageV2`` in front of ``OriginAccessControl``);
    2. else the one type of ``X`` spelled almost the same (difflib ratio ≥ 0.9, case ignored, clearly
       ahead of the next).

    A from-import is renamed with every use of the name in the file. Otherwise (several candidates, or
    none) the rule reports the name with the closest names, across modules too (``iam.CfnAccessAnalyzer``
    → ``aws_accessanalyzer.CfnAnalyzer``). A name the file binds itself, and attributes of anything but
    an imported aws-cdk-lib module, are left alone.

    It finds on the stdlib tree (an ``AstRule``): each ``X.Name`` fix is an edit of that attribute, and a
    renamed from-import is one finding whose edits are the alias and every use of the name that a LibCST
    traversal would have renamed: ``ast.Name`` nodes, and the names the stdlib keeps as strings (lambda
    parameters, ``global``, match captures and keys...), placed on the source text.
    """

    code = "CDK108"
    name = "unknown-class-name"
    title = "CDK class name that no aws-cdk-lib module defines"
    why = """
        Generated code often names a CDK class after the CloudFormation resource or the console's wording
        (`OriginAccessControl`, `NetworkAclAssociation`) while the L2 class has a more specific name
        (`S3OriginAccessControl`, `SubnetNetworkAclAssociation`). The module has no such attribute, so
        the app stops as soon as the line runs:

            AttributeError: module 'aws_cdk.aws_cloudfront' has no attribute 'OriginAccessControl'
    """
    source = ("corpus Pr377 (`cloudfront.OriginAccessControl`), Pr6188 (`ec2.NetworkAclAssociation`), "
              "Pr5015 (`iam.CfnAccessAnalyzer`, `cloudtrail.EventSelector`)")
    safety = "unsafe"
    triggers = ("aws_cdk",)
    synth_error = "module 'aws_cdk.aws_cloudfront' has no attribute 'OriginAccessControl'"
    cases = (
        Case(
            "CDK108-invalid-trailing-words",
            """
            from aws_cdk import aws_cloudfront as cloudfront, aws_ec2 as ec2
            oac = cloudfront.OriginAccessControl(self, "Oac", signing=signing)  # for the bucket
            ec2.NetworkAclAssociation(self, "Assoc", network_acl=acl, subnet=subnet)
            """,
            """
            from aws_cdk import aws_cloudfront as cloudfront, aws_ec2 as ec2
            oac = cloudfront.S3OriginAccessControl(self, "Oac", signing=signing)  # for the bucket
            ec2.SubnetNetworkAclAssociation(self, "Assoc", network_acl=acl, subnet=subnet)
            """,
            unsafe=True,
        ),
        Case(
            "CDK108-invalid-from-import-renamed-everywhere",
            """
            from aws_cdk.aws_cloudfront import (
                Distribution,
                OriginAccessControl,
            )
            oac = OriginAccessControl(self, "Oac")
            other = OriginAccessControl.from_origin_access_control_id(self, "Imported", "E123")
            print(config.OriginAccessControl, f(OriginAccessControl=1))
            """,
            """
            from aws_cdk.aws_cloudfront import (
                Distribution,
                S3OriginAccessControl,
            )
            oac = S3OriginAccessControl(self, "Oac")
            other = S3OriginAccessControl.from_origin_access_control_id(self, "Imported", "E123")
            print(config.OriginAccessControl, f(OriginAccessControl=1))
            """,
            unsafe=True,
        ),
        Case(
            "CDK108-invalid-close-spelling-cdk-chain",
            """
            import aws_cdk as cdk
            bucket = cdk.aws_s3.Buckett(self, "B")
            """,
            """
            import aws_cdk as cdk
            bucket = cdk.aws_s3.Bucket(self, "B")
            """,
            unsafe=True,
        ),
        Case(
            "CDK108-finding-unsafe-fix-not-applied",
            """
            from aws_cdk import aws_cloudfront as cloudfront
            oac = cloudfront.OriginAccessControl(self, "Oac")
            """,
            finding=True,
        ),
        Case(
            "CDK108-finding-name-of-another-service",
            """
            from aws_cdk import aws_iam as iam
            analyzer = iam.CfnAccessAnalyzer(self, "Analyzer", type="ACCOUNT")
            """,
            finding=True,
            unsafe=True,
        ),
        Case(
            "CDK108-finding-several-candidates",
            """
            from aws_cdk import aws_elasticloadbalancingv2 as elbv2
            lb = elbv2.Balancer(self, "Lb", vpc=vpc)
            """,
            finding=True,
            unsafe=True,
        ),
        Case(
            "CDK108-valid-existing-names-and-other-modules",
            """
            import aws_cdk as cdk
            from aws_cdk import aws_cloudfront as cloudfront, aws_lambda as lambda_
            from aws_cdk.aws_cloudfront import S3OriginAccessControl
            oac = cloudfront.S3OriginAccessControl(self, "Oac")
            group = lambda_.LogGroup(self, "Logs")
            mod = cdk.aws_lambda
            """,
            unsafe=True,
        ),
        Case(
            "CDK108-valid-not-a-module-or-defined-here",
            """
            from aws_cdk import aws_cloudfront as cloudfront
            from aws_cdk.aws_ec2 import NetworkAclAssociation
            from mylib import cdk_helpers

            class NetworkAclAssociation:
                pass

            x = distribution.OriginAccessControl
            y = cdk_helpers.OriginAccessControl
            NetworkAclAssociation()

            def make(cloudfront):
                return cloudfront.OriginAccessControl()
            """,
            unsafe=True,
        ),
    )

    # -- the prefilter ---------------------------------------------------------------------------------
    @classmethod
    def may_fire(cls, source: str) -> bool:
        """True when some ``X.Name`` / ``from X import Name`` has an aws-cdk-lib module ``X`` lacking a
        ``Name`` that no module defines (per the run's API index)."""
        scan = triggered_prescan(cls, source)
        if scan is None:
            return False
        if not scan.imports_under((CORE,)):
            return False
        api = prefilter_index()
        # ``missing_members`` are the pairs a module lacks (what ``_unknown`` asks first), each once.
        return any(_unknown(api, module, name) for module, name in scan.missing_members(api, CORE))

    # -- finding on the stdlib tree ------------------------------------------------------------------
    @property
    def api(self):
        if self._api is None:
            self._api = index(self.options)
        return self._api

    @property
    def _rebound(self) -> frozenset[str]:
        """Names bound other than by a module-level import (``Prescan.rebound_names``, computed on first use)."""
        return self.scan.rebound_names  # type: ignore[union-attr]

    def check(self) -> None:
        """Decide every from-import first (so that uses above the import are renamed too), then every
        ``X.Name`` in the order a LibCST traversal left them, then rename every use of a renamed name."""
        self._api = None
        #: name -> (new name, index of its from-import's finding): renamed with every use in the file.
        self._renames: dict[str, tuple[str, int]] = {}
        #: (line, column) of the names an applied ``X.Name`` fix renames itself (inside its own span).
        self._covered: set[tuple[int, int]] = set()
        self._from_imports()
        self._attributes()
        if self._renames:
            self._rename_uses()

    def _message(self, module: str, name: str, new: str) -> str:
        return (f"`{_short(module)}` has no `{name}` (nor does any other aws-cdk-lib module); `{new}` is meant, but its "
                f"constructor may take other arguments: check them")

    def _report(self, node: ast.AST, module: str, name: str, *, from_import: bool) -> None:
        names = closest_names(self.api, module, name)
        shown = ", ".join(f"`{_short(q.rpartition('.')[0])}.{q.rpartition('.')[2]}`" for q in names[:LISTED])
        several = _fewest_words(name, _trailing_candidates(self.api, module, name))
        why = (" it may mean " + " or ".join(f"`{c}`" for c in several) + ";") if len(several) > 1 else ""
        self.report(node, f"`{_short(module)}` has no `{name}` and no aws-cdk-lib module defines it;{why} "
                          f"closest names: {shown}",
                    suggestion=", ".join((f"from {q.rpartition('.')[0]} import {q.rpartition('.')[2]}"
                                          if from_import else q) for q in names))

    def _name_at(self, start: int, name: str) -> ast.Name | None:
        """An ``ast.Name`` spanning the identifier ``name`` at character offset ``start`` (names that the
        stdlib keeps as strings: import aliases, parameters, ``global``...), or None if it is not there."""
        if self.source[start:start + len(name)] != name:
            return None
        node = ast.Name(id=name, ctx=ast.Load())
        node.lineno, node.col_offset = _position(self.lines, start)
        node.end_lineno, node.end_col_offset = _position(self.lines, start + len(name))
        return node

    def _name_after(self, line: int, column: int, name: str, keywords: frozenset[str] = frozenset()) -> ast.Name | None:
        """:meth:`_name_at` for the first identifier from ``ast`` position ``(line, column)`` on that is not
        one of ``keywords``, past blanks, comments, brackets, commas, dots and stars."""
        offset = self.lines.offset(line, column)  # type: ignore[union-attr]
        while True:
            offset = _GAP.match(self.source, offset).end()  # type: ignore[union-attr]
            found = _IDENTIFIER.match(self.source, offset)
            if found is None:
                return None
            if found.group() not in keywords:
                return self._name_at(found.start(), name) if found.group() == name else None
            offset = found.end()

    # -- from X import Name ---------------------------------------------------------------------------
    def _from_imports(self) -> None:
        """Every ``from aws_cdk... import Name`` (anywhere, in :func:`ast_walk_statements` order) whose name no module
        defines: the alias is renamed, and without ``as`` every use of the name with it."""
        for statement in ast_walk_statements(self.tree.body):
            if (not isinstance(statement, ast.ImportFrom) or statement.level or statement.module is None
                    or any(alias.name == "*" for alias in statement.names)):
                continue
            module = statement.module
            if module.partition(".")[0] != CORE:
                continue
            for alias in statement.names:
                name = alias.name
                if "." in name or not _unknown(self.api, module, name):
                    continue
                local = alias.asname or name
                new = replacement(self.api, module, name)
                if new is None or local in self._rebound:
                    if local not in self._rebound:
                        self._report(alias, module, name, from_import=True)
                    continue
                if self.record_fix(alias, self._message(module, name, new)):
                    finding = len(self.findings_so_far) - 1
                    target = self._name_at(self.lines.offset(alias.lineno, alias.col_offset), name)  # type: ignore[union-attr]
                    if target is not None:
                        self.queue(Edit(target, _renamed(name, new), finding))
                    if alias.asname is None:
                        self._renames[name] = (new, finding)

    # -- X.Name ---------------------------------------------------------------------------------------
    def _trusted_module(self, node: ast.expr) -> str | None:
        """The aws-cdk-lib module an expression names through the imports (not a rebound local)."""
        dotted = ast_dotted(node)
        if dotted is None:
            return None
        head = dotted.partition(".")[0]
        target = self.imports.bindings.get(head)
        if target is None or target.partition(".")[0] != CORE or head in self._rebound:
            return None
        module = self.imports.resolve_dotted(dotted)
        return module if module is not None and self.api.has_module(module) else None

    def _attributes(self) -> None:
        """``cloudfront.OriginAccessControl`` -> ``cloudfront.S3OriginAccessControl``, for every attribute
        LibCST sees: those of the stdlib tree and the dotted module of a ``from a.B import c``."""
        found = [node for node in self.scan.attributes if node.attr[:1].isupper()]  # type: ignore[union-attr]
        found.extend(self._module_attributes())
        # Innermost first, then in source order: the order LibCST's traversal leaves them.
        found.sort(key=lambda node: (node.end_lineno, node.end_col_offset, -node.lineno, -node.col_offset))
        for node in found:
            name = node.attr
            module = self._trusted_module(node.value)
            if module is None or not _unknown(self.api, module, name):
                continue
            new = replacement(self.api, module, name)
            if new is None:
                self._report(node, module, name, from_import=False)
                continue
            head = node.value
            while isinstance(head, ast.Attribute):
                head = head.value
            # The head of the module expression is a use of a renamed name too (an import shadowing it):
            # the attribute's edit renames it, as the LibCST transformer renamed it inside the attribute.
            renamed = self._renames.get(head.id)  # type: ignore[union-attr]
            if self.rewrite(node, _attribute_builder(new, renamed and (head.id, renamed[0])),  # type: ignore[union-attr]
                            self._message(module, name, new)) and renamed:
                self._covered.add((head.lineno, head.col_offset))

    def _module_attributes(self) -> list[ast.Attribute]:
        """The ``a.B`` chains of ``from a.B import c`` with a capitalized part (LibCST's ``ImportFrom.module``
        is an expression the traversal visits; the stdlib's is a string), as ``ast.Attribute`` chains
        placed on the module's text."""
        statements = list(self.scan.import_froms)  # type: ignore[union-attr]
        if _RELATIVE.search(self.source):
            statements.extend(node for node in ast.walk(self.tree)
                              if isinstance(node, ast.ImportFrom) and node.level and node.module)
        chains = []
        for statement in statements:
            parts = statement.module.split(".")  # type: ignore[union-attr]
            if not any(part[:1].isupper() for part in parts[1:]):
                continue
            chain = self._module_chain(statement, parts)
            if chain is not None:
                chains.extend(node for node in _chain(chain) if isinstance(node, ast.Attribute)
                              and node.attr[:1].isupper())
        return chains

    def _module_chain(self, statement: ast.ImportFrom, parts: list[str]) -> ast.expr | None:
        """The Name/Attribute chain of ``statement``'s module, with positions in the source."""
        chain: ast.expr | None = None
        line, column = statement.lineno, statement.col_offset
        for part in parts:
            name = self._name_after(line, column, part, _FROM)
            if name is None:
                return None
            if chain is None:
                chain = name
            else:
                chain = ast.Attribute(value=chain, attr=part, ctx=ast.Load(), lineno=chain.lineno,
                                      col_offset=chain.col_offset, end_lineno=name.end_lineno,
                                      end_col_offset=name.end_col_offset)
            line, column = name.end_lineno, name.end_col_offset
        return chain

    # -- every use of a renamed from-imported name ----------------------------------------------------
    def _rename_uses(self) -> None:
        """Rename every Name LibCST's traversal would have renamed: the stdlib's ``ast.Name`` nodes, and the
        names it keeps as strings (parameters, ``def``/``class`` names, ``except ... as``, ``global``, match
        captures and keys, type parameters, the head of a ``from X import``). Attribute names, keywords and
        import aliases are not uses."""
        renames = self._renames
        for node in ast.walk(self.tree):
            kind = type(node)
            if kind is ast.Name:
                self._rename(node, node.id)
            elif kind in (ast.Lambda, ast.FunctionDef, ast.AsyncFunctionDef):
                if kind is not ast.Lambda and node.name in renames:  # type: ignore[attr-defined]
                    self._rename_after(node, node.name, _DEF)  # type: ignore[attr-defined]
                arguments = node.args  # type: ignore[attr-defined]
                for arg in (*arguments.posonlyargs, *arguments.args, arguments.vararg, *arguments.kwonlyargs,
                            arguments.kwarg):
                    if arg is not None and arg.arg in renames:
                        self._rename_after(arg, arg.arg)
            elif kind is ast.ClassDef:
                if node.name in renames:  # type: ignore[attr-defined]
                    self._rename_after(node, node.name, _DEF)  # type: ignore[attr-defined]
            elif kind is ast.ExceptHandler:
                if node.name in renames and node.type is not None:  # type: ignore[attr-defined]
                    self._rename_after(node.type, node.name, _AS, at_end=True)  # type: ignore[attr-defined]
            elif kind in (ast.Global, ast.Nonlocal):
                found = [name for name in node.names if name in renames]  # type: ignore[attr-defined]
                if found:
                    carried = sorted({renames[n][1] for n in found})  # the findings of these names' imports
                    self.queue(Edit(node, _global_builder({n: renames[n][0] for n in found}), carried[0],
                                    also=tuple(carried[1:])))
            elif kind is ast.ImportFrom:
                if node.module and node.module.split(".")[0] in renames:  # type: ignore[attr-defined]
                    self._rename_after(node, node.module.split(".")[0], _FROM)  # type: ignore[attr-defined]
            elif kind in (ast.MatchAs, ast.MatchStar):
                name = node.name  # type: ignore[attr-defined]
                if name in renames:
                    self._rename(self._name_at(self.lines.offset(node.end_lineno, node.end_col_offset)  # type: ignore[union-attr]
                                               - len(name), name), name)
            elif kind is ast.MatchMapping:
                if node.rest in renames:  # type: ignore[attr-defined]
                    before = node.patterns[-1] if node.patterns else None  # type: ignore[attr-defined]
                    self._rename_after(before or node, node.rest, at_end=before is not None)  # type: ignore[attr-defined]
            elif kind is ast.MatchClass:
                elements = [node.cls, *node.patterns]  # type: ignore[attr-defined]
                for key, pattern in zip(node.kwd_attrs, node.kwd_patterns):  # type: ignore[attr-defined]
                    if key in renames:
                        self._rename_after(elements[-1], key, at_end=True)
                    elements.append(pattern)
            elif kind in _TYPE_PARAMS:
                if node.name in renames:  # type: ignore[attr-defined]
                    self._rename_after(node, node.name)  # type: ignore[attr-defined]

    def _rename(self, node: ast.Name | None, name: str) -> None:
        """Queue the renaming of ``node`` (a Name of ``name``) under its from-import's finding."""
        found = self._renames.get(name)
        if node is None or found is None or (node.lineno, node.col_offset) in self._covered:
            return
        self.queue(Edit(node, _renamed(name, found[0]), found[1]))

    def _rename_after(self, node: ast.AST, name: str, keywords: frozenset[str] = frozenset(), *,
                      at_end: bool = False) -> None:
        """Rename the identifier ``name`` found from the start (or, ``at_end``, the end) of ``node`` on."""
        line, column = ((node.end_lineno, node.end_col_offset) if at_end  # type: ignore[attr-defined]
                        else (node.lineno, node.col_offset))  # type: ignore[attr-defined]
        self._rename(self._name_after(line, column, name, keywords), name)


#: What may stand between a node and the identifier :meth:`UnknownClassName._name_after` looks for.
_GAP = re.compile(r"(?:[ \t\f\r\n(),*{}.]|\\(?:\r\n|\r|\n)|#[^\r\n]*)*")
_IDENTIFIER = re.compile(r"[^\W\d]\w*")
#: Keywords skipped on the way to a name.
_DEF = frozenset({"async", "def", "class"})
_AS = frozenset({"as"})
_FROM = frozenset({"from"})
#: ``from`` followed by a dot: a relative import (which the prescan's ``import_froms`` leaves out).
_RELATIVE = re.compile(r"\bfrom(?:[ \t\f]|\\(?:\r\n|\r|\n))*\.")
_TYPE_PARAMS = tuple(getattr(ast, kind) for kind in ("TypeVar", "ParamSpec", "TypeVarTuple") if hasattr(ast, kind))


def _position(lines, offset: int) -> tuple[int, int]:
    """``ast``'s (1-based line, UTF-8 byte column) of a character offset in the source of ``lines``."""
    line = bisect.bisect_right(lines.starts, offset)
    start = lines.starts[line - 1]
    return line, len(lines.source[start:offset].encode("utf-8"))


def _chain(node: ast.expr):
    """The nodes of a Name/Attribute chain, innermost first."""
    if isinstance(node, ast.Attribute):
        yield from _chain(node.value)
    yield node


def _renamed(old: str, new: str):
    """A builder renaming the LibCST Name ``old`` to ``new`` (the parsed node is checked, not trusted)."""
    def build(node: cst.CSTNode) -> cst.CSTNode:
        if isinstance(node, cst.Name) and node.value == old:
            return node.with_changes(value=new)
        return node
    return build


def _attribute_builder(new: str, head: tuple[str, str] | None):
    """A builder replacing an attribute's name with ``new`` and, given ``head`` (old, new), renaming the
    first name of its module expression."""
    def build(node: cst.CSTNode) -> cst.CSTNode:
        node = node.with_changes(attr=cst.Name(new))  # type: ignore[call-arg]
        if head is not None:
            node = node.with_changes(value=_rename_head(node.value, *head))  # type: ignore[attr-defined]
        return node
    return build


def _rename_head(node: cst.BaseExpression, old: str, new: str) -> cst.BaseExpression:
    if isinstance(node, cst.Attribute):
        return node.with_changes(value=_rename_head(node.value, old, new))
    return node.with_changes(value=new) if isinstance(node, cst.Name) and node.value == old else node


def _global_builder(renames: dict[str, str]):
    """A builder renaming the names of a ``global`` / ``nonlocal`` statement."""
    def build(node: cst.CSTNode) -> cst.CSTNode:
        return node.with_changes(names=[  # type: ignore[attr-defined]
            item.with_changes(name=item.name.with_changes(value=renames[item.name.value]))
            if item.name.value in renames else item for item in node.names])  # type: ignore[attr-defined]
    return build
