"""Scenarios: one operation of a fixture played against a sequence of server answers.

Format and shipped scenarios: ``docs/scenarios.md``. The pieces:

- :mod:`.model` and :mod:`.load`: scenario files (``*.scenario.yaml``) into :class:`Scenario`;
- the proxy plays a scenario's answers (``RecordingProxy.open_case(..., script=scenario.script())``);
- :mod:`.sequence` and :mod:`.judge`: the client's request sequence into a :class:`ScenarioVerdict`, by
  the sequence checks of the registry (:mod:`conformance.checks`: ``walk``, ``attempts``, ``outcome``...);
- :mod:`.compare`: two clients' verdicts of one scenario compared (:class:`ScenarioFinding`);
- :mod:`.policy`: the ``scenario_differences`` section of a policy file;
- :mod:`.error_surface`: leaks and comparison of what clients surface on an error.

The package itself re-exports nothing: import from the module that holds a name
(the sequence checks import the model and the error helpers from here, and the
judge imports the checks, so an eager re-export would close a circle).
"""
