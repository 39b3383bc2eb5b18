"""Parameters per family of distributions over n binary pixels; the ordering's effect on NLL."""
