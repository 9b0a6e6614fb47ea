"""Replaces attributes and remembers the originals, so every hook can be removed."""

_patched = []  # (owner, name, original or _INHERITED), in patching order
_INHERITED = object()


def replace(owner, name, new):
    """Sets owner.name = new; returns the original. For a class it is the raw
    attribute (a classmethod stays a classmethod), looked up through the MRO when
    the class only inherits it."""
    if isinstance(owner, type):
        own = owner.__dict__.get(name, _INHERITED)
        original = own if own is not _INHERITED else _class_attribute(owner, name)
    else:
        own = original = getattr(owner, name)
    _patched.append((owner, name, own))
    setattr(owner, name, new)
    return original


def _class_attribute(cls, name):
    for klass in cls.__mro__:
        if name in klass.__dict__:
            return klass.__dict__[name]
    raise AttributeError(name)


def restore_all():
    """Puts every original back (tests; an agent that must stop)."""
    while _patched:
        owner, name, original = _patched.pop()
        if original is _INHERITED:
            delattr(owner, name)
        else:
            setattr(owner, name, original)
