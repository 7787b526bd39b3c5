# The classic training loop: nn.Sequential, CrossEntropyLoss, SGD with momentum and weight
# decay, StepLR, shuffled DataLoader, train()/eval(), accuracy with argmax.
import math

import torch
import torch.nn as nn
import torch.optim as optim
from torch.optim.lr_scheduler import StepLR
from torch.utils.data import DataLoader, TensorDataset

torch.manual_seed(0)
K, n = 3, 80
xs, ys = [], []
for k in range(K):
    r = torch.linspace(0.05, 1, n)
    theta = torch.linspace(k * 4.0, (k + 1) * 4.0, n) + 0.2 * torch.sin(torch.arange(n) * 1.7)
    xs.append(torch.stack([r * torch.sin(theta), r * torch.cos(theta)], dim=1))
    ys.append(torch.full((n,), k, dtype=torch.long))
X, Y = torch.cat(xs), torch.cat(ys)

model = nn.Sequential(nn.Linear(2, 100), nn.ReLU(), nn.Linear(100, 100), nn.ReLU(),
                      nn.Linear(100, K))
criterion = nn.CrossEntropyLoss()
optimizer = optim.SGD(model.parameters(), lr=0.2, momentum=0.9, weight_decay=1e-4)
scheduler = StepLR(optimizer, step_size=30, gamma=0.5)
loader = DataLoader(TensorDataset(X, Y), batch_size=40, shuffle=True)
for _epoch in range(80):
    model.train()
    for xb, yb in loader:
        optimizer.zero_grad()
        loss = criterion(model(xb.float()), yb.long())
        loss.backward()
        optimizer.step()
    scheduler.step()

model.eval()
with torch.no_grad():
    out = model(X)
    final = criterion(out, Y)
    acc = (out.argmax(dim=1) == Y).float().mean().item()
print(f"lr {scheduler.get_last_lr()[0]:.4f} accuracy {acc:.3f} pi {math.pi:.2f}")
print(f"final loss {final.item():.6f}")
