# makemore-style character-level MLP language model: embeddings, a tanh layer, cross-entropy,
# a DataLoader over (context, next char) pairs, and sampling names with torch.multinomial.
import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader, TensorDataset

words = ("emma olivia ava isabella sophia charlotte mia amelia harper evelyn abigail emily "
         "elizabeth mila ella avery sofia camila aria scarlett victoria madison luna grace chloe "
         "penelope layla riley zoey nora lily eleanor hannah lillian addison aubrey ellie stella "
         "natalie zoe leah hazel violet aurora savannah audrey brooklyn bella claire skylar").split()
chars = sorted(set("".join(words)))
stoi = {s: i + 1 for i, s in enumerate(chars)}
stoi["."] = 0
itos = {i: s for s, i in stoi.items()}
vocab = len(stoi)
block_size = 3

X, Y = [], []
for w in words:
    context = [0] * block_size
    for ch in w + ".":
        ix = stoi[ch]
        X.append(context)
        Y.append(ix)
        context = [*context[1:], ix]
X = torch.tensor(X)
Y = torch.tensor(Y)

g = torch.Generator().manual_seed(2147483647)
C = torch.randn((vocab, 10), generator=g)
W1 = torch.randn((block_size * 10, 100), generator=g) * (5 / 3) / (block_size * 10) ** 0.5
b1 = torch.randn(100, generator=g) * 0.01
W2 = torch.randn((100, vocab), generator=g) * 0.01
b2 = torch.zeros(vocab)
parameters = [C, W1, b1, W2, b2]
for p in parameters:
    p.requires_grad = True
print("parameters:", sum(p.nelement() for p in parameters))

loader = DataLoader(TensorDataset(X, Y), batch_size=32, shuffle=True, generator=g)
for epoch in range(40):
    lr = 0.1 if epoch < 30 else 0.01
    for xb, yb in loader:
        emb = C[xb]
        h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
        logits = h @ W2 + b2
        loss = F.cross_entropy(logits, yb)
        for p in parameters:
            p.grad = None
        loss.backward()
        for p in parameters:
            p.data += -lr * p.grad

with torch.no_grad():
    emb = C[X]
    h = torch.tanh(emb.view(emb.shape[0], -1) @ W1 + b1)
    loss = F.cross_entropy(h @ W2 + b2, Y)

for _ in range(5):
    out, context = [], [0] * block_size
    while True:
        emb = C[torch.tensor([context])]
        h = torch.tanh(emb.view(1, -1) @ W1 + b1)
        probs = F.softmax(h @ W2 + b2, dim=1)
        ix = torch.multinomial(probs, num_samples=1, generator=g).item()
        context = [*context[1:], ix]
        if ix == 0 or len(out) > 20:
            break
        out.append(itos[ix])
    print("".join(out))
print(f"final loss {loss.item():.6f}")
