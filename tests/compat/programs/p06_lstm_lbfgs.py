# Sequence prediction with an LSTM trained by L-BFGS (as PyTorch's time_sequence_prediction
# example): predict the next value of sine waves with different phases, in double precision.
import torch
import torch.nn as nn
import torch.optim as optim


class Sequence(nn.Module):
    def __init__(self, hidden=24):
        super().__init__()
        self.lstm = nn.LSTM(1, hidden, batch_first=True)
        self.linear = nn.Linear(hidden, 1)

    def forward(self, x):
        out, _ = self.lstm(x.unsqueeze(-1))
        return self.linear(out).squeeze(-1)


torch.manual_seed(0)
T, N = 40, 12
phase = torch.arange(N, dtype=torch.float64).unsqueeze(1) * 0.5
t = torch.arange(T + 1, dtype=torch.float64).unsqueeze(0) * 0.3
waves = torch.sin(t + phase)
inputs, targets = waves[:, :-1], waves[:, 1:]

seq = Sequence().double()
criterion = nn.MSELoss()
optimizer = optim.LBFGS(seq.parameters(), lr=1, max_iter=20, history_size=50,
                        line_search_fn="strong_wolfe")
for i in range(6):
    def closure():
        optimizer.zero_grad()
        loss = criterion(seq(inputs), targets)
        loss.backward()
        return loss
    loss = optimizer.step(closure)
    print(f"step {i} loss {loss.item():.6f}")

with torch.no_grad():
    final = criterion(seq(inputs), targets)
print(f"final loss {final.item():.6f}")
