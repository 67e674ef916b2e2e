"""Scenarios: one operation of a fixture played against a sequence of server answers.

Format and shipped scenarios: ``docs/scenarios.md``. The pieces:

- :mod:`.model` and :mod:`.load`: scenario files (``*.scenario.yaml``) into :class:`Scenario`;
- the proxy plays a scenario's answers (``RecordingProxy.open_case(..., script=scenario.script())``);
- :mod:`.sequence` and :mod:`.judge`: the client's request sequence into a :class:`ScenarioVerdict`;
- :mod:`.compare`: two clients' verdicts of one scenario compared (:class:`ScenarioFinding`);
- :mod:`.policy`: the ``scenario_differences`` section of a policy file;
- :mod:`.error_surface`: leaks and comparison of what clients surface on an error.
"""

from conformance.scenarios.compare import ScenarioFinding, compare_scenario_outcomes
from conformance.scenarios.judge import RetryBehaviour, ScenarioVerdict, judge_scenario
from conformance.scenarios.load import load_scenario, load_scenarios, shipped_scenarios_dir
from conformance.scenarios.model import Scenario
from conformance.scenarios.policy import ScenarioPolicy, load_scenario_policy, parse_scenario_policy

__all__ = [
    "RetryBehaviour",
    "Scenario",
    "ScenarioFinding",
    "ScenarioPolicy",
    "ScenarioVerdict",
    "compare_scenario_outcomes",
    "judge_scenario",
    "load_scenario",
    "load_scenario_policy",
    "load_scenarios",
    "parse_scenario_policy",
    "shipped_scenarios_dir",
]
