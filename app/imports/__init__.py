"""Bulk imports of service points from CSV, GeoJSON and GeoPackage."""

