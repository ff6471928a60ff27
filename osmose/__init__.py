"""Osmose: run a regional life-sciences ecosystem network."""
