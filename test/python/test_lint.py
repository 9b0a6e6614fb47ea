"""poolscope_lint.py: the static checks the editor shows while typing, run as the extension
runs them (a subprocess, source on stdin) and as a file argument."""

import json
import os
import subprocess
import sys
import textwrap

import pytest

from conftest import AGENT_DIR

LINT = os.path.join(AGENT_DIR, "poolscope_lint.py")


def lint(source, tmp_path=None):
    src = textwrap.dedent(source)
    res = subprocess.run(
        [sys.executable, "-I", LINT, "-", "script.py"],
        input=src.encode("utf-8"),
        capture_output=True,
        check=True,
    )
    return json.loads(res.stdout)


def codes(source):
    out = lint(source)
    assert out["syntaxError"] is None
    return [(d["code"], d["line"]) for d in out["diagnostics"]]


# --- missing-main-guard --------------------------------------------------------------------


@pytest.mark.parametrize(
    "creation, name",
    [
        ("multiprocessing.Pool(2)", "multiprocessing.Pool"),
        ("mp.Pool(2)", "mp.Pool"),
        ("Pool(2)", "Pool"),
        ("ctx.Pool(2)", "ctx.Pool"),
        ("mp.get_context('spawn').Pool(2)", "mp.get_context('spawn').Pool"),
        ("ProcessPoolExecutor()", "ProcessPoolExecutor"),
        ("mp.Process(target=work)", "mp.Process"),
        ("Process(target=work)", "Process"),
    ],
)
def test_unguarded_creation_is_flagged(creation, name):
    out = lint(
        f"""\
        import multiprocessing
        import multiprocessing as mp

        def work(x=0):
            return x

        p = {creation}
        """
    )
    [d] = out["diagnostics"]
    assert d["code"] == "missing-main-guard"
    assert (d["line"], d["column"], d["endLine"]) == (7, 0, 7)
    assert name + "(...)" in d["message"]
    assert "spawn" in d["message"] and "re-import" in d["message"]


def test_with_pool_at_top_level_is_flagged_with_its_whole_block():
    out = lint(
        """\
        import multiprocessing as mp

        def square(x):
            return x * x

        data = list(range(10))
        with mp.Pool(2) as pool:
            result = pool.map(square, data)
        print(result)
        """
    )
    [d] = out["diagnostics"]
    assert d["code"] == "missing-main-guard"
    assert (d["line"], d["endLine"]) == (7, 8)
    # The fix wraps the with-statement and what follows it, not the earlier `data = ...`.
    assert (d["fixStart"], d["fixEnd"]) == (7, 9)
    assert d["verbatimLines"] == []


def test_fix_block_stops_at_a_def_and_skips_string_continuation_lines():
    out = lint(
        '''\
        from multiprocessing import Pool

        pool = Pool(2)
        HELP = """two
        lines"""

        def later():
            pass

        print("after")
        '''
    )
    [d] = out["diagnostics"]
    assert (d["fixStart"], d["fixEnd"]) == (3, 5)
    assert d["verbatimLines"] == [5]


@pytest.mark.parametrize(
    "guard",
    [
        'if __name__ == "__main__":',
        "if __name__ == '__main__':",
        'if "__main__" == __name__:',
    ],
)
def test_guarded_code_is_not_flagged(guard):
    assert (
        codes(
            f"""\
            import multiprocessing as mp

            def square(x):
                return x * x

            {guard}
                with mp.Pool(2) as pool:
                    print(pool.map(square, range(4)))
            """
        )
        == []
    )


def test_pools_inside_functions_are_not_flagged():
    assert (
        codes(
            """\
            from concurrent.futures import ProcessPoolExecutor
            from multiprocessing import Pool, Process

            def square(x):
                return x * x

            def main():
                with Pool(2) as pool:
                    pool.map(square, range(3))
                Process(target=square, args=(1,)).start()
                run = lambda: ProcessPoolExecutor()
                return run

            class Runner:
                def go(self):
                    return Pool(2)
            """
        )
        == []
    )


def test_else_branch_of_the_guard_runs_in_children_and_is_flagged():
    out = lint(
        """\
        import multiprocessing as mp

        if __name__ == "__main__":
            pass
        else:
            mp.Pool(2)
        """
    )
    [d] = out["diagnostics"]
    assert d["code"] == "missing-main-guard" and d["line"] == 3
    assert "fixStart" not in d  # wrapping the guard itself would not help


def test_psutil_process_is_not_a_creation():
    assert codes("import os, psutil\nme = psutil.Process(os.getpid())\n") == []


# --- unpicklable-callable ------------------------------------------------------------------


def test_lambda_passed_to_pool_map_is_flagged():
    out = lint(
        """\
        import multiprocessing as mp

        if __name__ == "__main__":
            with mp.Pool(2) as pool:
                print(pool.map(lambda x: x * 2, range(4)))
        """
    )
    [d] = out["diagnostics"]
    assert d["code"] == "unpicklable-callable"
    assert (d["line"], d["column"], d["endLine"], d["endColumn"]) == (5, 23, 5, 38)
    assert "lambda" in d["message"] and "pickled" in d["message"] and "module level" in d["message"]


@pytest.mark.parametrize(
    "call",
    [
        "pool.map(helper, range(3))",
        "pool.imap_unordered(helper, range(3))",
        "pool.starmap(helper, [(1,)])",
        "pool.apply_async(helper, (1,))",
        "pool.apply(func=helper)",
    ],
)
def test_nested_function_passed_to_pool_is_flagged(call):
    out = lint(
        f"""\
        from multiprocessing import Pool

        def main():
            def helper(x):
                return x

            with Pool(2) as pool:
                {call}

        if __name__ == "__main__":
            main()
        """
    )
    [d] = out["diagnostics"]
    assert d["code"] == "unpicklable-callable"
    assert d["line"] == 8
    assert "`helper` is a nested function" in d["message"]


def test_executor_submit_and_process_target_are_checked():
    out = lint(
        """\
        from concurrent.futures import ProcessPoolExecutor
        import multiprocessing as mp

        def main():
            def inner():
                return 1
            ex = ProcessPoolExecutor()
            ex.submit(inner)
            ex.map(lambda x: x, [1])
            mp.Process(target=inner).start()
            mp.Process(None, lambda: 1).start()

        if __name__ == "__main__":
            main()
        """
    )
    assert [(d["code"], d["line"]) for d in out["diagnostics"]] == [("unpicklable-callable", n) for n in (8, 9, 10, 11)]


def test_module_level_functions_and_non_pools_are_not_flagged():
    assert (
        codes(
            """\
            import multiprocessing as mp
            from functools import partial

            def square(x):
                return x * x

            def main(df):
                # Not pools: builtin map and a pandas-like .apply/.map take lambdas freely.
                list(map(lambda x: x, range(3)))
                df.apply(lambda row: row)
                df.map(lambda v: v)
                with mp.Pool(2) as pool:
                    pool.map(square, range(3))
                    pool.map(partial(square), range(3))

            if __name__ == "__main__":
                main(None)
            """
        )
        == []
    )


# --- parsing -------------------------------------------------------------------------------


def test_syntax_error_is_reported_with_its_line():
    out = lint(
        """\
        import multiprocessing as mp

        def f(:
            pass
        """
    )
    assert out["diagnostics"] == []
    assert out["syntaxError"]["line"] == 3
    assert out["syntaxError"]["message"]


def test_file_argument_and_utf16_columns(tmp_path):
    script = tmp_path / "s.py"
    # "é" is two UTF-8 bytes but one UTF-16 unit: columns must count what the editor counts.
    script.write_text('import multiprocessing as mp\nx = "é"; p = mp.Pool(2)\n', encoding="utf-8")
    res = subprocess.run([sys.executable, LINT, str(script)], capture_output=True, text=True, check=True)
    out = json.loads(res.stdout)
    [d] = out["diagnostics"]
    # The statement holding the pool starts after `x = "é"; `: 9 characters, 10 bytes.
    assert (d["line"], d["column"], d["endColumn"]) == (2, 9, 23)


def test_source_is_only_parsed_never_run(tmp_path):
    marker = tmp_path / "ran"
    out = lint(f"open({str(marker)!r}, 'w').close()\nimport multiprocessing\nmultiprocessing.Pool()\n")
    assert [d["code"] for d in out["diagnostics"]] == ["missing-main-guard"]
    assert not marker.exists()


# --- poolCalls (where the editor's call-site lenses go) ------------------------------------


def test_pool_calls_are_listed_with_their_lines():
    out = lint(
        """\
        import multiprocessing as mp
        from concurrent.futures import ProcessPoolExecutor

        def work(x):
            return x

        if __name__ == "__main__":
            with mp.Pool(2) as pool:
                a = pool.map(work, range(10))
                b = pool.imap_unordered(
                    work,
                    range(10),
                )
            with ProcessPoolExecutor() as ex:
                f = ex.submit(work, 1)
            print(list(map(work, a)))
        """
    )
    assert out["poolCalls"] == [
        {"line": 9, "endLine": 9, "api": "map"},
        {"line": 10, "endLine": 13, "api": "imap_unordered"},
        {"line": 15, "endLine": 15, "api": "submit"},
    ]


def test_pool_calls_on_other_objects_are_not_listed():
    out = lint(
        """\
        import pandas as pd
        df = pd.DataFrame()
        df.apply(len)
        df.map(len)
        """
    )
    assert out["poolCalls"] == []
