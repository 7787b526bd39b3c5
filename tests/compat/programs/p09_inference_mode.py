# Train a classifier, then evaluate it under torch.inference_mode (as a decorator and as a
# context manager); outputs made there do not require grad.
import math

import torch
import torch.nn as nn

torch.manual_seed(0)
n = 100
t = torch.linspace(0, 1, n)
angle = 3 * math.pi * t
r = 0.2 + t
x0 = torch.stack([r * torch.cos(angle), r * torch.sin(angle)], dim=1)
x1 = torch.stack([-r * torch.cos(angle), -r * torch.sin(angle)], dim=1)
X = torch.cat([x0, x1])
Y = torch.cat([torch.zeros(n), torch.ones(n)])

model = nn.Sequential(nn.Linear(2, 64), nn.ReLU(), nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
loss_fn = nn.BCEWithLogitsLoss()
for _step in range(400):
    optimizer.zero_grad()
    loss = loss_fn(model(X).squeeze(1), Y)
    loss.backward()
    optimizer.step()


@torch.inference_mode()
def evaluate(model, X, Y):
    model.eval()
    logits = model(X).squeeze(1)
    return loss_fn(logits, Y), ((logits > 0).float() == Y).float().mean()


final, acc = evaluate(model, X, Y)
assert not final.requires_grad
with torch.inference_mode():
    probs = torch.sigmoid(model(X))
    assert not probs.requires_grad
print(f"accuracy {acc.item():.3f}, mean prob {probs.mean().item():.3f}")
print(f"final loss {final.item():.6f}")
