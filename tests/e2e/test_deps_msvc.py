"""deps = msvc: /showIncludes lines become deps and leave the output, as
ninja does on every platform (clang-cl cross builds use it)."""
import unittest

from harness import NjTestCase

# A stand-in for cl.exe: echoes the source name, shows includes, warns.
CL = r"""rule cl
  command = printf '%s\n' $in 'Note: including file:   a.h' 'Note: including file: C:/Program Files/VC/stdio.h' 'Note: including file: b.h' 'x.c(3): warning: hi' ; touch $out
  deps = msvc
  description = CL $out
"""


class DepsMsvc(NjTestCase):
    def setUp(self):
        super().setUp()
        for f in ("x.c", "a.h", "b.h"):
            self.write(f, f)

    def test_include_lines_and_source_echo_are_filtered(self):
        self.manifest(CL, "build x.obj: cl x.c\n")
        r = self.build()
        self.assertIn("x.c(3): warning: hi", r.out)
        self.assertNotIn("Note: including file", r.out)
        self.assertNotIn("\nx.c\n", "\n" + r.out)

    def test_includes_are_deps_but_not_system_headers(self):
        self.manifest(CL, "build x.obj: cl x.c\n")
        self.build()
        r = self.build("-t", "deps")
        self.assertIn("x.obj: #deps 2", r.out)
        self.assertIn("    a.h\n    b.h\n", r.out)
        self.assertNotIn("stdio.h", r.out)
        self.assertNoWork()
        self.touch_newer("b.h")
        r = self.build()
        self.assertRan(r, 1)
        self.assertNoWork()

    def test_custom_prefix(self):
        self.manifest(r"""rule cl
  command = printf '%s\n' 'Remarque : inclusion du fichier : a.h' 'other' ; touch $out
  deps = msvc
  description = CL $out
  msvc_deps_prefix = Remarque : inclusion du fichier :
build x.obj: cl x.c
""")
        r = self.build()
        self.assertIn("other", r.out)
        self.assertNotIn("Remarque", r.out)
        r = self.build("-t", "deps")
        self.assertIn("    a.h\n", r.out)


if __name__ == "__main__":
    unittest.main()
