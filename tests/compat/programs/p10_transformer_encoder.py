# Sequence classification with nn.TransformerEncoder: is the first token of the sequence
# repeated later in it? Learned positions, key padding masks for variable lengths.
import torch
import torch.nn as nn

torch.manual_seed(0)
vocab, max_len, d_model = 8, 8, 32
g = torch.Generator().manual_seed(1)
N = 256
tokens = torch.randint(1, vocab, (N, max_len), generator=g)
lengths = torch.randint(4, max_len + 1, (N,), generator=g)
pad = torch.arange(max_len).unsqueeze(0) >= lengths.unsqueeze(1)
tokens = tokens.masked_fill(pad, 0)
labels = ((tokens[:, 1:] == tokens[:, :1]) & ~pad[:, 1:]).any(dim=1).long()


class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
        self.pos = nn.Parameter(torch.zeros(1, max_len, d_model))
        layer = nn.TransformerEncoderLayer(d_model, nhead=4, dim_feedforward=64, dropout=0.0,
                                           batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, num_layers=2)
        self.head = nn.Linear(d_model, 2)

    def forward(self, tokens, pad):
        h = self.encoder(self.embed(tokens) + self.pos, src_key_padding_mask=pad)
        return self.head(h[:, 0])


model = Classifier()
optimizer = torch.optim.Adam(model.parameters(), lr=2e-3)
criterion = nn.CrossEntropyLoss()
for _step in range(300):
    idx = torch.randint(0, N, (32,))
    optimizer.zero_grad()
    loss = criterion(model(tokens[idx], pad[idx]), labels[idx])
    loss.backward()
    optimizer.step()

model.eval()
with torch.no_grad():
    logits = model(tokens, pad)
    final = criterion(logits, labels)
    acc = (logits.argmax(1) == labels).float().mean()
print(f"accuracy {acc.item():.3f}")
print(f"final loss {final.item():.6f}")
