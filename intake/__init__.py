"""intake: reads the pages of a mutual-aid medical claim and tells what is there and what is missing."""

__version__ = "0.1.0"
