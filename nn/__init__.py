"""tapegrad's neural-network package: modules, layers, losses, init, models (PyTorch's names)."""

from ._backend import require_tapegrad

require_tapegrad()

from . import data, functional, init, models, utils  # noqa: E402, F401
from .containers import *  # noqa: E402, F403
from .layers.activation import *  # noqa: E402, F403
from .layers.attention import *  # noqa: E402, F403
from .layers.conv import *  # noqa: E402, F403
from .layers.conv_extra import *  # noqa: E402, F403
from .layers.distance import *  # noqa: E402, F403
from .layers.dropout import *  # noqa: E402, F403
from .layers.group_norm import *  # noqa: E402, F403
from .layers.linear import *  # noqa: E402, F403
from .layers.loss import *  # noqa: E402, F403
from .layers.loss_extra import *  # noqa: E402, F403
from .layers.lrn import *  # noqa: E402, F403
from .layers.normalization import *  # noqa: E402, F403
from .layers.pooling import *  # noqa: E402, F403
from .layers.pooling1d import *  # noqa: E402, F403
from .layers.rms_norm import *  # noqa: E402, F403
from .layers.rnn import *  # noqa: E402, F403
from .layers.transformer import *  # noqa: E402, F403
from .layers.upsample import *  # noqa: E402, F403
from .module import *  # noqa: E402, F403
from .serialization import *  # noqa: E402, F403
from .summary import *  # noqa: E402, F403

# isort: split
from .layers.bilinear import *  # noqa: E402, F403
from .layers.fold import *  # noqa: E402, F403
from .layers.instance_norm import *  # noqa: E402, F403
from .layers.loss_margin import *  # noqa: E402, F403
from .layers.padding import *  # noqa: E402, F403
from .layers.pixel_shuffle import *  # noqa: E402, F403
from .layers.shrink import *  # noqa: E402, F403
from .param_containers import *  # noqa: E402, F403
