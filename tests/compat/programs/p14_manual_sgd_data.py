# Manual SGD through .data (p.data.add_(p.grad, alpha=-lr), grad.zero_()), gradient clipping,
# new_* factories, torch.Size, and a model parameter count with numel().
import torch
import torch.nn as nn

torch.manual_seed(0)
X = torch.linspace(-1, 1, 200).unsqueeze(1)
Y = torch.where(X > 0, X * 2.0, X * -0.5) + 0.1

model = nn.Sequential(nn.Linear(1, 16), nn.ReLU(), nn.Linear(16, 1))
print("parameters:", sum(p.numel() for p in model.parameters()), X.size())
assert X.size() == torch.Size([200, 1]) and X.new_zeros(3).dtype == X.dtype
lr = 0.1
for _step in range(600):
    loss = ((model(X) - Y) ** 2).mean()
    for p in model.parameters():
        if p.grad is not None:
            p.grad.zero_()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
    for p in model.parameters():
        p.data.add_(p.grad, alpha=-lr)
with torch.no_grad():
    final = ((model(X) - Y) ** 2).mean()
print(f"final loss {final.item():.6f}")
