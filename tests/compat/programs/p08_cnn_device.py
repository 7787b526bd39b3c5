# A small CNN written for any device: device selection, model.to(device), batches moved with
# .to(device, non_blocking=True), cudnn flags, and a DataLoader over generated images.
import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

torch.backends.cudnn.benchmark = True
torch.manual_seed(0)
torch.cuda.manual_seed_all(0)
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")

# class 0: a horizontal bar, class 1: a vertical bar, at every position, plus noise
images, labels = [], []
for pos in range(2, 10):
    img = torch.zeros(1, 12, 12)
    img[0, pos, 1:11] = 1.0
    images.append(img)
    labels.append(0)
    img = torch.zeros(1, 12, 12)
    img[0, 1:11, pos] = 1.0
    images.append(img)
    labels.append(1)
X = torch.stack(images).repeat(4, 1, 1, 1)
X = X + 0.3 * torch.randn(X.shape)
Y = torch.tensor(labels).repeat(4)


class Net(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
        self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
        self.fc = nn.Linear(16 * 3 * 3, 2)

    def forward(self, x):
        x = F.max_pool2d(F.relu(self.conv1(x)), 2)
        x = F.max_pool2d(F.relu(self.conv2(x)), 2)
        return self.fc(torch.flatten(x, 1))


model = Net().to(device)
optimizer = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
loader = DataLoader(TensorDataset(X, Y), batch_size=16, shuffle=True, pin_memory=True)
for _epoch in range(8):
    model.train()
    for xb, yb in loader:
        xb, yb = xb.to(device, non_blocking=True), yb.to(device, non_blocking=True)
        optimizer.zero_grad()
        loss = F.cross_entropy(model(xb), yb)
        loss.backward()
        optimizer.step()

model.eval()
with torch.no_grad():
    logits = model(X.to(device))
    final = F.cross_entropy(logits, Y.to(device))
    acc = (logits.argmax(dim=1) == Y.to(device)).float().mean().item()
print(f"device {device}, accuracy {acc:.3f}")
print(f"final loss {final.cpu().item():.6f}")
