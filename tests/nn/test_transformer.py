"""Transformer modules: PyTorch's parameter names, defaults, masks, and its outputs and gradients
with copied weights."""

from __future__ import annotations

import numpy as np
import pytest

import autograd
import nn
from autograd import Tensor

RNG = np.random.default_rng(0)
# PyTorch warns about its nested-tensor fast path, which has no counterpart here
pytestmark = pytest.mark.filterwarnings("ignore::UserWarning")


def _copy(theirs, ours) -> None:
    assert list(ours.state_dict()) == list(theirs.state_dict())
    ours.load_state_dict({k: Tensor(v.detach().numpy().copy()) for k, v in
                          theirs.state_dict().items()})


def _compare(torch, t_out, o_out, t_inputs, o_inputs, theirs, ours, atol=1e-5):
    np.testing.assert_allclose(o_out.detach().numpy(), t_out.detach().numpy(), atol=atol, rtol=1e-4)
    (t_out ** 2).sum().backward()
    (o_out ** 2).sum().backward()
    for a, b in zip(t_inputs, o_inputs):
        np.testing.assert_allclose(b.grad.numpy(), a.grad.numpy(), atol=atol, rtol=1e-4)
    for (name, p), q in zip(theirs.named_parameters(), ours.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad.numpy(), atol=10 * atol, rtol=1e-3,
                                   err_msg=name)


def test_defaults_and_parameter_names():
    layer = nn.TransformerEncoderLayer(16, 4)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1
    assert not layer.batch_first and not layer.norm_first and layer.self_attn.num_heads == 4
    names = [n for n, _ in nn.TransformerDecoderLayer(8, 2, 16).named_parameters()]
    assert names[:4] == ["self_attn.in_proj_weight", "self_attn.in_proj_bias",
                         "self_attn.out_proj.weight", "self_attn.out_proj.bias"]
    assert "multihead_attn.in_proj_weight" in names and names[-2:] == ["norm3.weight", "norm3.bias"]
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=2, num_decoder_layers=1,
                           dim_feedforward=16)
    assert len(model.encoder.layers) == 2 and len(model.decoder.layers) == 1
    # the stacked layers are copies, not the same module
    assert model.encoder.layers[0].linear1 is not model.encoder.layers[1].linear1


def test_parameter_count_matches_torch():
    torch = pytest.importorskip("torch")
    kw = {"d_model": 32, "nhead": 4, "num_encoder_layers": 2, "num_decoder_layers": 2,
          "dim_feedforward": 64, "bias": False}
    n_t = sum(p.numel() for p in torch.nn.Transformer(**kw).parameters())
    assert sum(p.numel() for p in nn.Transformer(**kw).parameters()) == n_t


def test_square_subsequent_mask_equals_torch():
    m = nn.Transformer.generate_square_subsequent_mask(4)
    assert m.dtype == np.float32 and m.shape == (4, 4)
    assert np.array_equal(np.isinf(m.numpy()), np.triu(np.ones((4, 4), bool), 1))
    torch = pytest.importorskip("torch")
    np.testing.assert_array_equal(m.numpy(), torch.nn.Transformer.generate_square_subsequent_mask(4))


@pytest.mark.parametrize("norm_first", [False, True])
@pytest.mark.parametrize("batch_first", [False, True])
@pytest.mark.parametrize("activation", ["relu", "gelu"])
def test_encoder_matches_torch(norm_first, batch_first, activation):
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    kw = {"dim_feedforward": 32, "dropout": 0.0, "batch_first": batch_first,
          "norm_first": norm_first, "activation": activation}
    norm = (torch.nn.LayerNorm(16), nn.LayerNorm(16))
    theirs = torch.nn.TransformerEncoder(torch.nn.TransformerEncoderLayer(16, 4, **kw), 2,
                                         norm=norm[0], enable_nested_tensor=False)
    ours = nn.TransformerEncoder(nn.TransformerEncoderLayer(16, 4, **kw), 2, norm=norm[1])
    _copy(theirs, ours)
    x = RNG.standard_normal((3, 5, 16) if batch_first else (5, 3, 16)).astype(np.float32)
    pad = np.zeros((3, 5), bool)
    pad[1, 3:] = True
    mask = nn.Transformer.generate_square_subsequent_mask(5)
    tx, ox = torch.tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    t_out = theirs(tx, mask=torch.tensor(mask.numpy()), src_key_padding_mask=torch.tensor(pad))
    o_out = ours(ox, mask=mask, src_key_padding_mask=Tensor(pad))
    _compare(torch, t_out, o_out, [tx], [ox], theirs, ours)


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(norm_first):
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    kw = {"d_model": 16, "nhead": 2, "num_encoder_layers": 1, "num_decoder_layers": 2,
          "dim_feedforward": 24, "dropout": 0.0, "norm_first": norm_first,
          "activation": torch.nn.functional.gelu}
    theirs = torch.nn.Transformer(**kw)
    ours = nn.Transformer(**{**kw, "activation": nn.functional.gelu})
    _copy(theirs, ours)
    src = RNG.standard_normal((6, 2, 16)).astype(np.float32)
    tgt = RNG.standard_normal((4, 2, 16)).astype(np.float32)
    mem_pad = np.zeros((2, 6), bool)
    mem_pad[0, -2:] = True
    ts, tt = torch.tensor(src, requires_grad=True), torch.tensor(tgt, requires_grad=True)
    os_, ot = Tensor(src, requires_grad=True), Tensor(tgt, requires_grad=True)
    t_out = theirs(ts, tt, tgt_mask=torch.nn.Transformer.generate_square_subsequent_mask(4),
                   src_key_padding_mask=torch.tensor(mem_pad),
                   memory_key_padding_mask=torch.tensor(mem_pad))
    o_out = ours(os_, ot, tgt_mask=nn.Transformer.generate_square_subsequent_mask(4),
                 src_key_padding_mask=Tensor(mem_pad), memory_key_padding_mask=Tensor(mem_pad))
    _compare(torch, t_out, o_out, [ts, tt], [os_, ot], theirs, ours)


def test_decoder_layer_batch_first_with_bool_mask_matches_torch():
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    theirs = torch.nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    ours = nn.TransformerDecoderLayer(8, 2, 16, dropout=0.0, batch_first=True)
    _copy(theirs, ours)
    tgt = RNG.standard_normal((2, 3, 8)).astype(np.float32)
    mem = RNG.standard_normal((2, 5, 8)).astype(np.float32)
    causal = np.triu(np.ones((3, 3), bool), 1)
    tt, tm = torch.tensor(tgt, requires_grad=True), torch.tensor(mem, requires_grad=True)
    ot, om = Tensor(tgt, requires_grad=True), Tensor(mem, requires_grad=True)
    t_out = theirs(tt, tm, tgt_mask=torch.tensor(causal))
    o_out = ours(ot, om, tgt_mask=Tensor(causal))
    _compare(torch, t_out, o_out, [tt, tm], [ot, om], theirs, ours)


def test_dropout_only_in_training():
    layer = nn.TransformerEncoderLayer(8, 2, 16, dropout=0.5)
    x = autograd.randn(4, 2, 8)
    layer.eval()
    assert np.array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.train()
    assert not np.array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_bad_arguments_raise():
    with pytest.raises(RuntimeError, match="relu/gelu"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match="divisible"):
        nn.TransformerEncoderLayer(8, 3)
    with pytest.raises(ValueError, match="d_model"):
        nn.TransformerDecoderLayer(0, 1)
    model = nn.Transformer(d_model=8, nhead=2, num_encoder_layers=1, num_decoder_layers=1,
                           dim_feedforward=8)
    with pytest.raises(RuntimeError, match="batch number"):
        model(autograd.randn(3, 2, 8), autograd.randn(3, 4, 8))
    with pytest.raises(RuntimeError, match="d_model"):
        model(autograd.randn(3, 2, 6), autograd.randn(3, 2, 6))
    with pytest.raises(AssertionError, match="CPU"):
        nn.TransformerEncoderLayer(8, 2, device="cuda")
