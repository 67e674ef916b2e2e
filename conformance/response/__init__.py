"""The response half of a case: what a client did with the server's answer.

- :mod:`conformance.response.surfaced`: the values a client returned or printed against the answer;
- :mod:`conformance.response.cli_schemas`: the ``dw --json`` output against the CLI's published schemas;
- :mod:`conformance.response.verdict`: the response verdict of one case, and how it combines with the
  request verdict;
- :mod:`conformance.response.parity`: the clients' surfaced values against each other;
- :mod:`conformance.response.facts` (+ :mod:`conformance.response.facts_map`, the data's loader):
  each client held to the facts of ``semantic_body`` where it surfaces them.
"""
