"""Functional forms of every layer, activation and loss (import as `F`, like torch.nn.functional)."""

# PyTorch's F also carries these tensor functions; they live in the op table.
from autograd.ops.registry import REGISTRY as _REGISTRY

# `optable` enters every public function of these modules in the op table ("nn.functional.<name>")
from . import optable  # noqa: F401
from .activation import *  # noqa: F403
from .attention import *  # noqa: F403
from .conv import *  # noqa: F403
from .conv_extra import *  # noqa: F403
from .distance import *  # noqa: F403
from .dropout import *  # noqa: F403
from .group_norm import *  # noqa: F403
from .interpolate import *  # noqa: F403
from .linear import *  # noqa: F403
from .loss import *  # noqa: F403
from .loss_extra import *  # noqa: F403
from .lrn import *  # noqa: F403
from .normalization import *  # noqa: F403
from .pooling import *  # noqa: F403
from .pooling1d import *  # noqa: F403
from .rms_norm import *  # noqa: F403

# isort: split
from .bilinear import *  # noqa: F403
from .fold import *  # noqa: F403
from .instance_norm import *  # noqa: F403
from .loss_margin import *  # noqa: F403
from .shrink import *  # noqa: F403
from .shuffle import *  # noqa: F403

# (the op table's own functions, not autograd's module-level ones: torch.nn.functional's one_hot
# and pad take no out=)
one_hot, pad = _REGISTRY["one_hot"].fn, _REGISTRY["pad"].fn
