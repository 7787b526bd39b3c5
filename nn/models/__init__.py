"""Reference models: AlexNet, GoogLeNet, DenseNet, MLP, LeNet5, DeepConvNet, BasicBlock, Bottleneck, ResNet, resnet18/34/50, VGG, vgg11/16."""

from .alexnet import *  # noqa: F403
from .alexnet import __all__ as _alexnet_all
from .convnet import *  # noqa: F403
from .convnet import __all__ as _convnet_all
from .densenet import *  # noqa: F403
from .densenet import __all__ as _densenet_all
from .googlenet import *  # noqa: F403
from .googlenet import __all__ as _googlenet_all
from .lenet import *  # noqa: F403
from .lenet import __all__ as _lenet_all
from .mlp import *  # noqa: F403
from .mlp import __all__ as _mlp_all
from .resnet import *  # noqa: F403
from .resnet import __all__ as _resnet_all
from .vgg import *  # noqa: F403
from .vgg import __all__ as _vgg_all

__all__ = [*_alexnet_all, *_densenet_all, *_googlenet_all, *_convnet_all, *_lenet_all, *_mlp_all, *_resnet_all, *_vgg_all]
