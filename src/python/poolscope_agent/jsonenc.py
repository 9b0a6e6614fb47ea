"""A small JSON encoder for META records.

`import json` costs 2-3 ms, paid again in every spawn child; META payloads are flat
dicts of str/int/float/bool/None, so a few lines do.
"""

import math

_ESCAPES = {i: "\\u%04x" % i for i in range(32)}
_ESCAPES.update({ord('"'): '\\"', ord("\\"): "\\\\", ord("\n"): "\\n", ord("\r"): "\\r", ord("\t"): "\\t"})


def _string(s):
    return '"' + s.translate(_ESCAPES) + '"'


def _value(v):
    if v is None:
        return "null"
    if v is True:
        return "true"
    if v is False:
        return "false"
    if isinstance(v, int):
        return str(int(v))
    if isinstance(v, float):
        return repr(v) if math.isfinite(v) else "null"
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, dict):
        return "{" + ",".join(_string(str(k)) + ":" + _value(x) for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ",".join(_value(x) for x in v) + "]"
    return _string(str(v))


def encode(obj):
    """UTF-8 JSON bytes. A lone surrogate (an undecodable file name) becomes a \\udcXX escape."""
    return _value(obj).encode("utf-8", "backslashreplace")
