"""Sequential.pop / ModuleList.pop as PyTorch's: remove the module at an index (or a slice),
return it, and renumber the rest (state_dict keys follow)."""

import pytest

import nn

torch = pytest.importorskip("torch")


def _layers(lib):
    return [lib.Linear(1, 2), lib.ReLU(), lib.Linear(2, 3), lib.Tanh(), lib.Linear(3, 1)]


@pytest.mark.parametrize("container", ["Sequential", "ModuleList"])
@pytest.mark.parametrize("key", [0, 2, -1, slice(1, 3)])
def test_pop_matches_pytorch(container, key):
    mods = {lib: getattr(lib, container)(*(
        _layers(lib) if container == "Sequential" else [_layers(lib)])) for lib in (torch.nn, nn)}
    popped = {lib: m.pop(key) for lib, m in mods.items()}
    want, got = mods[torch.nn], mods[nn]
    assert [type(m).__name__ for m in got] == [type(m).__name__ for m in want]
    assert list(got.state_dict()) == list(want.state_dict())
    if isinstance(key, slice):
        assert type(popped[nn]).__name__ == type(popped[torch.nn]).__name__
        assert [type(m).__name__ for m in popped[nn]] == [type(m).__name__ for m in popped[torch.nn]]
    else:
        assert type(popped[nn]).__name__ == type(popped[torch.nn]).__name__
