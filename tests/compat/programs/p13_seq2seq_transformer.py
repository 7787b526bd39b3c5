# nn.Transformer on a sequence-reversal task with teacher forcing: a causal target mask from
# generate_square_subsequent_mask, sequence-first tensors, and greedy decoding at the end.
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
V, L, d_model, BOS = 10, 6, 32, 0


class Seq2Seq(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(V, d_model)
        self.pos = nn.Parameter(torch.randn(L + 1, 1, d_model))
        self.transformer = nn.Transformer(d_model=d_model, nhead=4, num_encoder_layers=1,
                                          num_decoder_layers=1, dim_feedforward=64, dropout=0.0)
        self.out = nn.Linear(d_model, V)

    def forward(self, src, tgt):
        s = self.embed(src) * math.sqrt(d_model) + self.pos[: src.size(0)]
        t = self.embed(tgt) * math.sqrt(d_model) + self.pos[: tgt.size(0)]
        mask = nn.Transformer.generate_square_subsequent_mask(tgt.size(0))
        return self.out(self.transformer(s, t, tgt_mask=mask))


def batch(n):
    src = torch.randint(1, V, (L, n))
    tgt = src.flip(0)
    tgt_in = torch.cat([torch.full((1, n), BOS, dtype=torch.long), tgt[:-1]])
    return src, tgt_in, tgt


model = Seq2Seq()
optimizer = torch.optim.Adam(model.parameters(), lr=3e-3)
criterion = nn.CrossEntropyLoss()
for _step in range(300):
    src, tgt_in, tgt = batch(32)
    optimizer.zero_grad()
    loss = criterion(model(src, tgt_in).reshape(-1, V), tgt.reshape(-1))
    loss.backward()
    optimizer.step()

model.eval()
src, tgt_in, tgt = batch(64)
with torch.no_grad():
    final = criterion(model(src, tgt_in).reshape(-1, V), tgt.reshape(-1))
    ys = torch.full((1, 64), BOS, dtype=torch.long)
    for _ in range(L):
        nxt = model(src, ys)[-1].argmax(-1, keepdim=True).T
        ys = torch.cat([ys, nxt])
    acc = (ys[1:] == tgt).float().mean().item()
print(f"greedy token accuracy {acc:.3f}")
print(f"final loss {final.item():.6f}")
