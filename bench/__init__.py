"""The gateway benchmark: the public federation gateway benchmark workload, served by fast
subgraphs, run through fedra and peer gateways under the same load on the same machine.

``python -m bench.run`` (``make bench``) runs it; ``python -m bench.run --quick`` is a smoke run.
"""
