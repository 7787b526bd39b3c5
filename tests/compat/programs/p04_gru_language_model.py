# Character-level GRU language model: an endless RandomSampler stream of windows, Adam,
# gradient clipping, and sampling text with torch.multinomial.
import torch
import torch.nn as nn
from torch.utils.data import DataLoader, Dataset, RandomSampler

torch.manual_seed(1337)
text = ("the quick brown fox jumps over the lazy dog. " * 6
        + "a stitch in time saves nine. " * 6 + "all that glitters is not gold. " * 6)
chars = sorted(set(text))
stoi = {c: i for i, c in enumerate(chars)}
itos = {i: c for c, i in stoi.items()}
data = torch.tensor([stoi[c] for c in text], dtype=torch.long)


class Windows(Dataset):
    def __init__(self, data, block_size):
        self.data = data
        self.block_size = block_size

    def __len__(self):
        return len(self.data) - self.block_size

    def __getitem__(self, idx):
        chunk = self.data[idx:idx + self.block_size + 1]
        return chunk[:-1], chunk[1:]


class CharGRU(nn.Module):
    def __init__(self, vocab_size, n_embd=32, n_hidden=64):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, n_embd)
        self.gru = nn.GRU(n_embd, n_hidden, batch_first=True)
        self.head = nn.Linear(n_hidden, vocab_size)

    def forward(self, idx, h=None):
        out, h = self.gru(self.embed(idx), h)
        return self.head(out), h


device = "cuda" if torch.cuda.is_available() else "cpu"
block_size = 24
dataset = Windows(data, block_size)
sampler = RandomSampler(dataset, replacement=True, num_samples=int(1e10))
loader = DataLoader(dataset, sampler=sampler, batch_size=16, pin_memory=True, num_workers=0)
model = CharGRU(len(chars)).to(device)
optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
criterion = nn.CrossEntropyLoss()

model.train()
for step, (x, y) in enumerate(loader):
    if step >= 250:
        break
    x, y = x.to(device), y.to(device)
    logits, _ = model(x)
    loss = criterion(logits.view(-1, logits.size(-1)), y.view(-1))
    optimizer.zero_grad(set_to_none=True)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
    optimizer.step()
    if step % 100 == 0:
        print(f"step {step} loss {loss.item():.4f}")

model.eval()
with torch.no_grad():
    x = data[:-1].unsqueeze(0)
    y = data[1:].unsqueeze(0)
    logits, _ = model(x)
    final = criterion(logits.view(-1, logits.size(-1)), y.view(-1))

    g = torch.Generator().manual_seed(42)
    idx = torch.tensor([[stoi["t"]]], dtype=torch.long, device=device)
    h = None
    out = ["t"]
    for _ in range(60):
        logits, h = model(idx, h)
        probs = torch.softmax(logits[:, -1, :] / 0.8, dim=-1)
        idx = torch.multinomial(probs, num_samples=1, generator=g)
        out.append(itos[idx.item()])
    print("".join(out))
print(f"final loss {final.item():.6f}")
