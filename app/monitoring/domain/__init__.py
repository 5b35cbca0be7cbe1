"""Monitoring's domain: what a target is (URLs, hosts, images) and which addresses are
refused. Flask-free, shared by the API and the probes."""
