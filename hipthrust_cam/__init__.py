"""hipthrust-cam: a side-view form checker for the hip thrust."""

__version__ = "0.1.0"
