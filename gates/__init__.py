"""release-gates: may this exact code ship?"""

__version__ = "0.1.0"
