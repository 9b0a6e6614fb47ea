"""Static checks for multiprocessing code, run while the user edits (standard library only).

    python poolscope_lint.py SCRIPT.py
    python poolscope_lint.py - SCRIPT.py   < source      (unsaved editor text)

Prints one JSON object: {"diagnostics": [...], "poolCalls": [...], "syntaxError": null | {...}}.
`poolCalls` lists each call of a task method (map, submit, ...) on a pool or executor:
{line, endLine, api}, so the editor can mark the calls a run never reached.
Lines are 1-based, columns 0-based in UTF-16 code units (what VS Code positions count).

The source is only parsed (ast.parse + tokenize), never imported or executed, so this is safe
on code from an untrusted workspace.

Checks:
  missing-main-guard    a Pool / ProcessPoolExecutor / Process created by module-level code
                        outside `if __name__ == "__main__":`; spawn and forkserver children
                        re-import the main module and would run it again.
  unpicklable-callable  a lambda or nested function handed to a pool, an executor or
                        Process(target=...); it cannot be pickled to reach the child.
"""

import ast
import io
import json
import sys
import tokenize

CREATORS = ("Pool", "ProcessPoolExecutor", "Process")
# Methods whose first argument (or func=/fn=) is pickled to the workers.
TASK_METHODS = {
    "map",
    "imap",
    "imap_unordered",
    "starmap",
    "map_async",
    "starmap_async",
    "apply",
    "apply_async",
    "submit",
}
FUNC_KEYWORDS = ("func", "fn")


def _creator(node):
    """'Pool' / 'ProcessPoolExecutor' / 'Process' when node is a call creating one, else None.
    Matches the bare name and any attribute spelling: multiprocessing.Pool, mp.Pool, ctx.Pool,
    get_context("spawn").Pool, concurrent.futures.ProcessPoolExecutor."""
    if not isinstance(node, ast.Call):
        return None
    func = node.func
    if isinstance(func, ast.Name) and func.id in CREATORS:
        return func.id
    if isinstance(func, ast.Attribute) and func.attr in CREATORS:
        # psutil.Process(pid) inspects a process; it starts nothing.
        if func.attr == "Process" and isinstance(func.value, ast.Name) and func.value.id == "psutil":
            return None
        return func.attr
    return None


def _is_main_guard(stmt):
    """`if __name__ == "__main__":` with either operand order (either quote style parses alike)."""
    if not isinstance(stmt, ast.If):
        return False
    test = stmt.test
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1 and isinstance(test.ops[0], ast.Eq)):
        return False
    sides = (test.left, test.comparators[0])

    def is_name(n):
        return isinstance(n, ast.Name) and n.id == "__name__"

    def is_main(n):
        return isinstance(n, ast.Constant) and n.value == "__main__"

    return (is_name(sides[0]) and is_main(sides[1])) or (is_main(sides[0]) and is_name(sides[1]))


def _runs_at_import(node):
    """Yields the nodes of a module-level statement that execute when the module is imported:
    not the bodies of functions and lambdas (class bodies do run)."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        for child in ast.iter_child_nodes(n):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                # Decorators and defaults run at definition time; the body does not.
                stack.extend(child.decorator_list)
                stack.extend(d for d in child.args.defaults + child.args.kw_defaults if d is not None)
            elif isinstance(child, ast.Lambda):
                stack.extend(d for d in child.args.defaults + child.args.kw_defaults if d is not None)
            else:
                stack.append(child)


def _not_wrappable(stmt):
    return isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Import, ast.ImportFrom)) or (
        _is_main_guard(stmt)
    )


class _Positions:
    """ast columns are UTF-8 byte offsets; editors count UTF-16 code units."""

    def __init__(self, text):
        self.lines = text.splitlines()

    def col(self, line, byte_col):
        if not 1 <= line <= len(self.lines):
            return byte_col
        prefix = self.lines[line - 1].encode("utf-8")[:byte_col].decode("utf-8", errors="replace")
        return len(prefix.encode("utf-16-le")) // 2

    def span(self, node):
        return {
            "line": node.lineno,
            "column": self.col(node.lineno, node.col_offset),
            "endLine": node.end_lineno,
            "endColumn": self.col(node.end_lineno, node.end_col_offset),
        }


def _verbatim_lines(text, first, last):
    """Lines in [first, last] that lie inside a multi-line string literal after its first line:
    indenting them would change the string, so the quick fix leaves them alone."""
    spans = []
    fstring_starts = []
    fstart = getattr(tokenize, "FSTRING_START", None)  # Python 3.12+ splits f-strings
    fend = getattr(tokenize, "FSTRING_END", None)
    try:
        for tok in tokenize.generate_tokens(io.StringIO(text).readline):
            if tok.type == tokenize.STRING and tok.end[0] > tok.start[0]:
                spans.append((tok.start[0], tok.end[0]))
            elif fstart is not None and tok.type == fstart:
                fstring_starts.append(tok.start[0])
            elif fend is not None and tok.type == fend and fstring_starts:
                start = fstring_starts.pop()
                if tok.end[0] > start:
                    spans.append((start, tok.end[0]))
    except (tokenize.TokenError, SyntaxError):
        return []
    return sorted({ln for a, b in spans for ln in range(a + 1, b + 1) if first <= ln <= last})


def _missing_guard(tree, text, pos):
    out = []
    body = tree.body
    for i, stmt in enumerate(body):
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        # Inside the guard only the else branch runs in a child (__name__ is "__mp_main__").
        roots = stmt.orelse if _is_main_guard(stmt) else [stmt]
        found = None
        for root in roots:
            for n in _runs_at_import(root):
                if _creator(n):
                    found = n
                    break
            if found is not None:
                break
        if found is None:
            continue
        end = i
        if not _not_wrappable(stmt):
            while end + 1 < len(body) and not _not_wrappable(body[end + 1]):
                end += 1
        what = ast.unparse(found.func) if hasattr(ast, "unparse") else _creator(found)
        diag = {
            "code": "missing-main-guard",
            "message": (
                f"{what}(...) is created at import time, outside `if __name__ == \"__main__\":`. "
                "Under spawn or forkserver every child re-imports the main module and would run this "
                "again (a Pool keeps replacing workers that fail). Move it under the guard."
            ),
            **pos.span(stmt),
        }
        if not _not_wrappable(stmt):
            fix_end = body[end].end_lineno
            diag["fixStart"] = stmt.lineno
            diag["fixEnd"] = fix_end
            diag["verbatimLines"] = _verbatim_lines(text, stmt.lineno, fix_end)
        out.append(diag)
    return out


class _CallableCheck(ast.NodeVisitor):
    """Finds lambdas and nested functions handed to workers. A receiver counts as a pool or
    executor when it is a creation call or a name bound to one (`p = Pool()`, `with ... as p`),
    so pandas' `df.apply(lambda ...)` or `map(lambda ...)` are not flagged."""

    def __init__(self, pos, pool_names):
        self.pos = pos
        self.pool_names = pool_names
        self.scopes = []  # one set of nested def names per enclosing function
        self.out = []
        self.calls = []

    def _visit_function(self, node):
        local = {
            n.name
            for n in ast.walk(node)
            if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)) and n is not node
        }
        self.scopes.append(local)
        self.generic_visit(node)
        self.scopes.pop()

    visit_FunctionDef = _visit_function
    visit_AsyncFunctionDef = _visit_function

    def _is_pool(self, node):
        if _creator(node) in ("Pool", "ProcessPoolExecutor"):
            return True
        return _target_key(node) in self.pool_names

    def visit_Call(self, node):
        func = None
        kind = None
        if isinstance(node.func, ast.Attribute) and node.func.attr in TASK_METHODS and self._is_pool(node.func.value):
            func = node.args[0] if node.args else next((k.value for k in node.keywords if k.arg in FUNC_KEYWORDS), None)
            kind = "pool"
            self.calls.append({"line": node.lineno, "endLine": node.end_lineno, "api": node.func.attr})
        elif _creator(node) == "Process":
            func = next((k.value for k in node.keywords if k.arg == "target"), None)
            if func is None and len(node.args) >= 2:
                func = node.args[1]  # Process(group, target, ...)
            kind = "process"
        if func is not None:
            self._check(func, kind)
        self.generic_visit(node)

    def _check(self, func, kind):
        if isinstance(func, ast.Lambda):
            what = "A lambda"
        elif isinstance(func, ast.Name) and any(func.id in s for s in self.scopes):
            what = f"`{func.id}` is a nested function and"
        else:
            return
        where = (
            "a pool or executor pickles the function to send it with each task"
            if kind == "pool"
            else "under spawn or forkserver the target is pickled to the child"
        )
        self.out.append(
            {
                "code": "unpicklable-callable",
                "message": (
                    f"{what} cannot be pickled, and {where}. Define it with `def` at module level "
                    "(pass extra values as arguments or with functools.partial)."
                ),
                **self.pos.span(func),
            }
        )


def _target_key(node):
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        base = _target_key(node.value)
        return base and f"{base}.{node.attr}"
    return None


def _pool_names(tree):
    names = set()
    for n in ast.walk(tree):
        if isinstance(n, (ast.Assign, ast.AnnAssign)) and _creator(n.value) in ("Pool", "ProcessPoolExecutor"):
            for t in n.targets if isinstance(n, ast.Assign) else [n.target]:
                key = _target_key(t)
                if key:
                    names.add(key)
        elif isinstance(n, (ast.With, ast.AsyncWith)):
            for item in n.items:
                if item.optional_vars is not None and _creator(item.context_expr) in ("Pool", "ProcessPoolExecutor"):
                    key = _target_key(item.optional_vars)
                    if key:
                        names.add(key)
    return names


def lint(text, filename="<string>"):
    try:
        tree = ast.parse(text, filename)
    except SyntaxError as e:
        return {
            "diagnostics": [],
            "poolCalls": [],
            "syntaxError": {"line": e.lineno or 1, "column": max((e.offset or 1) - 1, 0), "message": e.msg},
        }
    except ValueError as e:  # null bytes before Python 3.12
        return {"diagnostics": [], "poolCalls": [], "syntaxError": {"line": 1, "column": 0, "message": str(e)}}
    pos = _Positions(text)
    check = _CallableCheck(pos, _pool_names(tree))
    check.visit(tree)
    diags = _missing_guard(tree, text, pos) + check.out
    diags.sort(key=lambda d: (d["line"], d["column"]))
    return {"diagnostics": diags, "poolCalls": check.calls, "syntaxError": None}


def _decode(data):
    try:
        encoding, _ = tokenize.detect_encoding(io.BytesIO(data).readline)
        return data.decode(encoding)
    except (SyntaxError, LookupError, UnicodeDecodeError):
        return data.decode("utf-8", errors="replace")


def main(argv):
    if not argv or (argv[0] == "-" and len(argv) < 2):
        sys.stderr.write("usage: poolscope_lint.py SCRIPT.py | poolscope_lint.py - FILENAME < source\n")
        return 2
    if argv[0] == "-":
        filename = argv[1]
        data = sys.stdin.buffer.read()
    else:
        filename = argv[0]
        with open(filename, "rb") as f:
            data = f.read()
    sys.stdout.write(json.dumps(lint(_decode(data), filename)) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
