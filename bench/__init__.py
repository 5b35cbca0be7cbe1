"""Kairos benchmarks: each compares the platform with the least code that does the same job."""
