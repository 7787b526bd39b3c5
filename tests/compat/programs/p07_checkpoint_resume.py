# Train, save a checkpoint (model and optimizer state, epoch, loss) with torch.save, load it into
# fresh objects with torch.load and resume; the resumed run continues where the first stopped.
import os
import tempfile

import torch
import torch.nn as nn

torch.manual_seed(0)
x = torch.linspace(-2, 2, 128).unsqueeze(1)
y = x ** 3 - x


def make():
    model = nn.Sequential(nn.Linear(1, 32), nn.Tanh(), nn.Linear(32, 1))
    return model, torch.optim.Adam(model.parameters(), lr=1e-2)


def train(model, optimizer, steps):
    for _ in range(steps):
        optimizer.zero_grad()
        loss = nn.functional.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
    return loss.item()


model, optimizer = make()
loss = train(model, optimizer, 150)
print(f"before saving: loss {loss:.6f}")
path = os.path.join(tempfile.mkdtemp(), "checkpoint.pt")
torch.save({"epoch": 150, "model_state_dict": model.state_dict(),
            "optimizer_state_dict": optimizer.state_dict(), "loss": loss}, path)

model2, optimizer2 = make()
checkpoint = torch.load(path, map_location=torch.device("cpu"), weights_only=True)
model2.load_state_dict(checkpoint["model_state_dict"])
optimizer2.load_state_dict(checkpoint["optimizer_state_dict"])
epoch = checkpoint["epoch"]
assert epoch == 150 and abs(checkpoint["loss"] - loss) < 1e-12
with torch.no_grad():
    assert torch.equal(model(x), model2(x))

loss_a = train(model, optimizer, 150)
loss_b = train(model2, optimizer2, 150)
assert abs(loss_a - loss_b) <= 1e-6 * max(1.0, abs(loss_a)), (loss_a, loss_b)
print(f"resumed at epoch {epoch}: loss {loss_b:.6f}")
print(f"final loss {loss_b:.6f}")
