"""The repository's own promises: the README's quick start installs what
CI (.ci/run) installs, so a developer who follows it can run every test."""
import os
import re
import unittest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def packages(text):
    """The packages of the first `apt-get install` in text."""
    m = re.search(r"apt-get install ((?:[^\n\\]|\\\n)*)", text)
    words = m.group(1).replace("\\\n", " ").split()
    return {w for w in words if not w.startswith("-") and w not in (">/dev/null",)}


class Repo(unittest.TestCase):
    def test_readme_and_ci_install_the_same_packages(self):
        with open(os.path.join(REPO, "README.md")) as f:
            readme = packages(f.read())
        with open(os.path.join(REPO, ".ci", "run")) as f:
            ci = packages(f.read())
        self.assertEqual(readme, ci)
        self.assertIn("chromium", ci)


if __name__ == "__main__":
    unittest.main()
