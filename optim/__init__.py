"""tapegrad's optimizers and learning-rate schedules (PyTorch's names and update rules)."""

try:  # (optim needs autograd only: the check that it is tapegrad's is autograd/_backend.py)
    from autograd._backend import require_tapegrad
except ModuleNotFoundError as error:  # an `autograd` without tapegrad's files: name what it is
    import autograd

    raise ImportError(
        f"`import autograd` found a different package at {autograd.__file__}, not tapegrad's "
        "engine (PyPI's HIPS `autograd` uses the same import name). Fix: `pip uninstall "
        "autograd`, then reinstall tapegrad; or use a separate virtual environment for tapegrad."
    ) from error

require_tapegrad()

from . import lr_scheduler  # noqa: E402
from .adadelta import Adadelta  # noqa: E402
from .adagrad import Adagrad  # noqa: E402
from .adam import Adam, AdamW  # noqa: E402
from .adamax import Adamax  # noqa: E402
from .lbfgs import LBFGS  # noqa: E402
from .nadam import NAdam  # noqa: E402
from .optimizer import Optimizer  # noqa: E402
from .radam import RAdam  # noqa: E402
from .rmsprop import RMSprop  # noqa: E402
from .sgd import SGD  # noqa: E402

__all__ = [
    "LBFGS",
    "SGD",
    "Adadelta",
    "Adagrad",
    "Adam",
    "AdamW",
    "Adamax",
    "NAdam",
    "Optimizer",
    "RAdam",
    "RMSprop",
    "lr_scheduler",
]

# isort: split
from .rprop import Rprop  # noqa: E402

__all__ += ["Rprop"]
