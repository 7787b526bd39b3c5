"""Reference models: MLP, LeNet5, DeepConvNet, BasicBlock, Bottleneck, ResNet, resnet18, resnet34, VGG, vgg16."""

__all__: list[str] = []
