"""Weight initialization: uniform_, normal_, constant_, xavier_*, kaiming_*, lecun_*, calculate_gain."""

__all__: list[str] = []
