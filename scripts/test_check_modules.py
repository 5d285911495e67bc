#!/usr/bin/env python3
"""Tests of scripts/check-modules.py on tiny fake crates.

    python3 scripts/test_check_modules.py        # or: python3 -m unittest discover -s scripts -p 'test_*.py'
"""

import importlib.util
import io
import os
import subprocess
import sys
import tempfile
import textwrap
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
SCRIPT = os.path.join(HERE, "check-modules.py")
_spec = importlib.util.spec_from_file_location("check_modules", SCRIPT)
cm = importlib.util.module_from_spec(_spec)
sys.modules["check_modules"] = cm  # dataclasses look their module up here
_spec.loader.exec_module(cm)


class FakeWorkspace:
    """A temporary tree with one crate `fake` whose src/ holds `files`."""

    def __init__(self, files, name="fake"):
        self.dir = tempfile.TemporaryDirectory()
        self.root = self.dir.name
        crate = os.path.join(self.root, "fake")
        os.makedirs(os.path.join(crate, "src"))
        with open(os.path.join(crate, "Cargo.toml"), "w") as f:
            f.write(f'[package]\nname = "{name}"\nversion = "0.1.0"\n\n[dependencies]\nname = "not this"\n')
        for path, text in files.items():
            full = os.path.join(crate, "src", path)
            os.makedirs(os.path.dirname(full), exist_ok=True)
            with open(full, "w") as f:
                f.write(textwrap.dedent(text))

    def run(self, *args):
        out = io.StringIO()
        found, long_files = cm.check(self.root, ["fake/src"], *args, out=out) if args else cm.check(
            self.root, ["fake/src"], 600, out=out
        )
        return found, long_files, out.getvalue()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.dir.cleanup()


def lib(*modules):
    return "".join(f"pub mod {m};\n" for m in modules)


class Cycles(unittest.TestCase):
    def test_a_cycle_between_two_modules_is_found(self):
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::B;\npub struct A;\n", "b.rs": "pub struct B(crate::a::A);\n"}
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 1)
        self.assertIn("fake: a -> b -> a", out)
        self.assertIn("fake/src/b.rs:1", out)  # where the edge comes from

    def test_a_chain_without_a_cycle_passes(self):
        files = {"lib.rs": lib("a", "b", "c"), "a.rs": "use crate::b::B;\n", "b.rs": "use crate::c::C;\n", "c.rs": "pub struct C;\n"}
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 0)
        self.assertIn("no module cycles", out)

    def test_a_longer_cycle_is_reported_once_from_its_smallest_module(self):
        files = {
            "lib.rs": lib("a", "b", "c"),
            "a.rs": "fn f() { crate::b::g(); }\n",
            "b.rs": "fn g() { crate::c::h(); }\n",
            "c.rs": "fn h() { crate::a::f(); }\n",
        }
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 1)
        self.assertIn("fake: a -> b -> c -> a", out)

    def test_test_modules_comments_and_literals_do_not_count(self):
        b = '''
            //! Uses crate::a::A in its docs only: [`crate::a::A`].
            /* crate::a::x /* nested crate::a::y */ still a comment crate::a::z */
            const S: &str = "crate::a::A";
            const R: &str = r#"a "quoted" crate::a::A"#;
            const C: char = '"';
            fn f<'a>(x: &'a str) -> &'a str { x }
            #[cfg(test)]
            mod tests {
                use crate::a::A;
                #[test]
                fn t() { let _ = crate::a::A; }
            }
            #[cfg(all(test, feature = "x"))]
            use crate::a::A;
            #[cfg(test)]
            fn helper() -> crate::a::A { crate::a::A }
        '''
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::f;\npub struct A;\n", "b.rs": b}
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 0, out)

    def test_code_under_other_cfgs_counts(self):
        b = '#[cfg(any(test, feature = "fuzzing"))]\npub fn f() { crate::a::g(); }\n#[cfg(not(test))]\nuse crate::a::A;\n'
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::f;\n", "b.rs": b}
        with FakeWorkspace(files) as ws:
            found, _, _ = ws.run()
        self.assertEqual(found, 1)

    def test_grouped_imports_and_pub_use(self):
        files = {
            "lib.rs": lib("a", "b", "c"),
            "a.rs": "pub use crate::{c::C, b::{self, B}};\n",
            "b.rs": "use crate::c::C;\n",
            "c.rs": "pub use crate::a::*;\n",
        }
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertIn("fake: a -> c -> a", out)
        self.assertIn("fake: a -> b -> c -> a", out)
        self.assertEqual(found, 2)

    def test_names_re_exported_by_the_crate_root_lead_to_their_module(self):
        files = {
            "lib.rs": "pub mod a;\nmod b;\npub use b::Thing;\npub use a::*;\n",
            "a.rs": "use crate::Thing;\npub fn helper() {}\n",
            "b.rs": "pub struct Thing;\nfn f() { crate::helper() }\n",
        }
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 1, out)
        self.assertIn("fake: a -> b -> a", out)

    def test_a_visibility_is_not_a_use(self):
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::B;\n", "b.rs": "pub(in crate::a) struct B;\npub(crate) fn f() {}\n"}
        with FakeWorkspace(files) as ws:
            found, _, _ = ws.run()
        self.assertEqual(found, 0)

    def test_super_in_a_top_level_file_is_the_crate(self):
        files = {"lib.rs": lib("a", "b"), "a.rs": "use super::b::B;\n", "b.rs": "use super::a::A;\n"}
        with FakeWorkspace(files) as ws:
            _, _, out = ws.run()
        self.assertIn("fake: a -> b -> a", out)

    def test_super_inside_an_inline_module_is_its_file(self):
        a = "mod inner {\n    use super::b;\n    use super::super::c::C;\n}\nmod b {}\n"
        files = {"lib.rs": lib("a", "b", "c"), "a.rs": a, "b.rs": "use crate::a::x;\n", "c.rs": "use crate::a::y;\n"}
        with FakeWorkspace(files) as ws:
            _, _, out = ws.run()
        # super::b inside a::inner is a::b (a's own child), not the crate's b;
        # super::super::c is the crate's c.
        self.assertNotIn("a -> b", out)
        self.assertIn("fake: a -> c -> a", out)

    def test_submodules_of_a_directory_module(self):
        files = {
            "lib.rs": lib("routing", "socket"),
            "routing/mod.rs": "mod hosts;\nmod counts;\npub use hosts::Hosts;\n",
            "routing/hosts.rs": "use super::counts::Count;\npub struct Hosts;\n",
            "routing/counts.rs": "use super::hosts::Hosts;\npub struct Count;\nfn f() { super::super::socket::g(); }\n",
            "socket.rs": "use crate::routing::Hosts;\npub fn g() {}\n",
        }
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertIn("fake: routing::counts -> routing::hosts -> routing::counts", out)
        # At the crate level every submodule of routing/ is routing; the
        # root's `pub use hosts::Hosts` makes crate::routing::Hosts a use of routing.
        self.assertIn("fake: routing -> socket -> routing", out)
        self.assertEqual(found, 2)

    def test_a_file_beside_its_directory_is_the_directory_module(self):
        files = {
            "lib.rs": lib("routing"),
            "routing.rs": "mod hosts;\nmod counts;\n",
            "routing/hosts.rs": "use super::counts::Count;\n",
            "routing/counts.rs": "pub struct Count;\n",
        }
        with FakeWorkspace(files) as ws:
            found, _, out = ws.run()
        self.assertEqual(found, 0, out)

    def test_a_test_only_module_file_is_ignored(self):
        files = {
            "lib.rs": lib("a", "b"),
            "a.rs": "use crate::b::B;\n",
            "b/mod.rs": "#[cfg(test)]\nmod tests;\npub struct B;\n",
            "b/tests.rs": "use crate::a::*;\n" + "fn x() {}\n" * 700,
        }
        with FakeWorkspace(files) as ws:
            found, long_files, out = ws.run()
        self.assertEqual((found, long_files), (0, 0), out)

    def test_an_inner_cfg_test_makes_the_whole_file_a_test(self):
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::B;\n", "b.rs": "#![cfg(test)]\nuse crate::a::A;\n"}
        with FakeWorkspace(files) as ws:
            found, _, _ = ws.run()
        self.assertEqual(found, 0)


class Lines(unittest.TestCase):
    def files(self):
        code = "fn f() {\n" + "    let x = 1;\n\n    // a comment\n" * 650 + "}\n"
        tests = "#[cfg(test)]\nmod tests {\n" + "    fn t() {}\n" * 900 + "}\n"
        return {"lib.rs": lib("big", "small"), "big.rs": code, "small.rs": "/// doc\n" * 900 + tests + "fn g() {}\n"}

    def test_long_files_are_a_warning_counting_code_lines_only(self):
        with FakeWorkspace(self.files()) as ws:
            found, long_files, out = ws.run(600)
        self.assertEqual((found, long_files), (0, 1))
        self.assertIn("warning: fake/src/big.rs: 652 lines of code (more than 600)", out)
        self.assertNotIn("small.rs", out)

    def test_exit_status(self):
        with FakeWorkspace(self.files()) as ws:
            run = lambda *a: subprocess.run([sys.executable, SCRIPT, "--root", ws.root, *a, "fake/src"],
                                            capture_output=True, text=True)
            self.assertEqual(run().returncode, 0)
            self.assertEqual(run("--max-lines", "600", "--strict-lines").returncode, 1)
            self.assertEqual(run("--max-lines", "700", "--strict-lines").returncode, 0)
            self.assertEqual(run("--max-lines", "0", "--strict-lines").returncode, 0)
        files = {"lib.rs": lib("a", "b"), "a.rs": "use crate::b::B;\n", "b.rs": "use crate::a::A;\n"}
        with FakeWorkspace(files) as ws:
            done = subprocess.run([sys.executable, SCRIPT, "--root", ws.root, "fake/src"], capture_output=True, text=True)
        self.assertEqual(done.returncode, 1)
        self.assertEqual(done.stdout.splitlines()[0], "fake: a -> b -> a")


class Robustness(unittest.TestCase):
    def test_odd_sources_do_not_crash(self):
        nasty = [
            'const S: &str = "unterminated crate::a::A',
            "/* unterminated crate::a::A",
            'let s = br##"a "# crate::a::A"##; let r#type = 1; let c = b\'\\\'\'; let u = \'\\u{1F600}\';',
            "macro_rules! m { ($x:expr) => { $crate::a::f($x) }; } m!(crate::a::{);",
            "}}}} ))) crate:: super:: self:: use crate::{a::{b::{c,",
            "fn f() { let x = 1.0.max(2.); let y = 0x1F_u8; let l = 'outer: loop { break 'outer; }; }",
            "#[cfg(test)]",
            "#[cfg(test)] mod",
            "ünïcödé_ident::crate::x; 'é' '字'",
        ]
        for text in nasty:
            with self.subTest(text=text):
                files = {"lib.rs": lib("a", "b"), "a.rs": "pub fn f() {}\n", "b.rs": text}
                with FakeWorkspace(files) as ws:
                    ws.run()

    def test_literals_hide_what_they_hold(self):
        tokens = cm.tokenize('r#"x"# "a\\"b" \'c\' b"d" br#"e"# \'\\n\' \'l crate')
        kinds = [t.kind for t in tokens]
        self.assertEqual(kinds, ["literal"] * 6 + ["punct", "ident"])
        self.assertEqual(tokens[-1].text, "crate")

    def test_cycles_of_a_dense_graph_are_capped(self):
        nodes = [f"m{i}" for i in range(12)]
        edges = {(a, b) for a in nodes for b in nodes if a != b}
        self.assertEqual(len(cm.cycles(edges, limit=50)), 50)


if __name__ == "__main__":
    unittest.main()
