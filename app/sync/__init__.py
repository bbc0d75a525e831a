"""Offline sync: push/pull protocol for the keeper's transaction register."""

