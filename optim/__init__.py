"""tapegrad's optimizers and learning-rate schedules (PyTorch's names and update rules)."""

from nn._backend import require_tapegrad

require_tapegrad()
