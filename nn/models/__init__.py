"""Reference models: MLP, LeNet5, DeepConvNet, BasicBlock, Bottleneck, ResNet, resnet18/34/50, VGG, vgg11/16."""

from .convnet import *  # noqa: F403
from .convnet import __all__ as _convnet_all
from .lenet import *  # noqa: F403
from .lenet import __all__ as _lenet_all
from .mlp import *  # noqa: F403
from .mlp import __all__ as _mlp_all
from .resnet import *  # noqa: F403
from .resnet import __all__ as _resnet_all
from .vgg import *  # noqa: F403
from .vgg import __all__ as _vgg_all

__all__ = [*_convnet_all, *_lenet_all, *_mlp_all, *_resnet_all, *_vgg_all]
