"""Manager proxies: one `mgr` META per proxy method call (a round trip to the server).

The proxy's own socket traffic is not reported as messages: its connections come
from connection.Client (marked ignored in channel_hooks) and the server process
ignores all its traffic (process_hooks gives it the `manager` role).
"""

from . import patching, state

_callmethod_orig = None


def patch(managers):
    global _callmethod_orig
    _callmethod_orig = patching.replace(managers.BaseProxy, "_callmethod", _callmethod)


def _callmethod(self, methodname, args=(), kwds={}):  # noqa: B006 - CPython's signature
    if not state.enabled:
        return _callmethod_orig(self, methodname, args, kwds)
    t0 = state.clock()
    ok = False
    try:
        result = _callmethod_orig(self, methodname, args, kwds)
        ok = True
        return result
    finally:
        t1 = state.clock()
        try:
            typeid = getattr(getattr(self, "_token", None), "typeid", "?")
            state.meta("mgr", method="%s.%s" % (typeid, methodname), t0=t0, t1=t1, ok=ok)
        except Exception as e:  # noqa: BLE001
            state.agent_error(e, "manager call")
