"""TransformerEncoder's nested-tensor inference path, as PyTorch's (enable_nested_tensor=True
by default): in eval mode without gradient, with a right-padded src_key_padding_mask, PyTorch's
output is 0 at the padded positions (before the final norm); elsewhere it is unchanged."""

import numpy as np
import pytest

import autograd
import nn

torch = pytest.importorskip("torch")

E = 8


def _pair(nhead=2, norm=True, norm_first=False, batch_first=True, nested=True):
    layer_kw = dict(dim_feedforward=16, dropout=0.1, batch_first=batch_first, norm_first=norm_first)
    t = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(E, nhead, **layer_kw), 2,
                                    norm=torch.nn.LayerNorm(E) if norm else None,
                                    enable_nested_tensor=nested)
    g = nn.TransformerEncoder(nn.TransformerEncoderLayer(E, nhead, **layer_kw), 2,
                              norm=nn.LayerNorm(E) if norm else None, enable_nested_tensor=nested)
    g.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    t.eval()
    g.eval()
    return t, g


def _padding(kind):
    pad = np.zeros((3, 5), bool)
    if kind == "right":
        pad[0, 3:] = True
        pad[2, 1:] = True
    elif kind == "not-left-aligned":
        pad[0, 1] = True
    return pad


def _run(t, g, x, pad, grad=False):
    with torch.set_grad_enabled(grad):
        want = t(torch.from_numpy(x), src_key_padding_mask=torch.from_numpy(pad))
    with autograd.set_grad_enabled(grad):
        got = g(autograd.tensor(x), src_key_padding_mask=autograd.tensor(pad))
    return want.detach().numpy(), got.detach().numpy()


@pytest.mark.parametrize("kind", ["right", "not-left-aligned", "none"])
@pytest.mark.parametrize("config", [
    {}, {"norm": False}, {"nhead": 1}, {"norm_first": True}, {"nested": False},
])
def test_eval_no_grad_matches_pytorch(kind, config):
    torch.manual_seed(0)
    t, g = _pair(**config)
    x = np.random.default_rng(0).standard_normal((3, 5, E)).astype(np.float32)
    want, got = _run(t, g, x, _padding(kind))
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_grad_enabled_keeps_the_padded_positions():
    torch.manual_seed(0)
    t, g = _pair(norm=False)
    x = np.random.default_rng(1).standard_normal((3, 5, E)).astype(np.float32)
    want, got = _run(t, g, x, _padding("right"), grad=True)
    np.testing.assert_allclose(got, want, atol=1e-5)
    assert np.abs(got[0, 3:]).sum() > 0


def test_transformer_memory_matches_pytorch():
    torch.manual_seed(0)
    kw = dict(d_model=E, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
              dim_feedforward=16, batch_first=True)
    t, g = torch.nn.Transformer(**kw), nn.Transformer(**kw)
    g.load_state_dict({k: autograd.tensor(v.detach().numpy()) for k, v in t.state_dict().items()})
    t.eval()
    g.eval()
    rng = np.random.default_rng(2)
    src = rng.standard_normal((3, 5, E)).astype(np.float32)
    tgt = rng.standard_normal((3, 4, E)).astype(np.float32)
    pad = _padding("right")
    with torch.no_grad():
        want = t(torch.from_numpy(src), torch.from_numpy(tgt),
                 src_key_padding_mask=torch.from_numpy(pad)).numpy()
    with autograd.no_grad():
        got = g(autograd.tensor(src), autograd.tensor(tgt),
                src_key_padding_mask=autograd.tensor(pad)).numpy()
    np.testing.assert_allclose(got, want, atol=1e-5)
