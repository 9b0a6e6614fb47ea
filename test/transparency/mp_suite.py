"""CPython's own multiprocessing tests, installed for one start method, run as a script.

`python mp_suite.py OUT.json CLASS...` with MP_SUITE_START_METHOD set runs the named test
classes (e.g. WithProcessesTestPool) and writes each test id with its outcome to OUT.json,
with the named classes this Python's test suite does not have under "missing".
The classes are installed at import, outside the main guard, because spawn and forkserver
children import this file as __mp_main__ and unpickle test methods from it by reference.
The start method comes from the environment, which every child inherits.
"""

import json
import os
import sys
import unittest

from test import _test_multiprocessing

_test_multiprocessing.install_tests_in_module_dict(globals(), os.environ["MP_SUITE_START_METHOD"])


class _Outcomes(unittest.TextTestResult):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outcomes = {}

    def addSuccess(self, test):
        super().addSuccess(test)
        self.outcomes.setdefault(test.id(), "passed")

    def addFailure(self, test, err):
        super().addFailure(test, err)
        self.outcomes[test.id()] = "failed"

    def addError(self, test, err):
        super().addError(test, err)
        self.outcomes[test.id()] = "failed"

    def addSkip(self, test, reason):
        super().addSkip(test, reason)
        self.outcomes[test.id()] = "skipped"

    def addExpectedFailure(self, test, err):
        super().addExpectedFailure(test, err)
        self.outcomes[test.id()] = "passed"

    def addUnexpectedSuccess(self, test):
        super().addUnexpectedSuccess(test)
        self.outcomes[test.id()] = "failed"

    def addSubTest(self, test, subtest, err):
        super().addSubTest(test, subtest, err)
        if err is not None:
            self.outcomes[test.id()] = "failed"


def main():
    out, names = sys.argv[1], sys.argv[2:]
    module = sys.modules[__name__]
    missing = [n for n in names if not hasattr(module, n)]
    loader = unittest.defaultTestLoader
    suite = unittest.TestSuite(loader.loadTestsFromName(n, module) for n in names if n not in missing)
    runner = unittest.TextTestRunner(stream=sys.stderr, verbosity=2, resultclass=_Outcomes)
    result = runner.run(suite)
    with open(out, "w") as f:
        json.dump({"outcomes": result.outcomes, "missing": missing}, f, indent=1, sort_keys=True)


if __name__ == "__main__":
    main()
