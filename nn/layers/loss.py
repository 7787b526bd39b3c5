"""Loss modules: MSELoss, L1Loss, HuberLoss, SmoothL1Loss, BCELoss, BCEWithLogitsLoss, CrossEntropyLoss, NLLLoss, GaussianNLLLoss."""

__all__: list[str] = []
