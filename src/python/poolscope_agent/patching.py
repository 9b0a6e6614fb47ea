"""Replaces attributes and remembers the originals, so every hook can be removed."""

_patched = []  # (owner, name, original), in patching order


def replace(owner, name, new):
    """Sets owner.name = new; returns the original (raw from a class __dict__:
    a classmethod stays a classmethod, so it can be put back as it was)."""
    if isinstance(owner, type):
        original = owner.__dict__[name]
    else:
        original = getattr(owner, name)
    _patched.append((owner, name, original))
    setattr(owner, name, new)
    return original


def restore_all():
    """Puts every original back (tests; an agent that must stop)."""
    while _patched:
        owner, name, original = _patched.pop()
        setattr(owner, name, original)
