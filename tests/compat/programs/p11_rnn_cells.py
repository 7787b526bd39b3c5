# Manual unrolling with nn.GRUCell and nn.LSTMCell: regress the running mean of a sequence.
import torch
import torch.nn as nn

torch.manual_seed(0)
T, N = 12, 64
x = torch.sin(torch.arange(N * T, dtype=torch.float32).view(N, T, 1) * 0.37)
target = torch.stack([x[:, : t + 1].mean(dim=1) for t in range(T)], dim=1)


class Stacked(nn.Module):
    def __init__(self, hidden=32):
        super().__init__()
        self.gru = nn.GRUCell(1, hidden)
        self.lstm = nn.LSTMCell(hidden, hidden)
        self.out = nn.Linear(hidden, 1)
        self.hidden = hidden

    def forward(self, x):
        n = x.size(0)
        h1 = x.new_zeros(n, self.hidden)
        h2, c2 = torch.zeros(n, self.hidden), torch.zeros(n, self.hidden)
        outputs = []
        for t in range(x.size(1)):
            h1 = self.gru(x[:, t], h1)
            h2, c2 = self.lstm(h1, (h2, c2))
            outputs.append(self.out(h2))
        return torch.stack(outputs, dim=1)


model = Stacked()
optimizer = torch.optim.RMSprop(model.parameters(), lr=3e-3)
for _step in range(200):
    optimizer.zero_grad()
    loss = nn.functional.mse_loss(model(x), target)
    loss.backward()
    optimizer.step()
with torch.no_grad():
    final = nn.functional.mse_loss(model(x), target)
print(f"final loss {final.item():.6f}")
