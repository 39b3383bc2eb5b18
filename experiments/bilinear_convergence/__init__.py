"""Every update rule on V(x, y) = x·y against the closed form of its linear map."""
