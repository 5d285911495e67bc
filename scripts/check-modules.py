#!/usr/bin/env python3
"""No import circle in any crate, and no production file too long.

For each crate of the workspace this builds the graph of which module uses
which, from the paths in its code (`use crate::x…`, `crate::x::…` anywhere,
`super::…` and `self::…` resolved against the module they appear in, names
re-exported by a crate root or a `mod.rs` with `pub use`), and reports
every cycle. The graph is checked at each level: among a crate's top-level
modules (a file `x.rs`, or a directory `x/` with `mod.rs` or beside `x.rs`,
whose submodules all count as `x`), and among the submodules inside each
directory module. Comments, doc comments, string literals and every item
under a test-only `#[cfg(test)]` attribute are ignored.

It also lists production files (not `#[cfg(test)]` modules, nothing under a
`tests/` directory) with more than `--max-lines` lines of code (lines
holding code: no blank lines, no comments, no test items). They are a
warning unless `--strict-lines` is given.

Exit status: 0 clean, 1 cycles found (or files too long with
`--strict-lines`), 2 bad arguments. Standard library only.

    scripts/check-modules.py                      # the workspace this script is in
    scripts/check-modules.py --root DIR relay/src # some crates of another tree
"""

from __future__ import annotations

import argparse
import os
import re
import sys
from bisect import bisect_right
from dataclasses import dataclass, field

# The workspace's crates, by their source directory.
CRATES = ["src", "core/src", "relay/src", "mirror/src", "bench/src", "testkit/src"]

# ---------------------------------------------------------------------------
# Lexing: just enough of Rust's to tell code from comments and literals.

_TOKEN = re.compile(
    r"""
      (?P<ws>\s+)
    | (?P<line_comment>//[^\n]*)
    | (?P<block_comment>/\*)
    | (?P<raw_string>(?:b|c)?r(?P<hashes>\#*)")
    | (?P<string>(?:b|c)?"(?:\\.|[^"\\])*")
    | (?P<char>b?'(?:\\(?:x[0-9a-fA-F]{2}|u\{[0-9a-fA-F_]*\}|.)|[^\\'\n])')
    | (?P<lifetime>'[^\W\d]\w*)
    | (?P<ident>(?:r\#)?[^\W\d]\w*)
    | (?P<number>\d\w*(?:\.\d\w*)?)
    | (?P<path_sep>::)
    | (?P<punct>.)
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass
class Token:
    kind: str  # "ident", "punct", "literal"
    text: str
    line: int  # first line (1-based)
    last_line: int


def tokenize(source: str) -> list[Token]:
    """Rust tokens without comments; literals kept as one opaque token each.

    Never fails: an unterminated comment or literal runs to the end of the
    file, and anything unknown is a one-character punctuation token."""
    newlines = [i for i, ch in enumerate(source) if ch == "\n"]

    def line_of(offset: int) -> int:
        return bisect_right(newlines, offset - 1) + 1

    tokens: list[Token] = []
    pos, end = 0, len(source)
    while pos < end:
        m = _TOKEN.match(source, pos)
        if m is None:  # cannot happen (`.` with DOTALL matches anything), but never loop
            pos += 1
            continue
        kind = m.lastgroup
        if kind == "hashes":  # the inner group of raw_string
            kind = "raw_string"
        start = pos
        if kind == "ws" or kind == "line_comment":
            pos = m.end()
            continue
        if kind == "block_comment":
            depth, pos = 1, m.end()
            while depth and pos < end:
                opening, closing = source.find("/*", pos), source.find("*/", pos)
                if closing < 0:
                    pos = end
                    break
                if 0 <= opening < closing:
                    depth, pos = depth + 1, opening + 2
                else:
                    depth, pos = depth - 1, closing + 2
            continue
        if kind == "raw_string":
            closing = '"' + m.group("hashes")
            stop = source.find(closing, m.end())
            pos = end if stop < 0 else stop + len(closing)
            tokens.append(Token("literal", "", line_of(start), line_of(max(start, pos - 1))))
            continue
        pos = m.end()
        text = m.group()
        if kind in ("string", "char", "number"):
            tokens.append(Token("literal", "", line_of(start), line_of(pos - 1)))
        elif kind == "lifetime":
            tokens.append(Token("punct", "'", line_of(start), line_of(start)))
        elif kind == "ident":
            tokens.append(Token("ident", text[2:] if text.startswith("r#") else text, line_of(start), line_of(start)))
        else:
            tokens.append(Token("punct", text, line_of(start), line_of(start)))
    return tokens


# ---------------------------------------------------------------------------
# Test-only items.

_OPEN, _CLOSE = "([{", ")]}"


def _matching(tokens: list[Token], i: int) -> int:
    """Index of the bracket closing the one at `i` (or the last token)."""
    depth = 0
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.kind == "punct":
            if t.text in _OPEN:
                depth += 1
            elif t.text in _CLOSE:
                depth -= 1
                if depth <= 0:
                    return j
    return len(tokens) - 1


def _test_only(tokens: list[Token]) -> bool:
    """True for a `cfg` predicate (its tokens) that holds only under test:
    `test`, or `all(…)` with such a predicate among its arguments."""
    if len(tokens) == 1:
        return tokens[0].kind == "ident" and tokens[0].text == "test"
    if len(tokens) >= 3 and tokens[0].text == "all" and tokens[1].text == "(":
        inner, args, start, depth = tokens[2:-1], [], 0, 0
        for k, t in enumerate(inner):
            if t.kind == "punct" and t.text in _OPEN:
                depth += 1
            elif t.kind == "punct" and t.text in _CLOSE:
                depth -= 1
            elif t.kind == "punct" and t.text == "," and depth == 0:
                args.append(inner[start:k])
                start = k + 1
        args.append(inner[start:])
        return any(_test_only(a) for a in args if a)
    return False


def _attribute_is_test(tokens: list[Token], open_bracket: int, close_bracket: int) -> bool:
    body = tokens[open_bracket + 1 : close_bracket]
    if len(body) >= 3 and body[0].text == "cfg" and body[1].text == "(":
        return _test_only(body[2:-1])
    return False


@dataclass
class Stripped:
    tokens: list[Token]  # production tokens only
    test_modules: set[str]  # `#[cfg(test)] mod NAME;`: files of these children are tests
    whole_file_is_test: bool = False


def strip_tests(tokens: list[Token]) -> Stripped:
    """Drops every item under a test-only `#[cfg(…)]` (with its other
    attributes), and notes test-only `mod NAME;` declarations."""
    keep: list[Token] = []
    test_modules: set[str] = set()
    depth = 0
    i, n = 0, len(tokens)
    while i < n:
        t = tokens[i]
        if t.kind == "punct" and t.text == "#":
            inner = i + 1 < n and tokens[i + 1].text == "!"
            bracket = i + 2 if inner else i + 1
            if bracket < n and tokens[bracket].text == "[":
                close = _matching(tokens, bracket)
                if _attribute_is_test(tokens, bracket, close):
                    if inner:
                        if depth == 0:
                            return Stripped([], test_modules, whole_file_is_test=True)
                        # A test-only inline module from the inside: drop the rest of its block.
                        j, d = close + 1, 0
                        while j < n:
                            u = tokens[j]
                            if u.kind == "punct" and u.text in _OPEN:
                                d += 1
                            elif u.kind == "punct" and u.text in _CLOSE:
                                if d == 0:
                                    break
                                d -= 1
                            j += 1
                        i = j
                        continue
                    i = _skip_item(tokens, close + 1, test_modules)
                    continue
                keep.extend(tokens[i : close + 1])
                i = close + 1
                continue
        if t.kind == "punct":
            if t.text in _OPEN:
                depth += 1
            elif t.text in _CLOSE:
                depth = max(0, depth - 1)
        keep.append(t)
        i += 1
    return Stripped(keep, test_modules)


def _skip_item(tokens: list[Token], i: int, test_modules: set[str]) -> int:
    """Index just past the item starting at `i` (after its attributes)."""
    n = len(tokens)
    while i < n and tokens[i].text == "#" and i + 1 < n and tokens[i + 1].text == "[":
        i = _matching(tokens, i + 1) + 1
    start = i
    depth = 0
    while i < n:
        t = tokens[i]
        if t.kind == "punct":
            if t.text in _OPEN:
                depth += 1
            elif t.text in _CLOSE:
                depth -= 1
                if depth <= 0 and t.text == "}":
                    return i + 1
                if depth < 0:  # the item's block ended around us: malformed, stop here
                    return i
            elif t.text == ";" and depth == 0:
                words = [u.text for u in tokens[start:i] if u.kind == "ident"]
                if "mod" in words and words.index("mod") + 1 < len(words):
                    test_modules.add(words[words.index("mod") + 1])
                return i + 1
        i += 1
    return n


def lines_of_code(tokens: list[Token]) -> int:
    lines: set[int] = set()
    for t in tokens:
        lines.update(range(t.line, t.last_line + 1))
    return len(lines)


# ---------------------------------------------------------------------------
# Paths.


@dataclass
class Reference:
    path: tuple[str, ...]  # absolute, from the crate root
    line: int
    text: str  # as written, for the report


def _parse_tree(tokens: list[Token], i: int) -> tuple[list[list[str]], int]:
    """Parses a use-tree (or a plain path) starting at `i`, after a `::`:
    `a::b`, `a::{b, c::d}`, `*`, `self`. Returns the segment lists it
    names and the index just past it."""
    n = len(tokens)
    segments: list[str] = []
    while i < n:
        t = tokens[i]
        if t.kind == "ident":
            segments.append(t.text)
            i += 1
            if i < n and tokens[i].text == "::":
                i += 1
                continue
            if i + 1 < n and tokens[i].text == "as" and tokens[i + 1].kind == "ident":
                i += 2
            return [segments], i
        if t.kind == "punct" and t.text == "{":
            close = _matching(tokens, i)
            paths: list[list[str]] = []
            j = i + 1
            while j < close:
                if tokens[j].text == ",":
                    j += 1
                    continue
                sub, after = _parse_tree(tokens, j)
                for s in sub:
                    paths.append(segments + [x for x in s if x != "self"] if s and s[0] == "self" else segments + s)
                j = after if after > j else j + 1
            return paths or [segments], close + 1
        if t.kind == "punct" and t.text == "*":
            return [segments], i + 1
        break
    return [segments], i


def references(tokens: list[Token], module: tuple[str, ...], root_file: bool) -> list[Reference]:
    """Every path in `tokens` (a file of module `module`) that names
    something in this crate, as an absolute path. In a crate root or a
    `mod.rs` (`root_file`), relative `use a::…` paths name children too."""
    refs: list[Reference] = []
    inline: list[tuple[str, int]] = []  # inline `mod name {` and the depth inside it
    depth = 0
    n = len(tokens)
    i = 0
    while i < n:
        t = tokens[i]
        if t.kind == "punct":
            if t.text == "{":
                depth += 1
                if i >= 2 and tokens[i - 2].text == "mod" and tokens[i - 1].kind == "ident":
                    inline.append((tokens[i - 1].text, depth))
            elif t.text == "}":
                if inline and inline[-1][1] == depth:
                    inline.pop()
                depth = max(0, depth - 1)
            i += 1
            continue
        if t.kind != "ident":
            i += 1
            continue
        previous = tokens[i - 1].text if i else ""
        here = module + tuple(name for name, _ in inline)
        starts_path = previous != "::" and i + 1 < n and tokens[i + 1].text == "::"
        if not starts_path:
            i += 1
            continue
        if t.text == "crate":
            if previous == "in":  # pub(in crate::x): a visibility, not a use
                i += 2
                continue
            base: tuple[str, ...] | None = ()
            j = i + 2
        elif t.text in ("super", "self"):
            base, j = here, i
            while j < n and tokens[j].text in ("super", "self") and j + 1 < n and tokens[j + 1].text == "::":
                if tokens[j].text == "super":
                    base = base[:-1] if base else None
                j += 2
            if base is None:  # more supers than modules: not ours to judge
                i = j
                continue
        elif root_file and not inline and previous == "use":
            base, j = module, i
        else:
            i += 1
            continue
        paths, after = _parse_tree(tokens, j)
        for p in paths:
            refs.append(Reference(base + tuple(p), t.line, _written(tokens, i, after)))
        i = max(after, i + 1)
    return refs


def _written(tokens: list[Token], start: int, stop: int) -> str:
    text = "".join(tok.text if tok.kind != "literal" else '""' for tok in tokens[start:stop]).replace(",", ", ")
    return text if len(text) <= 60 else text[:57] + "..."


_PUB_ITEM = {"struct", "enum", "fn", "trait", "type", "const", "static", "mod", "union", "macro"}


def public_names(tokens: list[Token]) -> set[str]:
    """Names of the `pub` items at a file's top level (for `pub use x::*`)."""
    names, depth = set(), 0
    for k, t in enumerate(tokens):
        if t.kind == "punct" and t.text in _OPEN:
            depth += 1
        elif t.kind == "punct" and t.text in _CLOSE:
            depth = max(0, depth - 1)
        elif depth == 0 and t.kind == "ident" and t.text in _PUB_ITEM and k + 1 < len(tokens):
            window = [u.text for u in tokens[max(0, k - 6) : k]]
            if "pub" in window and tokens[k + 1].kind == "ident":
                names.add(tokens[k + 1].text)
    return names


# ---------------------------------------------------------------------------
# Crates.


@dataclass
class SourceFile:
    path: str  # relative to the tree's root, for reports
    module: tuple[str, ...]
    is_root: bool  # lib.rs, main.rs, mod.rs, or x.rs beside x/
    test: bool  # a test-only module, or under a tests/ directory
    stripped: Stripped
    lines: int


@dataclass
class Crate:
    name: str
    src: str
    files: list[SourceFile] = field(default_factory=list)
    children: dict[tuple[str, ...], set[str]] = field(default_factory=dict)  # directory module -> its submodules


def _module_of(rel: str) -> tuple[tuple[str, ...], bool] | None:
    """The module path of a file (relative to src/, `/`-separated), and
    whether it is a module root; None for files that are crate roots of
    their own (src/bin/) or not modules."""
    parts = rel[:-3].split("/")
    if parts[0] == "bin":
        return None
    if len(parts) == 1 and parts[0] in ("lib", "main"):
        return (), True
    if parts[-1] == "mod":
        return tuple(parts[:-1]), True
    return tuple(parts), False


def _crate_name(src: str, fallback: str) -> str:
    try:
        with open(os.path.join(os.path.dirname(os.path.abspath(src)), "Cargo.toml"), encoding="utf-8") as f:
            text = f.read()
    except OSError:
        return fallback
    package = re.search(r"^\[package\][^\[]*?^name\s*=\s*\"([^\"]+)\"", text, re.M | re.S)
    return package.group(1) if package else fallback


def load_crate(root: str, src_rel: str) -> Crate:
    src = os.path.join(root, src_rel)
    crate = Crate(_crate_name(src, src_rel), src_rel)
    for directory, dirs, names in os.walk(src):
        dirs.sort()
        for name in sorted(names):
            if not name.endswith(".rs"):
                continue
            full = os.path.join(directory, name)
            rel = os.path.relpath(full, src).replace(os.sep, "/")
            found = _module_of(rel)
            if found is None:
                continue
            module, is_root = found
            if not is_root and os.path.isdir(full[:-3]):  # x.rs beside x/
                is_root = True
            with open(full, encoding="utf-8", errors="replace") as f:
                stripped = strip_tests(tokenize(f.read()))
            in_tests_dir = "tests" in rel.split("/")[:-1]
            crate.files.append(
                SourceFile(
                    os.path.join(src_rel, rel).replace(os.sep, "/"),
                    module,
                    is_root,
                    stripped.whole_file_is_test or in_tests_dir,
                    stripped,
                    lines_of_code(stripped.tokens),
                )
            )
    # Directory modules and their children; modules declared test-only drop out.
    test_prefixes = set()
    for f in crate.files:
        if f.is_root:
            test_prefixes.update(f.module + (m,) for m in f.stripped.test_modules)
    for f in crate.files:
        if any(f.module[: len(p)] == p for p in test_prefixes):
            f.test = True
    for f in crate.files:
        if f.module and not f.test:
            crate.children.setdefault(f.module[:-1], set()).add(f.module[-1])
    return crate


@dataclass
class Edge:
    file: str
    line: int
    text: str


def graphs(crate: Crate) -> dict[tuple[str, ...], dict[tuple[str, str], Edge]]:
    """For each directory module (the crate root is `()`), the edges among
    its children, each with the first place in the code that makes it."""
    exports = _re_exports(crate)
    result: dict[tuple[str, ...], dict[tuple[str, str], Edge]] = {d: {} for d in crate.children}
    for f in crate.files:
        if f.test:
            continue
        for ref in references(f.stripped.tokens, f.module, f.is_root):
            target = _through_re_exports(ref.path, crate, exports)
            for level, children in crate.children.items():
                d = len(level)
                if len(f.module) <= d or len(target) <= d:
                    continue
                if f.module[:d] != level or target[:d] != level:
                    continue
                a, b = f.module[d], target[d]
                if a != b and b in children and a in children:
                    result[level].setdefault((a, b), Edge(f.path, ref.line, ref.text))
    return result


def _re_exports(crate: Crate) -> dict[tuple[str, ...], dict[str, tuple[str, ...]]]:
    """Per module root: the names it re-exports from its children (`pub use
    x::Name;`, `pub use x::*` for x's public items) and where they live."""
    public = {f.module: public_names(f.stripped.tokens) for f in crate.files if not f.test}
    exports: dict[tuple[str, ...], dict[str, tuple[str, ...]]] = {}
    for f in crate.files:
        if not f.is_root or f.test:
            continue
        names: dict[str, tuple[str, ...]] = {}
        tokens = f.stripped.tokens
        for k, t in enumerate(tokens):
            if t.text != "use" or k == 0 or tokens[k - 1].text not in ("pub", ")"):
                continue
            for ref in references(tokens[k : k + 1 + _statement_length(tokens, k + 1)], f.module, True):
                path = ref.path
                if len(path) <= len(f.module) or path[: len(f.module)] != f.module:
                    continue
                if _is_glob(tokens, k):  # `pub use x::*`: x's public items
                    for name in public.get(path, set()):
                        names.setdefault(name, path + (name,))
                elif len(path) > len(f.module) + 1:  # not `pub use x;`, which is x itself
                    names[path[-1]] = path
        exports[f.module] = names
    return exports


def _statement_length(tokens: list[Token], i: int) -> int:
    depth, j = 0, i
    while j < len(tokens):
        t = tokens[j].text
        if t in _OPEN:
            depth += 1
        elif t in _CLOSE:
            depth -= 1
        elif t == ";" and depth <= 0:
            break
        j += 1
    return j - i + 1


def _is_glob(tokens: list[Token], k: int) -> bool:
    return any(t.text == "*" for t in tokens[k : k + _statement_length(tokens, k + 1)])


def _through_re_exports(path: tuple[str, ...], crate: Crate, exports) -> tuple[str, ...]:
    """`crate::Name` re-exported from `crate::x::Name` is a use of `x`."""
    for _ in range(8):  # re-exports of re-exports, but never forever
        for level in sorted(exports, key=len, reverse=True):
            d = len(level)
            if len(path) > d and path[:d] == level and path[d] not in crate.children.get(level, ()):
                real = exports[level].get(path[d])
                if real is not None and real != path[: d + 1]:
                    path = real + path[d + 1 :]
                    break
        else:
            return path
    return path


# ---------------------------------------------------------------------------
# Cycles.


def cycles(edges: set[tuple[str, str]], limit: int = 200) -> list[list[str]]:
    """Every elementary cycle (up to `limit`), each starting at its smallest
    module, shortest first."""
    nodes = sorted({a for a, _ in edges} | {b for _, b in edges})
    succ = {v: sorted(b for a, b in edges if a == v) for v in nodes}
    found: list[list[str]] = []
    # Each cycle is found once, from its smallest node, through larger nodes only.
    for start in nodes:
        stack = [(start, iter(succ[start]))]
        path, on_path = [start], {start}
        while stack and len(found) < limit:
            node, it = stack[-1]
            nxt = next(it, None)
            if nxt is None:
                stack.pop()
                on_path.discard(path.pop())
                continue
            if nxt == start:
                found.append(path + [start])
            elif nxt > start and nxt not in on_path:
                path.append(nxt)
                on_path.add(nxt)
                stack.append((nxt, iter(succ[nxt])))
    found.sort(key=lambda c: (len(c), c))
    return found


# ---------------------------------------------------------------------------


def check(root: str, crate_dirs: list[str], max_lines: int, out=sys.stdout, show_graph: bool = False) -> tuple[int, int]:
    """Prints the report; returns (cycles found, files over max_lines)."""
    total_cycles, long_files = 0, []
    for src_rel in crate_dirs:
        if not os.path.isdir(os.path.join(root, src_rel)):
            print(f"note: {src_rel}: no such directory, skipped", file=out)
            continue
        crate = load_crate(root, src_rel)
        for level, edge_map in sorted(graphs(crate).items()):
            prefix = "".join(f"{m}::" for m in level)
            if show_graph:
                for a, b in sorted(edge_map):
                    print(f"{crate.name}: {prefix}{a} uses {prefix}{b}", file=out)
            for cycle in cycles(set(edge_map)):
                total_cycles += 1
                print(f"{crate.name}: " + " -> ".join(prefix + m for m in cycle), file=out)
                for a, b in zip(cycle, cycle[1:]):
                    e = edge_map[(a, b)]
                    print(f"    {prefix}{a} -> {prefix}{b}: {e.file}:{e.line}  {e.text}", file=out)
        if max_lines > 0:
            long_files += [(f.lines, f.path) for f in crate.files if not f.test and f.lines > max_lines]
    for lines, path in sorted(long_files, key=lambda x: (-x[0], x[1])):
        print(f"warning: {path}: {lines} lines of code (more than {max_lines})", file=out)
    if total_cycles == 0:
        print("no module cycles", file=out)
    return total_cycles, len(long_files)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("crates", nargs="*", help=f"source directories, relative to --root (default: {' '.join(CRATES)})")
    parser.add_argument("--root", default=os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                        help="the workspace (default: the one this script is in)")
    parser.add_argument("--max-lines", type=int, default=600, metavar="N",
                        help="warn about production files with more than N lines of code (0: never; default 600)")
    parser.add_argument("--graph", action="store_true", help="also print every edge of every graph")
    parser.add_argument("--strict-lines", action="store_true", help="files over --max-lines are a failure too")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.root):
        parser.error(f"--root {args.root}: not a directory")
    found, long_files = check(args.root, args.crates or CRATES, args.max_lines, show_graph=args.graph)
    return 1 if found or (args.strict_lines and long_files) else 0


if __name__ == "__main__":
    sys.exit(main())
