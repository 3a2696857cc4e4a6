"""Async client for the InfluxDB OSS v2 Replications and Remote Connections APIs."""
