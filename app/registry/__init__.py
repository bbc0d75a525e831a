"""The registry of service points, terminals, people, banks and regions."""

